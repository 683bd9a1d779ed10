"""Targeting: eligibility, priority score, ranking, quotas and selection.

The registry's facts are first brought up to date in TargetingFacts (services/facts.py).
One query then reads every eligible woman of the cycle's places from that narrow table —
the criteria tree compiled to one WHERE clause, her categories (a bitmask), whether she is
blocked, her score — already sorted by the tie rule, so the database sorts once. Ranks,
quotas, the selection and the fingerprint are then one pass over those rows in Python, and
the candidates are written in bulk (bulk_insert). Window functions would sort the rows a
second time for the ranks within provinces, which on SQLite costs more than the whole pass.

The tie rule (TIE_RULE, shown on the cycle page): higher score first; then the older woman
(earlier year of birth, then earlier full date of birth — a birth known only by its year
comes after the full dates of that year); then the lower registry number (person id).

Women who cannot be selected still get a rank after every selectable woman, so the page can
say why: no consent for the programme's purpose, or held back as a possible duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter, not_

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import (
    F,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability
from lotus.core.db import roomy_sqlite, rows_per_insert
from lotus.grants.criteria import (
    CATEGORIES,
    CATEGORY_BIT,
    FACTS,
    RESTRICTED_MASK,
    Context,
    criteria_q,
    flags_expression,
    restricted_facts_used,
    uses_restricted,
)
from lotus.grants.models import Candidate, Cycle, ProvinceQuota, TargetingFacts, TargetingRun
from lotus.grants.services.facts import facts_refresh
from lotus.registry.models import Consent
from lotus.registry.services import access_log_bulk_use

TIE_RULE = _(
    "Higher score first; then the older woman (earlier year of birth, then earlier date of "
    "birth, a birth known only by its year coming after the full dates of that year); then the "
    "lower registry number."
)
TIE_RULE_KEY = "score desc, birth_year asc, birth_date asc nulls last, person_id asc"
RUN_RESTRICTED = _(
    "This cycle's criteria or weights use restricted facts (HIV, violence): only a role that "
    "may read them can run the targeting."
)
QUOTA_RULE = _(
    "Quotas proportional to the selectable women of each province, rounded by the largest "
    "remainder: each province first gets the whole part of its share, and the grants left "
    "go one each to the largest fractional parts (ties: more selectable women, then the "
    "province code)."
)


# --- inputs ------------------------------------------------------------------------------


def cycle_context(cycle: Cycle) -> Context:
    return Context(reference_date=cycle.reference_date)


def population(cycle: Cycle) -> QuerySet[TargetingFacts]:
    """Live, living persons of the cycle's provinces (and communes, when some are chosen).

    Read from the targeting facts, which the caller has refreshed (facts_refresh).
    """
    facts = TargetingFacts.objects.filter(
        deceased=False, province_id__in=list(cycle.provinces.values_list("pk", flat=True))
    )
    commune_ids = list(cycle.communes.values_list("pk", flat=True))
    if commune_ids:
        facts = facts.filter(commune_id__in=commune_ids)
    return facts.order_by()


def active_consents(purpose: str, on: dt.date) -> QuerySet[Consent]:
    """Consents for `purpose` active on `on` (withdrawn_on empty or later)."""
    return Consent.objects.filter(purpose=purpose, given_on__lte=on).filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on)
    )


def pending_pairs() -> QuerySet | None:
    """Possible-duplicate pairs still awaiting review (when linkage is installed).

    Read straight from the pending pairs, whoever runs the targeting: a pair outside the
    runner's own scope must hold the woman back all the same.
    """
    if not apps.is_installed("lotus.linkage"):
        return None
    from lotus.linkage.models import CandidatePair

    return CandidatePair.objects.filter(status=CandidatePair.Status.PENDING)


def _id_set(queryset: QuerySet, *columns: str) -> set[int]:
    ids: set[int] = set()
    for column in columns:
        sql, params = queryset.order_by().values_list(column).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids.update(map(itemgetter(0), cursor.fetchall()))
    return ids


def blocked_persons(cycle: Cycle) -> tuple[set[int], set[int]]:
    """(ids with consent for the programme's purpose today, ids held back as duplicates).

    Read whole into sets: at a million persons, one pass over the consents and a set look-up
    per woman took 0.65 s where SQLite spent 0.95 s looking each of 450,000 eligible women
    up in the consents.
    """
    consents = active_consents(cycle.programme.consent_purpose, timezone.localdate())
    pairs = pending_pairs()
    held = _id_set(pairs, "person_l_id", "person_r_id") if pairs is not None else set()
    return _id_set(consents, "person_id"), held


def category_keys(cycle: Cycle) -> tuple[str, ...]:
    """Categories computed in a run: restricted ones only when the cycle uses restricted facts."""
    if uses_restricted(cycle.criteria, cycle.weights):
        return CATEGORIES
    return tuple(key for key in CATEGORIES if not FACTS[key].restricted)


def inputs_record(cycle: Cycle) -> dict:
    """Everything the selected list depends on besides the registry itself."""
    quotas = {}
    if cycle.quota_mode == Cycle.QuotaMode.MANUAL:
        quotas = {q.province.code: q.quota for q in cycle.quotas.select_related("province")}
    return {
        "criteria": cycle.criteria,
        "weights": dict(sorted((cycle.weights or {}).items())),
        "quota_mode": cycle.quota_mode,
        "manual_quotas": dict(sorted(quotas.items())),
        "amount_per_person": cycle.amount_per_person,
        "max_grants": cycle.max_grants,
        "reference_date": cycle.reference_date.isoformat(),
        "provinces": sorted(cycle.provinces.values_list("code", flat=True)),
        "communes": sorted(cycle.communes.values_list("code", flat=True)),
        "consent_purpose": cycle.programme.consent_purpose,
        "tie_rule": TIE_RULE_KEY,
    }


def inputs_digest(cycle: Cycle) -> str:
    canonical = json.dumps(inputs_record(cycle), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def fingerprint_of(digest: str, selected: Iterable[tuple[int, int]]) -> str:
    """sha256 of the inputs digest, then "\\n{id}:{score}" per selected woman in rank order."""
    hasher = hashlib.sha256(digest.encode())
    hasher.update("".join([f"\n{person_id}:{score}" for person_id, score in selected]).encode())
    return hasher.hexdigest()


def selection_fingerprint(cycle: Cycle, digest: str) -> str:
    """The fingerprint of the cycle's saved selected list (a check of rank_and_select's)."""
    selected = (
        Candidate.objects.filter(cycle=cycle, selected=True)
        .order_by("overall_rank")
        .values_list("person_id", "score")
    )
    return fingerprint_of(digest, selected.iterator(chunk_size=10_000))


# --- quotas ------------------------------------------------------------------------------


def largest_remainder(total: int, counts: dict[str, int], order_keys: dict[str, str]) -> dict:
    """Split `total` seats in proportion to `counts` by the largest remainder (Hamilton).

    Integer arithmetic only. Remainder ties go to the larger count, then the smaller key.
    No place gets more seats than its count.
    """
    pool = sum(counts.values())
    if pool == 0:
        return {key: 0 for key in counts}
    if total >= pool:
        return dict(counts)
    seats = {key: total * n // pool for key, n in counts.items()}
    left = total - sum(seats.values())
    by_remainder = sorted(
        counts, key=lambda k: (-(total * counts[k] % pool), -counts[k], order_keys[k])
    )
    for key in by_remainder[:left]:
        seats[key] += 1
    return seats


# --- the run -----------------------------------------------------------------------------


ELIGIBLE_COLUMNS = ("person_id", "province_id", "commune_id", "c_birth_year", "c_flags")


def eligible_rows(cycle: Cycle) -> QuerySet[TargetingFacts]:
    """The eligible women of the cycle's places with their categories (a bitmask).

    The criteria tree compiled to one WHERE clause over the targeting facts, which the
    caller has refreshed.
    """
    ctx = cycle_context(cycle)
    return (
        population(cycle)
        .filter(criteria_q(cycle.criteria, ctx))
        .annotate(
            c_flags=flags_expression(ctx, category_keys(cycle)),
            c_birth_year=F("birth_order") / 10000,
        )
        .values_list(*ELIGIBLE_COLUMNS, "birth_order")
    )


def ranked_sql(cycle: Cycle) -> tuple[str, list]:
    """SQL and params of the eligible women with their score, sorted by TIE_RULE.

    Higher score first, then birth order (year, then full date, a year alone last), then
    person id. The score is the sum of the weights of her categories, read from the
    bitmask outside the eligibility query: "OFFSET 0" keeps the database from copying the
    categories' conditions into every term of the score, so each (restricted ones a
    look-up in another table) is evaluated once per woman. Built from our own constants
    and the cycle's validated integer weights, as parameters.
    """
    inner, params = eligible_rows(cycle).query.sql_with_params()
    terms, score_params = [], []
    for key, weight in sorted((cycle.weights or {}).items()):
        if weight:
            terms.append("CASE WHEN (e.c_flags & %s) <> 0 THEN %s ELSE 0 END")
            score_params += [CATEGORY_BIT[key], int(weight)]
    score = " + ".join(terms) or "0"
    fence = "LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else "OFFSET 0"
    sql = (
        f"SELECT e.person_id, e.province_id, e.commune_id, e.c_birth_year, e.c_flags, "
        f"{score} AS c_score FROM ({inner} {fence}) e "
        f"ORDER BY c_score DESC, e.birth_order, e.person_id"
    )
    return sql, [*score_params, *params]


BLOCK_ORDER = (Candidate.Block.NONE, Candidate.Block.HELD, Candidate.Block.NO_CONSENT)


def read_ranked(cycle: Cycle) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Every eligible woman, split by the reason she is blocked, each part in TIE_RULE order.

    Rows (person_id, province_id, commune_id, birth_year, flags, score) of the selectable
    women, of those held back as possible duplicates, and of those without consent (in
    BLOCK_ORDER): ranked one part after the other, as sorting by block reason first would.
    """
    consented, held = blocked_persons(cycle)
    sql, params = ranked_sql(cycle)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    no_consent, consenting = _split(rows, consented)
    selectable, held_back = _split(consenting, held)
    return selectable, held_back, no_consent


