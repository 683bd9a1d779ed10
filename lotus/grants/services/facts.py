"""Targeting facts: a narrow per-person table derived from the registry, kept in step with it.

Criteria are evaluated against TargetingFacts, not against the registry's wide person
table with its household and head joins: a million-person preview then reads one small
table. The table is only as good as its freshness, so `facts_refresh` runs at the start of
every preview, targeting run and explanation, and brings it up to date with what changed
in the registry since the previous refresh:

- persons with a history row (the registry writes one on every save, merge, unmerge and
  delete) at or after the watermark, and persons with an id above the highest one seen
  (bulk imports write no history, but always new ids);
- the households of those persons, before and after the change, and the households they
  head: a member's birth date or a head's sex changes the facts of every member;
- a count of live persons and of households compared with the table: a row inserted or
  removed by SQL, which leaves no history, makes the counts differ, and the difference is
  then found by comparing the two sides whole.

What the registry changes with `QuerySet.update()` on persons leaves neither a history row
nor a count difference; nothing does that today. Code that ever does must call
`facts_refresh(full=True)` (or `facts_mark_changed`) in the same transaction.

The watermark: on SQLite writers take turns (IMMEDIATE transactions), so every change
written before a refresh took its lock is committed and visible to it, and every later one
is dated later. On PostgreSQL a transaction still open at the refresh may commit later
with history rows dated before the refresh; the watermark is therefore held back to the
start of the oldest transaction still open, and a few seconds more for clocks (the history
date comes from the clock of whichever application server wrote it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, F, Func, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from lotus.core.db import roomy_sqlite
from lotus.grants.models import (
    FactsChangedHousehold,
    FactsChangedPerson,
    TargetingFacts,
    TargetingFactsState,
)
from lotus.registry.models import Household, Person, Sex

CLOCK_SKEW = dt.timedelta(seconds=5)


class MonthDay(Func):
    """month * 100 + day of a date, as an integer (15 June → 615), in the database's own terms.

    Django's ExtractMonth/ExtractDay call a Python function per row on SQLite; a million
    rows are derived here, so each database gets its native expression.
    """

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(strftime('%%%%m%%%%d', %(expressions)s) AS INTEGER)",
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="CAST(to_char(%(expressions)s, 'MMDD') AS INTEGER)"
        )


def _birth_key(missing_month_day: int):
    """yyyymmdd of the birth when known to the day, else the year then `missing_month_day`.

    The year comes from birth_year, the month and day from the date (the registry keeps
    the two equal).
    """
    exact = Q(birth_date_precision=Person.BirthDatePrecision.DAY, birth_date__isnull=False)
    return Case(
        When(exact, then=F("birth_year") * 10000 + MonthDay("birth_date")),
        default=F("birth_year") * 10000 + missing_month_day,
        output_field=IntegerField(),
    )


def age_key_expression():
    """Age key: a birth known only by its year counts from 1 January of that year.

    A criterion "aged N or more on D" is then age_key <= D less N years, as yyyymmdd.
    """
    return _birth_key(101)


def birth_order_expression():
    """The tie rule's order: a birth known only by its year after the full dates of that year."""
    return _birth_key(9999)


FACT_COLUMNS = (
    # (TargetingFacts field, expression or field of Person)
    ("person_id", "pk"),
    ("province_id", "province_id"),
    ("commune_id", "commune_id"),
    ("deceased", "is_deceased"),
    ("sex", "sex"),
    ("age_key", "f_age_key"),
    ("pregnant", "is_pregnant"),
    ("disability", "has_disability"),
    ("migrant_worker", "is_migrant_worker"),
    ("woman_headed", "f_woman_headed"),
    ("income", "monthly_income"),
    ("birth_order", "f_birth_order"),
    ("household_id", "household_id"),
)


def _insert_select(model, columns: list[str], rows: QuerySet) -> int:
    """INSERT INTO `model`'s table (`columns`) the rows of a values queryset; how many rows.

    The count is the cursor's rowcount: sqlite3_changes() on SQLite, the command tag on
    PostgreSQL, both exact for an INSERT … SELECT.
    """
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql}", params)
        return cursor.rowcount


def _person_rows(persons: QuerySet[Person]) -> QuerySet:
    """The facts of `persons`, as values rows (household facts filled in afterwards)."""
    return (
        persons.filter(merged_into__isnull=True)
        .annotate(
            f_age_key=age_key_expression(),
            f_woman_headed=Value(False),
            f_birth_order=birth_order_expression(),
        )
        .order_by()
        .values_list(*(source for _, source in FACT_COLUMNS))
    )


