"""Reads from the registry, always scoped to the user's place and role."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import Scope, require_capability, scope_for
from lotus.core.text import fold
from lotus.geo.models import Commune
from lotus.registry.models import Consent, Household, Person, RestrictedFact, Sex
from lotus.registry.services import access_log_read


def scoped_persons(scope: Scope, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """Persons inside `scope`: the one path from a person to her place."""
    queryset = Person.objects.all() if queryset is None else queryset
    return scope.filter(queryset, province_field="province", commune_field="commune")


def person_list(
    *,
    user: User,
    query: str = "",
    province_id: int | None = None,
    commune_id: int | None = None,
) -> QuerySet[Person]:
    """Live persons the user may read, filtered by a tone-mark-free search and by place.

    The search matches the folded name (any order of its words), the CCCD, CMND or phone.

    Raises:
        PermissionDenied: the user may not read persons.
    """
    scope = require_capability(user, Capability.READ)
    persons = scoped_persons(scope).select_related("commune", "province")
    if province_id:
        persons = persons.filter(province_id=province_id)
    if commune_id:
        # With its province, the look-up uses the (province, commune) index.
        province_of_commune = Commune.objects.filter(pk=commune_id).values("province_id")
        persons = persons.filter(province_id=province_of_commune[:1], commune_id=commune_id)
    return search_persons(persons, query)


def search_persons(persons: QuerySet[Person], query: str) -> QuerySet[Person]:
    folded = fold(query)
    if not folded:
        return persons
    digits = "".join(ch for ch in folded if ch.isdigit())
    if digits and len(digits) >= 6 and len(digits) == len(folded.replace(" ", "").lstrip("+")):
        tail = digits[1:] if digits.startswith("0") else digits
        return persons.filter(
            Q(cccd__startswith=digits) | Q(cmnd__startswith=digits) | Q(phone__endswith=tail)
        )
    # Each typed word must start a word of the name, so "nguyen thi ho" finds Hoa and Hồng.
    for word in folded.split():
        persons = persons.filter(Q(name_key__startswith=word) | Q(name_key__contains=f" {word}"))
    return persons


def person_get(*, user: User, pk: int) -> Person:
    """One person the user may read; 404 for anyone outside her scope."""
    return get_object_or_404(person_list(user=user), pk=pk)


def person_for_edit(*, user: User, pk: int) -> Person:
    """One person the user may edit; 404 outside her scope, 403 without the edit role."""
    person = person_get(user=user, pk=pk)
    require_capability(user, Capability.EDIT)
    return person


EXPORT_FIELDS = (
    "id", "full_name", "birth_date", "birth_year", "sex", "cccd", "phone", "province", "commune",
    "address_text",
)  # fmt: skip


def person_export_rows(*, user: User, query: str = "", include_sensitive: bool = False):
    """Rows for a CSV export of the persons the user may read.

    Restricted facts are never exported; sensitive facts only when asked for.

    Raises:
        PermissionDenied: the user may not export.
    """
    require_capability(user, Capability.EXPORT)
    persons = person_list(user=user, query=query).order_by("pk")
    header = list(EXPORT_FIELDS)
    if include_sensitive:
        header += ["ethnicity", "is_pregnant", "has_disability"]
    yield header
    for person in persons.iterator(chunk_size=2000):
        row = [
            person.pk,
            person.full_name,
            person.birth_date.strftime("%d/%m/%Y") if person.birth_date else "",
            person.birth_year,
            person.sex,
            person.cccd,
            person.phone,
            person.province.name,
            person.commune.name if person.commune else "",
            person.address_text,
        ]
        if include_sensitive:
            row += [person.get_ethnicity_display(), person.is_pregnant, person.has_disability]
        yield row


def has_consent(person: Person, purpose: str, *, on: dt.date | None = None) -> bool:
    """Whether she had an active consent for `purpose` on the given day (today by default)."""
    return persons_with_consent(Person.objects.filter(pk=person.pk), purpose, on=on).exists()


def persons_with_consent(
    persons: QuerySet[Person], purpose: str, *, on: dt.date | None = None
) -> QuerySet[Person]:
    """Only those persons with a consent for `purpose` given by `on` and not withdrawn then."""
    on = on or dt.date.today()
    active = Consent.objects.filter(
        person=OuterRef("pk"), purpose=purpose, given_on__lte=on
    ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))
    return persons.filter(Exists(active))


def restricted_facts_read(*, user: User, person: Person, context: str) -> list[str]:
    """The restricted facts recorded for `person`, logged as a read.

    Raises:
        PermissionDenied: the user may not read restricted facts or the person is out of scope.
    """
    scope = require_capability(user, Capability.READ_SENSITIVE)
    if not scope.covers(province_id=person.province_id, commune_id=person.commune_id):
        raise PermissionDenied
    kinds = list(
        RestrictedFact.objects.filter(person=person).order_by("kind").values_list("kind", flat=True)
    )
    access_log_read(actor=user, person=person, facts=kinds or ["none"], context=context)
    return kinds


@dataclass(frozen=True)
class HouseholdFacts:
    woman_headed: bool
    child_under_2: bool
    person_over_60: bool


def age_on(birth_year: int, birth_date: dt.date | None, on: dt.date) -> int:
    if birth_date is None:
        return on.year - birth_year
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def household_facts(household: Household, *, on: dt.date | None = None) -> HouseholdFacts:
    """Derived facts programmes target on, as of `on` (today by default)."""
    on = on or dt.date.today()
    members = list(household.members.all())
    ages = [age_on(m.birth_year, m.birth_date, on) for m in members]
    head = household.head
    return HouseholdFacts(
        woman_headed=head is not None and head.sex == Sex.FEMALE,
        child_under_2=any(age < 2 for age in ages),
        person_over_60=any(age > 60 for age in ages),
    )


def born_after(on: dt.date, years: int) -> dt.date:
    """The birth date before which a person is at least `years` old on `on`."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def annotate_household_facts(
    persons: QuerySet[Person], *, on: dt.date | None = None
) -> QuerySet[Person]:
    """Add woman_headed, child_under_2 and person_over_60 of each person's household, in SQL."""
    on = on or dt.date.today()
    members = Person.objects.filter(household=OuterRef("household"))
    under_2 = Q(birth_date__gt=born_after(on, 2)) | Q(
        birth_date__isnull=True, birth_year__gt=on.year - 2
    )
    over_60 = Q(birth_date__lt=born_after(on, 61)) | Q(
        birth_date__isnull=True, birth_year__lt=on.year - 61
    )
    head_is_woman = Household.objects.filter(pk=OuterRef("household"), head__sex=Sex.FEMALE)
    return persons.annotate(
        woman_headed=Exists(head_is_woman),
        child_under_2=Exists(members.filter(under_2)),
        person_over_60=Exists(members.filter(over_60)),
    )