def _split(rows: list[tuple], ids: set[int]) -> tuple[list[tuple], list[tuple]]:
    """(rows whose person is not in `ids`, rows whose person is), each in its order.

    itertools over the ids' set methods: half a million rows are split without a line of
    Python per row.
    """
    if not ids:
        return rows, []
    inside = list(map(ids.__contains__, map(itemgetter(0), rows)))
    return list(compress(rows, map(not_, inside))), list(compress(rows, inside))


@dataclass
class Ranking:
    """The outcome of ranking and selecting, computed in one pass over the sorted rows."""

    # The candidate rows in overall rank order, one after the other in one flat list of
    # CANDIDATE_COLUMNS values (as the multi-row INSERTs take them).
    values: list
    quotas: dict[int, ProvinceQuota]
    eligible: int = 0
    selectable: int = 0
    selected: int = 0
    restricted_persons: int = 0
    fingerprint: str = ""


def _quotas(cycle: Cycle, eligible: Counter, selectable: Counter) -> dict[int, ProvinceQuota]:
    """The cycle's quota per province, from the counts (proportional) or as set by hand."""
    quotas = {q.province_id: q for q in cycle.quotas.select_related("province")}
    for province in cycle.provinces.all():
        quota = quotas.get(province.pk) or ProvinceQuota(cycle=cycle, province=province)
        quota.eligible = eligible[province.pk]
        quota.selectable = selectable[province.pk]
        quotas[province.pk] = quota
    if cycle.quota_mode == Cycle.QuotaMode.PROPORTIONAL:
        codes = {pk: q.province.code for pk, q in quotas.items()}
        seats = largest_remainder(
            cycle.max_grants, {pk: q.selectable for pk, q in quotas.items()}, codes
        )
        for pk, quota in quotas.items():
            quota.quota = seats[pk]
    return quotas