def _insert_facts(persons: QuerySet[Person]) -> int:
    """Insert the facts of `persons`; returns how many rows were inserted."""
    columns = [TargetingFacts._meta.get_field(name).column for name, _ in FACT_COLUMNS]
    return _insert_select(TargetingFacts, columns, _person_rows(persons))


def _update_households(*, only_changed: bool) -> None:
    """Derive the household facts of every member of the changed (or of all) households.

    Youngest and oldest age keys over the household's persons not merged away — deceased
    ones included, as the registry's household has them — and whether its head is a woman.
    """
    quote = connection.ops.quote_name
    facts = quote(TargetingFacts._meta.db_table)
    household = quote(Household._meta.db_table)
    person = quote(Person._meta.db_table)
    where = "f.household_id IS NOT NULL"
    if only_changed:
        changed = quote(FactsChangedHousehold._meta.db_table)
        where = f"f.household_id IN (SELECT household_id FROM {changed})"
    sql = f"""
        UPDATE {facts} SET woman_headed = h.woman_headed, household_youngest = h.youngest,
            household_oldest = h.oldest
        FROM (
            SELECT a.household_id, a.youngest, a.oldest,
                COALESCE(head.sex = %s, FALSE) AS woman_headed
            FROM (
                SELECT f.household_id, MAX(f.age_key) AS youngest, MIN(f.age_key) AS oldest
                FROM {facts} f WHERE {where} GROUP BY f.household_id
            ) a
            LEFT JOIN {household} hh ON hh.id = a.household_id
            LEFT JOIN {person} head ON head.id = hh.head_id
        ) h
        WHERE {facts}.household_id = h.household_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [Sex.FEMALE])


def _mark(model, column: str, queryset: QuerySet, field: str) -> None:
    """INSERT INTO model (column) the distinct non-null `field` of `queryset` not there yet."""
    rows = (
        queryset.filter(**{f"{field}__isnull": False})
        .exclude(**{f"{field}__in": model.objects.values(column)})
        .order_by()
        .values(field)
        .distinct()
    )
    _insert_select(model, [column], rows)


def _mark_persons(queryset: QuerySet, field: str) -> None:
    _mark(FactsChangedPerson, "person_id", queryset, field)


def _mark_households(queryset: QuerySet, field: str) -> None:
    _mark(FactsChangedHousehold, "household_id", queryset, field)


def facts_mark_changed(*, person_ids: list[int]) -> None:
    """Have the next refresh derive these persons' facts again.

    For code that changes persons without a history row (a QuerySet.update()): call it in
    the same transaction.
    """
    _mark_persons(Person.all_objects.filter(pk__in=person_ids), "pk")


def _watermark(now: dt.datetime) -> dt.datetime:
    """The time from which the next refresh must look again (see the module docstring).

    `now` is read once the refresh holds its lock. On SQLite that is enough: every writer
    before it has committed, every writer after it dates its rows later.
    """
    if connection.vendor != "postgresql":
        return now
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(xact_start) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        oldest = cursor.fetchone()[0]
    if oldest is not None:
        now = min(now, oldest)
    return now - CLOCK_SKEW


def _history_since(state: TargetingFactsState) -> QuerySet:
    return Person.history.model.objects.filter(history_date__gte=state.synced_through)


def _new_persons(state: TargetingFactsState) -> QuerySet[Person]:
    return Person.all_objects.filter(pk__gt=state.max_person_id)


def _live_count() -> int:
    """Persons not merged away: all of them less the merged ones.

    Two counts the indexes answer (the merged ones are few and indexed where set), where
    counting "not merged" would read the whole person table.
    """
    merged = Person.all_objects.filter(merged_into__isnull=False).count()
    return Person.all_objects.count() - merged


def _households_gone(state: TargetingFactsState) -> bool:
    """Fewer households than those known plus those created since: some were deleted."""
    created = Household.objects.filter(pk__gt=state.max_household_id).count()
    return Household.objects.count() != state.household_count + created


def _nothing_to_do(state: TargetingFactsState | None) -> bool:
    """A cheap read: nothing changed since the last refresh (no write lock needed)."""
    if state is None or state.rebuilt_at is None or FactsChangedPerson.objects.exists():
        return False
    if _history_since(state).exists() or _new_persons(state).exists():
        return False
    if _households_gone(state):
        return False
    return TargetingFacts.objects.count() == _live_count()


@dataclass(frozen=True)
class FactsRefresh:
    """What a refresh did: "none", "changes" (only what changed) or "rebuild"."""

    mode: str
    persons: int = 0
    households: int = 0


def facts_refresh(*, full: bool = False) -> FactsRefresh:
    """Bring TargetingFacts up to date with the registry; `full` derives every row again.

    Cheap when nothing changed (a few index look-ups and counts, no write lock); otherwise
    derives again only the persons and households that changed.
    """
    if not full and _nothing_to_do(TargetingFactsState.objects.filter(pk=STATE).first()):
        return FactsRefresh(mode="none")
    with roomy_sqlite():
        return _refresh_locked(full=full)


STATE = 1


@transaction.atomic
def _refresh_locked(*, full: bool) -> FactsRefresh:
    # On PostgreSQL the state row's lock makes concurrent refreshes take turns (the first
    # ever creates it; get_or_create settles a race for that); on SQLite the IMMEDIATE
    # transaction already does.
    TargetingFactsState.objects.get_or_create(pk=STATE)
    state = TargetingFactsState.objects.select_for_update().get(pk=STATE)
    now = timezone.now()
    mark = _watermark(now)
    rebuilding = full or state.rebuilt_at is None or state.synced_through is None
    if rebuilding:
        persons = _rebuild()
        state.rebuilt_at = now
    else:
        result = _apply_changes(state)
    state.synced_through = mark
    state.refreshed_at = now
    last_person = Person.all_objects.order_by("-pk").values_list("pk", flat=True).first()
    state.max_person_id = last_person or 0
    last_household = Household.objects.order_by("-pk").values_list("pk", flat=True).first()
    state.max_household_id = last_household or 0
    state.household_count = Household.objects.count()
    state.save()
    if rebuilding:
        result = FactsRefresh(mode="rebuild", persons=persons, households=state.household_count)
    return result


PLACE_INDEX = "grants_facts_by_place"


def _rebuild() -> int:
    """Derive every row again; returns how many (one per person not merged away).

    The index by place is dropped meanwhile and built again at the end: kept, it would take
    every row twice in random order (the insert, then the household facts), which doubled
    the time of a million-person rebuild.
    """
    quote = connection.ops.quote_name
    index = next(i for i in TargetingFacts._meta.indexes if i.name == PLACE_INDEX)
    columns = ", ".join(quote(TargetingFacts._meta.get_field(f).column) for f in index.fields)
    TargetingFacts.objects.all().delete()
    FactsChangedPerson.objects.all().delete()
    FactsChangedHousehold.objects.all().delete()
    # Plain DDL inside this transaction (both databases take it back on a rollback).
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {quote(PLACE_INDEX)}")
        persons = _insert_facts(Person.all_objects.all())
        _update_households(only_changed=False)
        cursor.execute(
            f"CREATE INDEX {quote(PLACE_INDEX)} "
            f"ON {quote(TargetingFacts._meta.db_table)} ({columns})"
        )
    return persons


def _apply_changes(state: TargetingFactsState) -> FactsRefresh:
    _mark_persons(_history_since(state), "id")
    _mark_persons(_new_persons(state), "pk")
    if _households_gone(state):
        # Deleting a household sets its members' household to none by SQL, without history.
        gone = TargetingFacts.objects.filter(household_id__isnull=False).exclude(
            household_id__in=Household.objects.values("pk")
        )
        _mark_persons(gone, "person_id")
    persons, households = _derive_changed()
    if TargetingFacts.objects.count() != _live_count():
        # Rows written or removed without history: compare the two sides whole.
        live = Person.all_objects.filter(merged_into__isnull=True)
        _mark_persons(live.exclude(pk__in=TargetingFacts.objects.values("person_id")), "pk")
        _mark_persons(TargetingFacts.objects.exclude(person_id__in=live.values("pk")), "person_id")
        more_persons, more_households = _derive_changed()
        persons, households = persons + more_persons, households + more_households
    return FactsRefresh(mode="changes", persons=persons, households=households)


def _derive_changed() -> tuple[int, int]:
    """Derive again the facts of the marked persons and of their households' members."""
    changed = FactsChangedPerson.objects.values("person_id")
    persons = changed.count()
    if not persons:
        return 0, 0
    # Their households before the change (as the table has them) and after (the registry),
    # and the households they head.
    _mark_households(TargetingFacts.objects.filter(person_id__in=changed), "household_id")
    _mark_households(Person.all_objects.filter(pk__in=changed), "household_id")
    _mark_households(Household.objects.filter(head_id__in=changed), "pk")
    TargetingFacts.objects.filter(person_id__in=changed).delete()
    _insert_facts(Person.all_objects.filter(pk__in=changed))
    households = FactsChangedHousehold.objects.count()
    _update_households(only_changed=True)
    FactsChangedPerson.objects.all().delete()
    FactsChangedHousehold.objects.all().delete()
    return persons, households
