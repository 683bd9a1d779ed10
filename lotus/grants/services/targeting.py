"""Targeting: eligibility, priority score, ranking, quotas and selection, all set-based.

One INSERT … SELECT writes every eligible woman of the cycle's places into Candidate with
her categories (a bitmask), her score, and two ranks computed by window functions; quotas
are then computed from the counts, and one UPDATE marks the selected. No per-person
round trip, so a million-person registry is targeted in seconds.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability
from lotus.grants.criteria import (
    CATEGORIES,
    CATEGORY_BIT,
    FACTS,
    RESTRICTED_MASK,
    Context,
    criteria_q,
    flags_expression,
    iter_conditions,
    uses_restricted,
)
from lotus.grants.models import Candidate, Cycle, ProvinceQuota, TargetingRun
from lotus.registry.models import Consent, Person
from lotus.registry.services import access_log_bulk_use

TIE_RULE = _(
    "Higher score first; then the older woman (earlier year of birth, then earlier date of "
    "birth, a birth known only by its year coming after the full dates of that year); then the "
    "lower registry number."
)
TIE_RULE_KEY = "score desc, birth_year asc, birth_date asc nulls last, person_id asc"
QUOTA_RULE = _(
    "Quotas proportional to the selectable women of each province, rounded by the largest "
    "remainder: each province first gets the whole part of its share, and the grants left "
    "go one each to the largest fractional parts (ties: more selectable women, then the "
    "province code)."
)


# --- SQLite working memory ----------------------------------------------------------------


SQLITE_PRAGMAS = {"cache_size": -262144, "mmap_size": 2**31}


@contextmanager
def roomy_sqlite() -> Iterator[None]:
    """On SQLite, a 256 MB page cache and memory-mapped reads for the length of one call.

    With the defaults (a 2 MB cache, every page read through a system call) a million-person
    scan or a 450,000-row ranking spends much of its time outside SQLite's own work. The
    previous values are put back afterwards.
    """
    if connection.vendor != "sqlite":
        yield
        return
    previous = {}
    with connection.cursor() as cursor:
        for name, value in SQLITE_PRAGMAS.items():
            cursor.execute(f"PRAGMA {name}")
            row = cursor.fetchone()
            previous[name] = int(row[0]) if row else 0
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {value}")


# --- inputs ------------------------------------------------------------------------------


def cycle_context(cycle: Cycle) -> Context:
    return Context(reference_date=cycle.reference_date)


def population(cycle: Cycle) -> QuerySet[Person]:
    """Live, living persons of the cycle's provinces (and communes, when some are chosen)."""
    persons = Person.objects.filter(
        is_deceased=False, province_id__in=list(cycle.provinces.values_list("pk", flat=True))
    )
    commune_ids = list(cycle.communes.values_list("pk", flat=True))
    if commune_ids:
        persons = persons.filter(commune_id__in=commune_ids)
    return persons.order_by()


def has_consent(purpose: str, on: dt.date) -> Exists:
    """An active consent for `purpose` on `on` (withdrawn_on empty or later), per person."""
    return Exists(
        Consent.objects.filter(person_id=OuterRef("pk"), purpose=purpose, given_on__lte=on).filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on)
        )
    )


def held_persons_q() -> Q | None:
    """Persons in a possible-duplicate pair still awaiting review (when linkage is installed).

    Read straight from the pending pairs, whoever runs the targeting: a pair outside the
    runner's own scope must hold the woman back all the same.
    """
    if not apps.is_installed("lotus.linkage"):
        return None
    from lotus.linkage.models import CandidatePair

    pending = CandidatePair.objects.filter(status=CandidatePair.Status.PENDING)
    return Q(Exists(pending.filter(person_l_id=OuterRef("pk")))) | Q(
        Exists(pending.filter(person_r_id=OuterRef("pk")))
    )


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