def rank_and_select(
    cycle: Cycle, parts: tuple[list[tuple], list[tuple], list[tuple]], digest: str
) -> Ranking:
    """Ranks, quotas, selection and fingerprint of the eligible women (read_ranked's parts).

    Overall rank: position in the whole list. Rank within the province: position among her
    province's women (only with quotas; 0 otherwise). Selected: selectable and within the
    number of grants (no quotas) or her province's quota. The fingerprint hashes the inputs
    digest and the selected women in rank order (`fingerprint_of`, fed here in the same
    pass).
    """
    selectable: Counter = Counter(row[1] for row in parts[0])
    eligible: Counter = selectable + Counter(row[1] for part in parts[1:] for row in part)
    with_quotas = cycle.quota_mode != Cycle.QuotaMode.NONE
    quotas = _quotas(cycle, eligible, selectable) if with_quotas else {}
    # Seats left per province; without quotas, one pool for the whole list.
    seats_left = {pk: q.quota for pk, q in quotas.items()}
    pool = cycle.max_grants
    seen = dict.fromkeys(eligible, 0)
    cycle_id = cycle.pk
    selected: list[tuple[int, int]] = []
    values: list = []
    extend = values.extend
    restricted = 0
    overall = 0
    for block, part in zip(BLOCK_ORDER, parts, strict=True):
        blocked = int(block)  # a plain int: the drivers write it as it is
        for person_id, province_id, commune_id, birth_year, flags, score in part:
            overall += 1
            chosen = False
            if with_quotas:
                province_rank = seen[province_id] = seen[province_id] + 1
                if not blocked and seats_left.get(province_id, 0) > 0:
                    seats_left[province_id] -= 1
                    chosen = True
            else:
                province_rank = 0
                if not blocked and overall <= pool:
                    chosen = True
            if chosen:
                selected.append((person_id, score))
            if flags & RESTRICTED_MASK:
                restricted += 1
            extend(
                (cycle_id, person_id, province_id, commune_id, birth_year, flags, blocked,
                 score, province_rank, overall, chosen)
            )  # fmt: skip
    return Ranking(
        values=values,
        quotas=quotas,
        eligible=overall,
        selectable=len(parts[0]),
        selected=len(selected),
        restricted_persons=restricted,
        fingerprint=fingerprint_of(digest, selected),
    )


