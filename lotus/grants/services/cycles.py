"""Programmes and cycles: creation, criteria versions and the cycle's workflow.

A cycle moves Draft → Targeting locked → Approved → Payment list issued → Reconciled → Closed.
- Draft: a programme manager edits places, amounts, criteria, weights and quotas (each save of
  criteria, weights or quotas is a numbered version with who and when) and runs targeting.
- Locking needs a targeting run on the current inputs; the locker is the list's preparer.
- Approval is by a holder of the approve capability other than the preparer (maker–checker);
  a cycle whose total is above the programme's threshold needs a second, different approver.
- Issuing the payment list (services.payments), reconciling it (services.reconciliation),
  and closing follow. Every transition writes a CycleTransition row in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability, scope_for
from lotus.grants.criteria import (
    EMPTY_CRITERIA,
    uses_restricted,
    validate_criteria,
    validate_weights,
)
from lotus.grants.models import (
    CriteriaVersion,
    Cycle,
    CycleApproval,
    CycleTransition,
    Programme,
    ProvinceQuota,
)
from lotus.grants.selectors import pending_line_count

NOT_DRAFT = gettext_lazy("Only a draft cycle can be changed.")
SELF_APPROVAL = gettext_lazy("The preparer of a list cannot approve it.")
SAME_APPROVER = gettext_lazy("The second approval must come from another approver.")
RESTRICTED_LOCK = gettext_lazy(
    "These criteria use restricted facts: only a role that may read them can change them."
)


def _require_manager(actor: User):
    return require_capability(actor, Capability.MANAGE_PROGRAMMES)


def _check_places(actor: User, provinces, communes) -> None:
    scope = scope_for(actor)
    if scope.everything:
        return
    for province in provinces:
        if province.pk != scope.province_id:
            raise PermissionDenied
    for commune in communes:
        if not scope.covers(province_id=commune.province_id, commune_id=commune.pk):
            raise PermissionDenied


def _transition(cycle: Cycle, *, to: str, actor: User, note: str = "") -> Cycle:
    CycleTransition.objects.create(
        cycle=cycle, from_status=cycle.status, to_status=to, actor=actor, note=note[:300]
    )
    cycle.status = to
    return cycle


def _locked(cycle: Cycle) -> Cycle:
    """Re-read the cycle under a row lock (PostgreSQL) before a one-time transition."""
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


@transaction.atomic
def programme_create(*, actor: User, data: dict[str, Any]) -> Programme:
    """Create a programme.

    Raises:
        PermissionDenied: the actor does not run programmes.
    """
    _require_manager(actor)
    branches = data.pop("implementing_branches", [])
    programme = Programme(created_by=actor, **data)
    programme.full_clean()
    programme.save()
    programme.implementing_branches.set(branches)
    return programme


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, data: dict[str, Any]) -> Programme:
    """Change a programme's name, donors, branches, purpose, period or approval threshold."""
    _require_manager(actor)
    branches = data.pop("implementing_branches", None)
    for field, value in data.items():
        setattr(programme, field, value)
    programme.full_clean()
    programme.save()
    if branches is not None:
        programme.implementing_branches.set(branches)
    return programme


def _check_cycle_places(provinces, communes) -> None:
    province_ids = {p.pk for p in provinces}
    if not province_ids:
        raise ValidationError({"provinces": _("Choose at least one province.")})
    if any(c.province_id not in province_ids for c in communes):
        raise ValidationError({"communes": _("Every commune must lie in a chosen province.")})


@transaction.atomic
def cycle_create(*, actor: User, programme: Programme, data: dict[str, Any]) -> Cycle:
    """Create a draft cycle of a programme.

    Raises:
        PermissionDenied: the actor does not run programmes or a place is outside her scope.
        ValidationError: neither budget nor number of grants, or communes outside provinces.
    """
    _require_manager(actor)
    provinces = list(data.pop("provinces", []))
    communes = list(data.pop("communes", []))
    _check_places(actor, provinces, communes)
    _check_cycle_places(provinces, communes)
    cycle = Cycle(programme=programme, created_by=actor, criteria=dict(EMPTY_CRITERIA), **data)
    _check_budget(cycle)
    cycle.full_clean()
    cycle.save()
    cycle.provinces.set(provinces)
    cycle.communes.set(communes)
    return cycle


