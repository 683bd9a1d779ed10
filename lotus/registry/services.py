"""Writes to the registry.

A person is created by an officer (form) or an import, edited field by field (every change is
kept by django-simple-history with who and when), may move to another commune (the history
keeps where she was), may be marked deceased, and may be merged into another record by the
deduplication review (lotus.registry.merging). Consent is recorded per purpose and withdrawn,
never deleted. Restricted facts are set and cleared only by roles allowed to read them, and
every such read or change is written to the access log.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability
from lotus.accounts.services import commune_branch_for
from lotus.core.text import fold, normalize_text
from lotus.geo.models import Commune
from lotus.registry.models import AccessLog, Consent, Household, Person, RestrictedFact
from lotus.registry.sensitivity import RESTRICTED_FACTS

WG_FIELDS = (
    "wg_seeing",
    "wg_hearing",
    "wg_walking",
    "wg_cognition",
    "wg_selfcare",
    "wg_communication",
)
PERSON_EDITABLE_FIELDS = (
    "full_name", "family_name", "middle_name", "given_name", "birth_date", "birth_year",
    "birth_date_precision", "sex", "cccd", "cccd_verified", "cmnd", "phone", "phone_verified",
    "ethnicity", "commune", "address_text", "address_warning", "union_branch", "member_since",
    "is_pregnant", "is_migrant_worker", *WG_FIELDS, "monthly_income", "is_deceased",
    "deceased_on", "household", "relationship_to_head",
)  # fmt: skip
# Washington Group: "a lot of difficulty" or "cannot do at all" in any domain.
WG_DISABILITY_THRESHOLD = 3


def fill_derived_fields(person: Person) -> Person:
    """Set the fields computed from others: search key, province, disability flag."""
    person.full_name = normalize_text(person.full_name)
    person.name_key = fold(person.full_name)
    if person.commune_id is not None:
        person.province_id = person.commune.province_id
    if person.birth_date is not None:
        person.birth_year = person.birth_date.year
    person.has_disability = any(
        (getattr(person, field) or 0) >= WG_DISABILITY_THRESHOLD for field in WG_FIELDS
    )
    return person


def _join_union_branch(person: Person) -> None:
    """A member with no branch named belongs to her commune's union branch."""
    if person.member_since and person.union_branch_id is None and person.commune_id:
        person.union_branch = commune_branch_for(person.commune)


def _check_in_scope(actor: User, *, province_id: int | None, commune_id: int | None) -> None:
    scope = require_capability(actor, Capability.EDIT)
    if not scope.covers(province_id=province_id, commune_id=commune_id):
        raise PermissionDenied


@transaction.atomic
def person_create(
    *, actor: User, data: dict[str, Any], candidates: Iterable[Commune] = ()
) -> Person:
    """Create a person in the actor's scope.

    Raises:
        PermissionDenied: the actor may not edit, or the place is outside her scope.
        ValidationError: a field breaks a model rule.
    """
    person = Person(**{k: v for k, v in data.items() if k in PERSON_EDITABLE_FIELDS})
    if person.commune_id is None and data.get("province") is not None:
        person.province = data["province"]
    fill_derived_fields(person)
    _check_in_scope(actor, province_id=person.province_id, commune_id=person.commune_id)
    _join_union_branch(person)
    person._history_user = actor
    person.full_clean(exclude=["name_key"])
    person.save()
    if candidates:
        person.commune_candidates.set(candidates)
    return person


@transaction.atomic
def person_update(*, actor: User, person: Person, data: dict[str, Any]) -> Person:
    """Change the given fields of `person`; the edit history keeps the old values.

    Moving her to a commune outside the actor's scope is refused.

    Raises:
        PermissionDenied, ValidationError.
    """
    _check_in_scope(actor, province_id=person.province_id, commune_id=person.commune_id)
    person = Person.objects.select_for_update().get(pk=person.pk)
    for field, value in data.items():
        if field in PERSON_EDITABLE_FIELDS:
            setattr(person, field, value)
    if "commune" in data and data["commune"] is not None:
        person.address_warning = ""
    fill_derived_fields(person)
    _check_in_scope(actor, province_id=person.province_id, commune_id=person.commune_id)
    _join_union_branch(person)
    person._history_user = actor
    person.full_clean(exclude=["name_key"])
    person.save()
    if "commune" in data and data["commune"] is not None:
        person.commune_candidates.clear()
    return person


def person_move(*, actor: User, person: Person, commune: Commune, address_text: str) -> Person:
    """Record that she now lives in `commune`; her history keeps where she was."""
    return person_update(
        actor=actor, person=person, data={"commune": commune, "address_text": address_text}
    )