def selection_fingerprint(cycle: Cycle, digest: str) -> str:
    """sha256 of the inputs digest and the selected list in rank order (id:score per line)."""
    hasher = hashlib.sha256(digest.encode())
    selected = (
        Candidate.objects.filter(cycle=cycle, selected=True)
        .order_by("overall_rank")
        .values_list("person_id", "score")
    )
    for person_id, score in selected.iterator(chunk_size=10_000):
        hasher.update(f"\n{person_id}:{score}".encode())
    return hasher.hexdigest()


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


def _candidate_select(cycle: Cycle) -> tuple[str, list]:
    """SQL and params of the eligible persons with flags, block reason and birth key."""
    ctx = cycle_context(cycle)
    blocked_whens = [
        When(
            ~Q(has_consent(cycle.programme.consent_purpose, timezone.localdate())),
            then=Value(Candidate.Block.NO_CONSENT),
        )
    ]
    held = held_persons_q()
    if held is not None:
        blocked_whens.append(When(held, then=Value(Candidate.Block.HELD)))
    eligible = (
        population(cycle)
        .filter(criteria_q(cycle.criteria, ctx))
        .annotate(
            c_flags=flags_expression(ctx, category_keys(cycle)),
            c_blocked=Case(*blocked_whens, default=Value(0), output_field=IntegerField()),
            c_birth=Case(
                When(birth_date_precision="day", then=F("birth_date")),
                default=None,
                output_field=DateField(),
            ),
        )
        .values_list(
            "id", "province_id", "commune_id", "birth_year", "c_birth", "c_flags", "c_blocked"
        )
    )
    return eligible.query.sql_with_params()


def _score_sql(weights: dict[str, int]) -> tuple[str, list]:
    terms, params = [], []
    for key, weight in sorted(weights.items()):
        if weight:
            terms.append("CASE WHEN (e.c_flags & %s) <> 0 THEN %s ELSE 0 END")
            params += [CATEGORY_BIT[key], weight]
    return (" + ".join(terms) or "0"), params