def _check_budget(cycle: Cycle) -> None:
    if cycle.budget is None and cycle.grant_count is None:
        raise ValidationError(_("Give a budget, a number of grants, or both."))
    if cycle.amount_per_person and cycle.max_grants < 1:
        raise ValidationError({"budget": _("The budget does not pay for a single grant.")})


@transaction.atomic
def cycle_update(*, actor: User, cycle: Cycle, data: dict[str, Any]) -> Cycle:
    """Change a draft cycle's settings; a targeting run on the new settings is then needed.

    Raises:
        ValidationError: the cycle is not a draft.
    """
    _require_manager(actor)
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.DRAFT:
        raise ValidationError(NOT_DRAFT)
    provinces = data.pop("provinces", None)
    communes = data.pop("communes", None)
    if provinces is not None:
        communes = list(communes or [])
        _check_places(actor, provinces, communes)
        _check_cycle_places(provinces, communes)
    for field, value in data.items():
        setattr(cycle, field, value)
    _check_budget(cycle)
    cycle.full_clean()
    cycle.save()
    if provinces is not None:
        cycle.provinces.set(provinces)
        cycle.communes.set(communes)
        cycle.quotas.exclude(province__in=provinces).delete()
    return cycle


@transaction.atomic
def cycle_criteria_save(
    *,
    actor: User,
    cycle: Cycle,
    criteria: Any,
    weights: Any,
    quota_mode: str | None = None,
    manual_quotas: dict[int, int] | None = None,
) -> CriteriaVersion:
    """Save criteria, weights and quotas as a new version (who, when, what).

    Restricted facts (HIV, GBV) may be used only by a role that may read them, and a saved
    restricted condition cannot be removed or changed by a role that may not see it.

    Raises:
        PermissionDenied: the actor does not run programmes.
        ValidationError: the cycle is not a draft, or the criteria, weights or quotas are bad.
    """
    scope = _require_manager(actor)
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.DRAFT:
        raise ValidationError(NOT_DRAFT)
    allow_restricted = scope.can(Capability.READ_SENSITIVE)
    clean_criteria = validate_criteria(criteria, allow_restricted=allow_restricted)
    clean_weights = validate_weights(weights, allow_restricted=allow_restricted)
    if not allow_restricted and uses_restricted(cycle.criteria, cycle.weights):
        raise ValidationError(RESTRICTED_LOCK)
    quota_mode = quota_mode or cycle.quota_mode
    if quota_mode not in Cycle.QuotaMode.values:
        raise ValidationError({"quota_mode": _("Unknown quota rule.")})
    quotas_record: dict[str, Any] = {"mode": quota_mode}
    if quota_mode == Cycle.QuotaMode.MANUAL:
        quotas_record["manual"] = _save_manual_quotas(cycle, manual_quotas or {})
    cycle.criteria = clean_criteria
    cycle.weights = clean_weights
    cycle.quota_mode = quota_mode
    cycle.criteria_version += 1
    # The last run no longer matches the inputs: locking needs a new one.
    cycle.fingerprint = ""
    cycle.inputs_digest = ""
    cycle.save()
    return CriteriaVersion.objects.create(
        cycle=cycle,
        number=cycle.criteria_version,
        criteria=clean_criteria,
        weights=clean_weights,
        quotas=quotas_record,
        changed_by=actor,
    )


def _save_manual_quotas(cycle: Cycle, manual: dict[int, int]) -> dict[str, int]:
    provinces = {p.pk: p for p in cycle.provinces.all()}
    cleaned: dict[int, int] = {}
    for province_id, quota in manual.items():
        if int(province_id) not in provinces:
            raise ValidationError(_("A quota is set for a province outside the cycle."))
        if quota is None or int(quota) < 0:
            raise ValidationError(_("Quotas are whole numbers, zero or more."))
        cleaned[int(province_id)] = int(quota)
    if sum(cleaned.values()) > cycle.max_grants:
        raise ValidationError(
            _("The quotas add up to %(sum)s grants, more than the %(max)s the cycle pays for.")
            % {"sum": sum(cleaned.values()), "max": cycle.max_grants}
        )
    for province_id, province in provinces.items():
        ProvinceQuota.objects.update_or_create(
            cycle=cycle, province=province, defaults={"quota": cleaned.get(province_id, 0)}
        )
    return {provinces[pk].code: quota for pk, quota in sorted(cleaned.items())}