def person_mark_deceased(*, actor: User, person: Person, deceased_on: dt.date) -> Person:
    """Mark her deceased; she stays in the registry and its history."""
    if deceased_on > dt.date.today():
        raise ValidationError({"deceased_on": _("The date of death is in the future.")})
    return person_update(
        actor=actor, person=person, data={"is_deceased": True, "deceased_on": deceased_on}
    )


def person_bulk_create(*, persons: list[Person], batch_size: int = 5000) -> list[Person]:
    """Insert many persons at once (imports, demo data) after filling derived fields.

    The caller has validated the rows and checked the scope; no history rows are written.
    """
    for person in persons:
        fill_derived_fields(person)
    return Person.objects.bulk_create(persons, batch_size=batch_size)


@transaction.atomic
def household_create(*, actor: User, head: Person, address: str = "") -> Household:
    """Start a household in the head's commune with her or him as head."""
    _check_in_scope(actor, province_id=head.province_id, commune_id=head.commune_id)
    if head.commune_id is None:
        raise ValidationError(_("Place the person in a commune before creating a household."))
    household = Household.objects.create(
        commune_id=head.commune_id,
        province_id=head.province_id,
        address=address or head.address_text,
        head=head,
    )
    person_update(
        actor=actor,
        person=head,
        data={"household": household, "relationship_to_head": Person.Relationship.HEAD},
    )
    return household


@transaction.atomic
def household_add_member(
    *, actor: User, household: Household, person: Person, relationship: str
) -> Person:
    """Add `person` to `household`; a household has one head."""
    _check_in_scope(actor, province_id=household.province_id, commune_id=household.commune_id)
    if relationship == Person.Relationship.HEAD:
        raise ValidationError({"relationship": _("This household already has a head.")})
    return person_update(
        actor=actor,
        person=person,
        data={"household": household, "relationship_to_head": relationship},
    )


@transaction.atomic
def consent_record(
    *,
    actor: User,
    person: Person,
    purpose: str,
    given_on: dt.date,
    method: str,
    text_version: str,
) -> Consent:
    """Record her consent for one purpose; an active consent for that purpose is kept as is.

    Raises:
        ValidationError: she already has an active consent for this purpose.
    """
    _check_in_scope(actor, province_id=person.province_id, commune_id=person.commune_id)
    if Consent.objects.filter(person=person, purpose=purpose, withdrawn_on__isnull=True).exists():
        raise ValidationError({"purpose": _("She has already given consent for this purpose.")})
    consent = Consent(
        person=person,
        purpose=purpose,
        given_on=given_on,
        method=method,
        text_version=text_version,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, withdrawn_on: dt.date) -> Consent:
    """Withdraw a consent from `withdrawn_on`; the record stays as proof."""
    person = consent.person
    _check_in_scope(actor, province_id=person.province_id, commune_id=person.commune_id)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("Withdrawal cannot precede the consent.")})
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on"])
    return consent


def _log_access(
    *,
    actor: User,
    action: str,
    person: Person | None,
    facts: Iterable[str],
    count: int,
    context: str,
) -> AccessLog:
    return AccessLog.objects.create(
        actor=actor,
        action=action,
        person=person,
        persons_count=count,
        facts=",".join(sorted(facts)),
        context=context[:300],
    )


@transaction.atomic
def restricted_fact_set(*, actor: User, person: Person, kind: str, present: bool) -> None:
    """Record or clear a restricted fact (HIV, GBV survivor), logging the change.

    Raises:
        PermissionDenied: the actor may not read restricted facts or the person is out of scope.
    """
    scope = require_capability(actor, Capability.READ_SENSITIVE)
    if kind not in RESTRICTED_FACTS:
        raise ValidationError({"kind": _("Unknown restricted fact.")})
    if not scope.covers(province_id=person.province_id, commune_id=person.commune_id):
        raise PermissionDenied
    if present:
        RestrictedFact.objects.get_or_create(
            person=person, kind=kind, defaults={"recorded_by": actor}
        )
    else:
        RestrictedFact.objects.filter(person=person, kind=kind).delete()
    _log_access(
        actor=actor,
        action=AccessLog.Action.CHANGE,
        person=person,
        facts=[kind],
        count=1,
        context=_("set") if present else _("cleared"),
    )


def access_log_bulk_use(
    *, actor: User, facts: Iterable[str], persons_count: int, context: str
) -> AccessLog:
    """Write the one access-log row for a run that used restricted facts over many persons."""
    return _log_access(
        actor=actor,
        action=AccessLog.Action.BULK_USE,
        person=None,
        facts=facts,
        count=persons_count,
        context=context,
    )


def access_log_read(*, actor: User, person: Person, facts: Iterable[str], context: str) -> None:
    """Write an access-log row for reading one person's restricted facts."""
    _log_access(
        actor=actor,
        action=AccessLog.Action.READ,
        person=person,
        facts=facts,
        count=1,
        context=context,
    )
