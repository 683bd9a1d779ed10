"""After payment: grievances, overpayments, livelihood surveys, trainings, payout accounts.

A grievance is received from any channel (hotline, commune office, online) with a category
and a due date (DUE_DAYS after receipt), assigned, worked on, resolved and closed; each change
of status is an update row with who and when. Complaints of abuse or exploitation are
visible only to holders of the safeguarding capability. An overpayment (created by a merge,
see merging_hooks) is recovered or waived. Each grantee has at most one baseline and one
follow-up survey per cycle. Trainings attached to a cycle record who attended.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability, scope_for
from lotus.geo.models import Commune
from lotus.grants.models import (
    Cycle,
    Grievance,
    GrievanceUpdate,
    LivelihoodSurvey,
    Overpayment,
    PaymentLine,
    PayoutAccount,
    Training,
)
from lotus.registry.models import Person

DUE_DAYS = {Grievance.Category.ABUSE: 2, Grievance.Category.NOT_RECEIVED: 7}
DEFAULT_DUE_DAYS = 15


def _check_place(actor: User, *, province_id: int, commune_id: int | None) -> None:
    if not scope_for(actor).covers(province_id=province_id, commune_id=commune_id):
        raise PermissionDenied


@transaction.atomic
def grievance_create(
    *, actor: User, cycle: Cycle, commune: Commune, data: dict[str, Any]
) -> Grievance:
    """Record a grievance received through any channel; its due date follows its category.

    Raises:
        PermissionDenied: the actor may not edit or the commune is outside her scope.
    """
    require_capability(actor, Capability.EDIT)
    _check_place(actor, province_id=commune.province_id, commune_id=commune.pk)
    received_on = data.get("received_on") or dt.date.today()
    category = data["category"]
    grievance = Grievance(
        cycle=cycle,
        commune=commune,
        province_id=commune.province_id,
        created_by=actor,
        received_on=received_on,
        due_on=received_on + dt.timedelta(days=DUE_DAYS.get(category, DEFAULT_DUE_DAYS)),
        **{k: v for k, v in data.items() if k not in ("received_on", "cycle", "commune")},
    )
    grievance.full_clean()
    grievance.save()
    GrievanceUpdate.objects.create(
        grievance=grievance, actor=actor, status=grievance.status, note=_("Received")
    )
    return grievance


@transaction.atomic
def grievance_update(
    *,
    actor: User,
    grievance: Grievance,
    status: str,
    assignee: User | None,
    due_on: dt.date,
    resolution: str,
    note: str = "",
) -> Grievance:
    """Assign, reschedule, resolve or close a grievance; write an update row.

    Raises:
        PermissionDenied: the actor may not edit, or the grievance is an abuse complaint and
            she lacks the safeguarding capability.
        ValidationError: resolving without a resolution.
    """
    scope = require_capability(actor, Capability.EDIT)
    if grievance.category == Grievance.Category.ABUSE and not scope.can(Capability.SAFEGUARDING):
        raise PermissionDenied
    if status in (Grievance.Status.RESOLVED, Grievance.Status.CLOSED) and not resolution:
        raise ValidationError({"resolution": _("Say how it was resolved.")})
    grievance.status = status
    grievance.assignee = assignee
    grievance.due_on = due_on
    grievance.resolution = resolution
    if status in (Grievance.Status.RESOLVED, Grievance.Status.CLOSED):
        grievance.resolved_on = grievance.resolved_on or dt.date.today()
    else:
        grievance.resolved_on = None
    grievance.full_clean()
    grievance.save()
    GrievanceUpdate.objects.create(grievance=grievance, actor=actor, status=status, note=note)
    return grievance


@transaction.atomic
def overpayment_update(
    *, actor: User, overpayment: Overpayment, status: str, note: str
) -> Overpayment:
    """Mark an overpayment recovered or waived (or back to recover)."""
    require_capability(actor, Capability.MANAGE_PROGRAMMES)
    if status not in Overpayment.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    overpayment.status = status
    overpayment.note = note[:300]
    overpayment.save(update_fields=["status", "note"])
    return overpayment


def _grantee(cycle: Cycle, person: Person) -> PaymentLine:
    line = (
        PaymentLine.objects.filter(cycle=cycle, person=person, status=PaymentLine.Status.PAID)
        .order_by("pk")
        .first()
    )
    if line is None:
        raise ValidationError(_("Only a woman paid in this cycle can be surveyed."))
    return line


@transaction.atomic
def survey_record(
    *, actor: User, cycle: Cycle, person: Person, data: dict[str, Any]
) -> LivelihoodSurvey:
    """Record (or correct) a grantee's baseline or follow-up survey.

    Raises:
        PermissionDenied: the actor may not edit or the woman is outside her scope.
        ValidationError: she was not paid in this cycle.
    """
    require_capability(actor, Capability.EDIT)
    _check_place(actor, province_id=person.province_id, commune_id=person.commune_id)
    _grantee(cycle, person)
    survey, _created = LivelihoodSurvey.objects.update_or_create(
        cycle=cycle,
        person=person,
        kind=data["kind"],
        defaults={
            **{k: v for k, v in data.items() if k != "kind"},
            "province_id": person.province_id,
            "commune_id": person.commune_id,
            "recorded_by": actor,
        },
    )
    return survey


@transaction.atomic
def training_create(
    *, actor: User, cycle: Cycle, commune: Commune, data: dict[str, Any]
) -> Training:
    require_capability(actor, Capability.EDIT)
    _check_place(actor, province_id=commune.province_id, commune_id=commune.pk)
    training = Training(
        cycle=cycle,
        commune=commune,
        province_id=commune.province_id,
        created_by=actor,
        **{k: v for k, v in data.items() if k != "commune"},
    )
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def training_attendance_set(*, actor: User, training: Training, persons) -> Training:
    """Replace the attendance list with these women (the cycle's selected, in scope)."""
    require_capability(actor, Capability.EDIT)
    _check_place(actor, province_id=training.province_id, commune_id=training.commune_id)
    training.attendees.set(persons)
    return training


@transaction.atomic
def payout_account_set(*, actor: User, person: Person, data: dict[str, Any]) -> PayoutAccount:
    """Record how a woman receives money; the next issued list uses it."""
    require_capability(actor, Capability.EDIT)
    _check_place(actor, province_id=person.province_id, commune_id=person.commune_id)
    account, _created = PayoutAccount.objects.update_or_create(person=person, defaults=data)
    return account
