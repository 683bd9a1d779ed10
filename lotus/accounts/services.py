"""User accounts.

System administrators create any account. Province officers create and manage the accounts
of commune officers in their own province; nobody manages an account outside her scope or
grants a role she may not grant. Accounts are deactivated, never deleted, so that the history
of what they did keeps its author.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lotus.accounts.models import Branch, User
from lotus.accounts.roles import Capability, Role
from lotus.accounts.selectors import require_capability
from lotus.geo.models import Commune

# Roles a province officer may give to the accounts of her communes.
PROVINCE_GRANTABLE_ROLES = frozenset({Role.COMMUNE_OFFICER})


def grantable_roles(actor: User) -> list[str]:
    """Roles `actor` may give: all for central administrators, commune officer for a province."""
    scope = require_capability(actor, Capability.MANAGE_USERS)
    if scope.everything:
        return list(Role.values)
    return [role for role in Role.values if role in PROVINCE_GRANTABLE_ROLES]


def _check_may_manage(actor: User, *, branch: Branch | None, role: str) -> None:
    scope = require_capability(actor, Capability.MANAGE_USERS)
    if role not in grantable_roles(actor):
        raise PermissionDenied
    if scope.everything:
        return
    if branch is None or branch.level != Branch.Level.COMMUNE:
        raise PermissionDenied
    if not scope.covers(province_id=branch.province_id, commune_id=branch.commune_id):
        raise PermissionDenied


def commune_branch_for(commune: Commune) -> Branch:
    """The union branch of a commune, created the first time it is needed."""
    branch, _created = Branch.objects.get_or_create(
        level=Branch.Level.COMMUNE,
        commune=commune,
        defaults={"province_id": commune.province_id, "name": f"Hội LHPN {commune.name}"},
    )
    return branch


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    branch: Branch | None,
    password: str,
) -> User:
    """Create an account in a branch the actor covers, with a role she may grant.

    Raises:
        PermissionDenied: outside her scope or a role she may not grant.
        ValidationError: the username is taken or the password too weak.
    """
    _check_may_manage(actor, branch=branch, role=role)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        branch=branch,
        created_by=actor,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, role: str, is_active: bool, password: str = "") -> User:
    """Change an account's role, activity or password (deactivate rather than delete).

    Raises:
        PermissionDenied, ValidationError.
    """
    _check_may_manage(actor, branch=user.branch, role=user.role)
    _check_may_manage(actor, branch=user.branch, role=role)
    if user.pk == actor.pk:
        raise PermissionDenied
    user.role = role
    user.is_active = is_active
    fields = ["role", "is_active"]
    if password:
        validate_password(password, user)
        user.set_password(password)
        fields.append("password")
    user.save(update_fields=fields)
    return user