CANDIDATE_COLUMNS = (
    "cycle_id", "person_id", "province_id", "commune_id", "birth_year", "flags", "blocked",
    "score", "province_rank", "overall_rank", "selected",
)  # fmt: skip


def bulk_insert(
    model,
    columns: tuple[str, ...],
    values: list,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """INSERT rows given as one flat list of `values`, row after row in `columns` order.

    Django's bulk_create builds and walks a model instance per row, which for a run's
    hundreds of thousands of candidates costs more than the run itself. On SQLite the rows
    go in multi-row INSERTs straight to the driver with its own "?" marks (Django's cursor
    would rewrite every "%s" of every statement with a regular expression first); on
    PostgreSQL through COPY, whose rows the driver encodes in C. `on_batch(rows_written)`
    is called every thousand rows or so.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    width = len(columns)
    size = rows_per_insert(width)
    step = size * width
    if connection.vendor != "sqlite":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for start in range(0, len(values), step):
                chunk = values[start : start + step]
                for at in range(0, len(chunk), width):
                    copy.write_row(chunk[at : at + width])
                if on_batch is not None:
                    on_batch((start + len(chunk)) // width)
        return
    head = f"INSERT INTO {table} ({names}) VALUES "
    one = "(" + ", ".join(["?"] * width) + ")"
    full = head + ", ".join([one] * size)
    cursor = connection.connection.cursor()
    try:
        for start in range(0, len(values), step):
            chunk = values[start : start + step]
            rows = len(chunk) // width
            sql = full if rows == size else head + ", ".join([one] * rows)
            cursor.execute(sql, chunk)
            if on_batch is not None:
                on_batch((start + len(chunk)) // width)
    finally:
        cursor.close()


# Progress steps of a run: 1 facts refreshed, 3 eligible women read and ranked, 3–8 while
# the candidates are written, 9 quotas and counts saved, 10 done.
RUN_STEPS = 10


def targeting_check_may_run(actor: User, cycle: Cycle) -> list[str]:
    """Check that `actor` may run the targeting of `cycle` now.

    Returns the restricted facts the cycle uses (sorted keys; empty when none), which a run
    records in the access log.

    Raises:
        PermissionDenied: the actor does not run programmes, or the cycle's criteria or
            weights use a restricted fact (HIV, GBV) and her role may not read them.
        ValidationError: the cycle is not a draft.
    """
    from lotus.grants.services.cycles import NOT_DRAFT

    scope = require_capability(actor, Capability.MANAGE_PROGRAMMES)
    used = restricted_facts_used(cycle.criteria, cycle.weights)
    if used and not scope.can(Capability.READ_SENSITIVE):
        raise PermissionDenied(RUN_RESTRICTED)
    if cycle.status != Cycle.Status.DRAFT:
        raise ValidationError(NOT_DRAFT)
    return used


@transaction.atomic
def targeting_run(
    *,
    actor: User,
    cycle: Cycle,
    context: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> TargetingRun:
    """Evaluate eligibility, score, rank and select; record the run and its fingerprint.

    A run that uses restricted facts writes exactly one access-log row (bulk use).
    `progress`, when given, is called as progress(done_steps, total_steps) after each stage
    and while the candidates are written (first with 0 done, last with every step done),
    so a background task can report it.

    Raises:
        PermissionDenied: the actor does not run programmes, or the cycle's criteria or
            weights use a restricted fact (HIV, GBV) and her role may not read them.
        ValidationError: the cycle is not a draft.
    """

    def step(done: int) -> None:
        if progress is not None:
            progress(done, RUN_STEPS)

    started = time.monotonic()
    cycle = Cycle.objects.select_for_update().select_related("programme").get(pk=cycle.pk)
    # Checked here, on the locked row, and not only by the page and the task: whoever calls
    # the run (a command, an API) must not rank women on facts the actor may not read.
    used = targeting_check_may_run(actor, cycle)
    step(0)
    with roomy_sqlite():
        facts_refresh()
        step(1)
        parts = read_ranked(cycle)
        digest = inputs_digest(cycle)
        ranking = rank_and_select(cycle, parts, digest)
        del parts
        step(3)
        Candidate.objects.filter(cycle=cycle).delete()
        total = ranking.eligible or 1
        bulk_insert(
            Candidate,
            CANDIDATE_COLUMNS,
            ranking.values,
            on_batch=lambda done: step(3 + 5 * done // total),
        )
        step(8)
        for quota in ranking.quotas.values():
            quota.save()
        # Provinces no longer in the cycle keep no quota.
        cycle.quotas.exclude(province_id__in=list(ranking.quotas)).delete()
    restricted = bool(used)
    if restricted:
        access_log_bulk_use(
            actor=actor,
            facts=used,
            persons_count=ranking.restricted_persons,
            context=(context or f"grants targeting run, cycle {cycle.pk}")[:300],
        )
    cycle.targeted_at = timezone.now()
    cycle.fingerprint = ranking.fingerprint
    cycle.inputs_digest = digest
    cycle.eligible_count = ranking.eligible
    cycle.selected_count = ranking.selected
    cycle.uses_restricted = restricted
    cycle.save(
        update_fields=[
            "targeted_at", "fingerprint", "inputs_digest", "eligible_count", "selected_count",
            "uses_restricted",
        ]
    )  # fmt: skip
    step(9)
    run = TargetingRun.objects.create(
        cycle=cycle,
        run_by=actor,
        criteria_version=cycle.criteria_version,
        fingerprint=ranking.fingerprint,
        eligible_count=ranking.eligible,
        selectable_count=ranking.selectable,
        selected_count=ranking.selected,
        uses_restricted=restricted,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    step(RUN_STEPS)
    return run