def household_get(*, user: User, pk: int) -> Household:
    """One household the user may read; 404 outside her scope."""
    scope = require_capability(user, Capability.READ)
    households = scope.filter(
        Household.objects.select_related("commune", "province", "head"),
        province_field="province",
        commune_field="commune",
    )
    return get_object_or_404(households, pk=pk)


def person_history(*, person: Person) -> list[dict]:
    """Her edit history, newest first: who, when, and each field's old and new value."""
    records = list(person.history.select_related("history_user").order_by("-history_date"))
    entries = []
    for index, newer in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            changes = [(c.field, c.old, c.new) for c in delta.changes]
        entries.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "kind": newer.get_history_type_display(),
                "changes": changes,
            }
        )
    return entries


def can_read_restricted(user: User) -> bool:
    return scope_for(user).can(Capability.READ_SENSITIVE)


SMALL_COUNT = 5
AGE_BANDS = ((0, 17), (18, 29), (30, 44), (45, 59), (60, 200))


@dataclass(frozen=True)
class SummaryRow:
    province: str
    total: int | None
    women: int | None
    by_age: tuple[int | None, ...]
    with_disability: int | None


def _suppress(count: int) -> int | None:
    """Counts under 5 are hidden so that no one can be singled out from a table."""
    return None if 0 < count < SMALL_COUNT else count


def registry_summary(*, user: User, on: dt.date | None = None) -> list[SummaryRow]:
    """Live persons per province by sex, age band and disability, small counts suppressed.

    Raises:
        PermissionDenied: the user may not see aggregates.
    """
    scope = require_capability(user, Capability.AGGREGATES)
    on = on or dt.date.today()
    band_counts = {
        f"age_{low}": Count(
            "pk", filter=Q(birth_year__gte=on.year - high, birth_year__lte=on.year - low)
        )
        for low, high in AGE_BANDS
    }
    rows = (
        scoped_persons(scope)
        .values("province__name")
        .annotate(
            total=Count("pk"),
            women=Count("pk", filter=Q(sex=Sex.FEMALE)),
            with_disability=Count("pk", filter=Q(has_disability=True)),
            **band_counts,
        )
        .order_by("province__name")
    )
    return [
        SummaryRow(
            province=row["province__name"],
            total=_suppress(row["total"]),
            women=_suppress(row["women"]),
            by_age=tuple(_suppress(row[f"age_{low}"]) for low, _high in AGE_BANDS),
            with_disability=_suppress(row["with_disability"]),
        )
        for row in rows
    ]