def _write_candidates(cycle: Cycle) -> None:
    inner_sql, inner_params = _candidate_select(cycle)
    score_sql, score_params = _score_sql(cycle.weights or {})
    order = "s.c_blocked, s.score DESC, s.birth_year, s.c_birth NULLS LAST, s.id"
    table = connection.ops.quote_name(Candidate._meta.db_table)
    # A second sort costs as much as the first: rank within provinces only for quotas.
    province_rank = "0"
    if cycle.quota_mode != Cycle.QuotaMode.NONE:
        province_rank = f"ROW_NUMBER() OVER (PARTITION BY s.province_id ORDER BY {order})"
    # MATERIALIZED keeps the database from inlining the eligibility query into the outer one,
    # which would evaluate every category's CASE once per use of the score.
    sql = f"""
        WITH e AS MATERIALIZED ({inner_sql}),
        s AS MATERIALIZED (SELECT e.*, {score_sql} AS score FROM e)
        INSERT INTO {table} (cycle_id, person_id, province_id, commune_id, birth_year,
            birth_key, flags, blocked, score, province_rank, overall_rank, selected)
        SELECT %s, s.id, s.province_id, s.commune_id, s.birth_year, s.c_birth, s.c_flags,
            s.c_blocked, s.score,
            {province_rank},
            ROW_NUMBER() OVER (ORDER BY {order}),
            %s
        FROM s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *score_params, cycle.pk, False])


def _select(cycle: Cycle) -> None:
    """Compute quotas from the counts and mark the top of each quota (or of the whole list)."""
    counts = {
        row["province_id"]: row
        for row in Candidate.objects.filter(cycle=cycle)
        .values("province_id")
        .annotate(eligible=Count("id"), selectable=Count("id", filter=Q(blocked=0)))
    }
    quotas = {q.province_id: q for q in cycle.quotas.all()}
    for province in cycle.provinces.all():
        quota = quotas.get(province.pk) or ProvinceQuota(cycle=cycle, province=province)
        row = counts.get(province.pk, {})
        quota.eligible = row.get("eligible", 0)
        quota.selectable = row.get("selectable", 0)
        quotas[province.pk] = quota
    candidates = Candidate.objects.filter(cycle=cycle, blocked=Candidate.Block.NONE)
    if cycle.quota_mode == Cycle.QuotaMode.NONE:
        candidates.filter(overall_rank__lte=cycle.max_grants).update(selected=True)
    else:
        if cycle.quota_mode == Cycle.QuotaMode.PROPORTIONAL:
            codes = {q.province_id: q.province.code for q in quotas.values()}
            seats = largest_remainder(
                cycle.max_grants, {pk: q.selectable for pk, q in quotas.items()}, codes
            )
            for pk, quota in quotas.items():
                quota.quota = seats[pk]
        for quota in quotas.values():
            quota.save()
        # One pass: each woman against her province's quota (a unique-index look-up).
        quota_of = ProvinceQuota.objects.filter(
            cycle=cycle, province_id=OuterRef("province_id")
        ).values("quota")[:1]
        # The cheap bound first, so the look-up runs only for women who can be within a quota.
        top = max((q.quota for q in quotas.values()), default=0)
        candidates.filter(province_rank__lte=top).filter(
            province_rank__lte=Subquery(quota_of)
        ).update(selected=True)
    # Provinces no longer in the cycle keep no quota.
    cycle.quotas.exclude(province_id__in=list(quotas)).delete()


RUN_STEPS = 5


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
    (first with 0 done, last with every step done), so a background task can report it.

    Raises:
        PermissionDenied: the actor does not run programmes.
        ValidationError: the cycle is not a draft.
    """
    from django.core.exceptions import ValidationError

    from lotus.grants.services.cycles import NOT_DRAFT

    def step(done: int) -> None:
        if progress is not None:
            progress(done, RUN_STEPS)

    require_capability(actor, Capability.MANAGE_PROGRAMMES)
    started = time.monotonic()
    cycle = Cycle.objects.select_for_update().select_related("programme").get(pk=cycle.pk)
    if cycle.status != Cycle.Status.DRAFT:
        raise ValidationError(NOT_DRAFT)
    step(0)
    with roomy_sqlite():
        Candidate.objects.filter(cycle=cycle).delete()
        step(1)
        _write_candidates(cycle)
        step(2)
        _select(cycle)
        step(3)
        digest = inputs_digest(cycle)
        fingerprint = selection_fingerprint(cycle, digest)
        step(4)
    candidates = Candidate.objects.filter(cycle=cycle)
    eligible = candidates.count()
    selectable = candidates.filter(blocked=Candidate.Block.NONE).count()
    selected = candidates.filter(selected=True).count()
    restricted = uses_restricted(cycle.criteria, cycle.weights)
    if restricted:
        used = {
            c["fact"] for c in iter_conditions(cycle.criteria) if FACTS[c["fact"]].restricted
        } | {k for k, w in cycle.weights.items() if w and FACTS[k].restricted}
        persons = (
            candidates.annotate(restricted_bits=F("flags").bitand(RESTRICTED_MASK))
            .filter(restricted_bits__gt=0)
            .count()
        )
        access_log_bulk_use(
            actor=actor,
            facts=sorted(used),
            persons_count=persons,
            context=(context or f"grants targeting run, cycle {cycle.pk}")[:300],
        )
    cycle.targeted_at = timezone.now()
    cycle.fingerprint = fingerprint
    cycle.inputs_digest = digest
    cycle.eligible_count = eligible
    cycle.selected_count = selected
    cycle.uses_restricted = restricted
    cycle.save(
        update_fields=[
            "targeted_at", "fingerprint", "inputs_digest", "eligible_count", "selected_count",
            "uses_restricted",
        ]
    )  # fmt: skip
    run = TargetingRun.objects.create(
        cycle=cycle,
        run_by=actor,
        criteria_version=cycle.criteria_version,
        fingerprint=fingerprint,
        eligible_count=eligible,
        selectable_count=selectable,
        selected_count=selected,
        uses_restricted=restricted,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    step(RUN_STEPS)
    return run