@transaction.atomic
def cycle_lock_targeting(*, actor: User, cycle: Cycle) -> Cycle:
    """Freeze the selected list; the actor becomes its preparer.

    Raises:
        ValidationError: not a draft, no run on the current inputs, or nobody selected.
    """
    from lotus.grants.services.targeting import inputs_digest

    _require_manager(actor)
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.DRAFT:
        raise ValidationError(NOT_DRAFT)
    if not cycle.fingerprint or cycle.inputs_digest != inputs_digest(cycle):
        raise ValidationError(_("Run the targeting on the current criteria before locking."))
    if cycle.selected_count == 0:
        raise ValidationError(_("Nobody is selected."))
    cycle.prepared_by = actor
    _transition(cycle, to=Cycle.Status.LOCKED, actor=actor)
    cycle.save(update_fields=["prepared_by", "status"])
    return cycle


@transaction.atomic
def cycle_unlock_targeting(*, actor: User, cycle: Cycle, note: str = "") -> Cycle:
    """Send a locked (not yet fully approved) cycle back to draft; approvals are withdrawn."""
    _require_manager(actor)
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.LOCKED:
        raise ValidationError(_("Only a locked cycle can go back to draft."))
    cycle.approvals.all().delete()
    cycle.prepared_by = None
    _transition(cycle, to=Cycle.Status.DRAFT, actor=actor, note=note)
    cycle.save(update_fields=["prepared_by", "status"])
    return cycle


def approvals_needed(cycle: Cycle) -> int:
    return 2 if cycle.selected_total > cycle.programme.second_approval_above else 1


@transaction.atomic
def cycle_approve(*, actor: User, cycle: Cycle) -> CycleApproval:
    """Approve a locked list (maker–checker; second approver above the programme threshold).

    Raises:
        PermissionDenied: the actor may not approve.
        ValidationError: the cycle is not locked, the actor prepared it, or already approved.
    """
    require_capability(actor, Capability.APPROVE)
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.LOCKED:
        raise ValidationError(_("Only a locked list can be approved."))
    if cycle.prepared_by_id == actor.pk:
        raise ValidationError(SELF_APPROVAL)
    if cycle.approvals.filter(approver=actor).exists():
        raise ValidationError(SAME_APPROVER)
    level = cycle.approvals.count() + 1
    approval = CycleApproval.objects.create(
        cycle=cycle,
        approver=actor,
        level=level,
        total=cycle.selected_total,
        fingerprint=cycle.fingerprint,
    )
    if level >= approvals_needed(cycle):
        _transition(cycle, to=Cycle.Status.APPROVED, actor=actor)
        cycle.save(update_fields=["status"])
    else:
        CycleTransition.objects.create(
            cycle=cycle,
            from_status=cycle.status,
            to_status=cycle.status,
            actor=actor,
            note=_("First approval; a second approver is needed."),
        )
    return approval


@transaction.atomic
def cycle_mark_reconciled(*, actor: User, cycle: Cycle) -> Cycle:
    """Declare the payments reconciled: every issued line has a result.

    Raises:
        ValidationError: the list is not issued or some payments have no result yet.
    """
    scope = scope_for(actor)
    if not (scope.can(Capability.MANAGE_PROGRAMMES) or scope.can(Capability.APPROVE)):
        raise PermissionDenied
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.ISSUED:
        raise ValidationError(_("Only an issued list can be reconciled."))
    pending = pending_line_count(cycle)
    if pending:
        raise ValidationError(_("%(n)s payments have no result yet.") % {"n": pending})
    _transition(cycle, to=Cycle.Status.RECONCILED, actor=actor)
    cycle.save(update_fields=["status"])
    return cycle


@transaction.atomic
def cycle_close(*, actor: User, cycle: Cycle, note: str = "") -> Cycle:
    """Close a reconciled cycle; nothing can be paid or reissued after."""
    _require_manager(actor)
    cycle = _locked(cycle)
    if cycle.status != Cycle.Status.RECONCILED:
        raise ValidationError(_("Only a reconciled cycle can be closed."))
    _transition(cycle, to=Cycle.Status.CLOSED, actor=actor, note=note)
    cycle.save(update_fields=["status"])
    return cycle
