"""Who may see what: the one place-and-role scoping mechanism every app uses."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from lotus.accounts.models import Branch, User
from lotus.accounts.roles import Capability, Role, capabilities_of
from lotus.geo.models import Commune


@dataclass(frozen=True)
class Scope:
    """The places a user covers and the capabilities she holds there."""

    everything: bool
    province_id: int | None
    commune_id: int | None
    capabilities: frozenset[str]

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def covers(self, *, province_id: int | None, commune_id: int | None) -> bool:
        if self.everything:
            return True
        if self.commune_id is not None:
            return commune_id == self.commune_id
        return self.province_id is not None and province_id == self.province_id

    def filter(self, queryset: QuerySet, *, province_field: str, commune_field: str) -> QuerySet:
        """Restrict `queryset` to this scope, given each row's path to its province and commune."""
        if self.everything:
            return queryset
        if self.commune_id is not None:
            # The province too: registry tables index place as (province, commune).
            return queryset.filter(
                **{f"{province_field}_id": self.province_id, f"{commune_field}_id": self.commune_id}
            )
        if self.province_id is not None:
            return queryset.filter(**{f"{province_field}_id": self.province_id})
        return queryset.none()


NO_SCOPE = Scope(everything=False, province_id=None, commune_id=None, capabilities=frozenset())


def scope_for(user: User) -> Scope:
    """Return the scope of `user`: central branch and superusers see everything."""
    if not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    role = Role.SYSTEM_ADMIN if user.is_superuser and not user.role else user.role
    capabilities = capabilities_of(role)
    branch = user.branch
    if user.is_superuser or (branch is not None and branch.level == Branch.Level.CENTRAL):
        return Scope(True, None, None, capabilities)
    if branch is None:
        return NO_SCOPE
    if branch.level == Branch.Level.PROVINCE:
        return Scope(False, branch.province_id, None, capabilities)
    return Scope(False, branch.province_id, branch.commune_id, capabilities)


def user_can(user: User, capability: Capability | str) -> bool:
    return scope_for(user).can(capability)


def require_capability(user: User, capability: Capability | str) -> Scope:
    """Return the user's scope, or raise PermissionDenied if she lacks `capability`."""
    scope = scope_for(user)
    if not scope.can(capability):
        raise PermissionDenied
    return scope


def communes_in_scope(scope: Scope) -> QuerySet[Commune]:
    """Communes the scope covers (with their province): hers, her province's, or all."""
    communes = Commune.objects.select_related("province")
    if scope.everything:
        return communes
    if scope.commune_id is not None:
        return communes.filter(pk=scope.commune_id)
    return communes.filter(province_id=scope.province_id)


def branch_list(*, user: User) -> QuerySet[Branch]:
    """Branches the user covers."""
    scope = scope_for(user)
    return scope.filter(
        Branch.objects.select_related("province", "commune"),
        province_field="province",
        commune_field="commune",
    )


def user_list(*, user: User) -> QuerySet[User]:
    """Accounts the user may manage: those of branches inside her scope, herself excepted."""
    scope = require_capability(user, Capability.MANAGE_USERS)
    users = User.objects.select_related("branch", "branch__province", "branch__commune")
    if scope.everything:
        return users.exclude(pk=user.pk)
    return scope.filter(
        users.filter(branch__isnull=False, branch__level=Branch.Level.COMMUNE),
        province_field="branch__province",
        commune_field="branch__commune",
    )
