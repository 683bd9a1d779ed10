"""Reads for cash grants, always scoped to the user's place and role.

A programme belongs to the provinces of its implementing branches; a cycle to its provinces
(and communes when chosen). Everything about a woman — candidate rows, payment lines,
verification records, grievances, surveys — is scoped by her province and commune.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When
from django.db.models.query import ModelIterable
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import Scope, require_capability, scope_for
from lotus.core.db import roomy_sqlite
from lotus.geo.models import Province
from lotus.grants import sampling
from lotus.grants.criteria import (
    CATEGORY_BIT,
    EMPTY_CRITERIA,
    FACTS,
    RESTRICTED_MASK,
    categories_in,
    category_label,
    condition_q,
    criteria_q,
    describe_condition,
    describe_lines,
    iter_conditions,
    uses_restricted,
    validate_criteria,
    visible_categories,
)
from lotus.grants.models import (
    Activity,
    Candidate,
    CriteriaVersion,
    Cycle,
    Grievance,
    LivelihoodSurvey,
    Overpayment,
    PaymentLine,
    Programme,
    TargetingFacts,
    VerificationRecord,
    VerificationSample,
)
from lotus.grants.services.facts import facts_refresh
from lotus.grants.services.targeting import cycle_context, population
from lotus.registry.models import Person
from lotus.registry.selectors import can_read_restricted

VIEW_CAPABILITIES = (
    Capability.READ,
    Capability.APPROVE,
    Capability.MANAGE_PROGRAMMES,
    Capability.AGGREGATES,
)
SMALL_COUNT = 5


def grants_scope(user: User) -> Scope:
    """The user's scope, if she may see anything of the grants app.

    Raises:
        PermissionDenied: she has none of read, approve, run programmes or aggregates.
    """
    scope = scope_for(user)
    if not any(scope.can(c) for c in VIEW_CAPABILITIES):
        raise PermissionDenied
    return scope


def can_see_persons(scope: Scope) -> bool:
    return any(scope.can(c) for c in (Capability.READ, Capability.APPROVE))


def scoped(scope: Scope, queryset: QuerySet) -> QuerySet:
    """Rows tied to a woman's place (fields `province` and `commune`) inside the scope."""
    return scope.filter(queryset, province_field="province", commune_field="commune")


def programme_list(*, user: User) -> QuerySet[Programme]:
    """Programmes carried out by a branch in the user's province (all for central users)."""
    scope = grants_scope(user)
    programmes = Programme.objects.prefetch_related("implementing_branches")
    if scope.everything:
        return programmes
    return programmes.filter(
        Q(implementing_branches__province_id=scope.province_id)
        | Q(cycles__provinces=scope.province_id)
    ).distinct()


def programme_get(*, user: User, pk: int) -> Programme:
    return get_object_or_404(programme_list(user=user), pk=pk)


def cycle_list(*, user: User, programme: Programme | None = None) -> QuerySet[Cycle]:
    """Cycles whose places meet the user's scope."""
    scope = grants_scope(user)
    cycles = Cycle.objects.select_related("programme", "prepared_by")
    if programme is not None:
        cycles = cycles.filter(programme=programme)
    if scope.everything:
        return cycles
    if scope.province_id is None:
        return cycles.none()
    cycles = cycles.filter(provinces=scope.province_id)
    if scope.commune_id is not None:
        cycles = cycles.filter(Q(communes=None) | Q(communes=scope.commune_id))
    return cycles.distinct()


def cycle_get(*, user: User, pk: int) -> Cycle:
    """One cycle the user may see; 404 outside her scope."""
    return get_object_or_404(cycle_list(user=user), pk=pk)


def cycle_for_manager(*, user: User, pk: int) -> Cycle:
    """One cycle the user may run; 404 outside her scope, 403 without the capability."""
    cycle = cycle_get(user=user, pk=pk)
    require_capability(user, Capability.MANAGE_PROGRAMMES)
    return cycle


# --- targeting ---------------------------------------------------------------------------


@dataclass
class PreviewRow:
    province: Province
    eligible: int


def eligibility_preview(*, user: User, cycle: Cycle, criteria: dict) -> list[PreviewRow]:
    """Eligible women per province under `criteria` (not yet saved).

    Consent is left to the run: counting it here would double the preview's cost.

    Raises:
        PermissionDenied: the user does not run programmes.
        ValidationError: the criteria are malformed or use facts the user may not use.
    """
    scope = require_capability(user, Capability.MANAGE_PROGRAMMES)
    tree = validate_criteria(criteria, allow_restricted=scope.can(Capability.READ_SENSITIVE))
    with roomy_sqlite():
        facts_refresh()
        women = population(cycle).filter(criteria_q(tree, cycle_context(cycle)))
        counts = dict(women.values_list("province_id").annotate(n=Count("person_id")).order_by())
    return [
        PreviewRow(province=province, eligible=counts.get(province.pk, 0))
        for province in cycle.provinces.order_by("name_folded")
    ]


# --- what a role that may not read restricted facts does not see of a ranking -----------
#
# When a cycle's criteria or weights use a restricted fact (HIV, GBV), a woman's score and
# her rank say something about that fact (a higher place means she probably has it). A role
# that may not read restricted facts then sees whether each woman was selected and the
# reasons that use no restricted fact, never her score, her rank, the list in rank order or
# the restricted weights. The selectors apply it, so every caller (pages, an API) gets it.

RANKING_FIELDS = ("score", "overall_rank", "province_rank")


def ranking_hidden(*, user: User, cycle: Cycle) -> bool:
    """Whether `user` must not see the ranks and scores of `cycle`.

    True when her role may not read restricted facts and either the last run or the
    current criteria and weights use one.
    """
    if can_read_restricted(user):
        return False
    return cycle.uses_restricted or uses_restricted(cycle.criteria, cycle.weights)


def _hide_ranking(candidate: Candidate) -> Candidate:
    """Blank her score and ranks and drop the restricted categories from her flags."""
    for name in RANKING_FIELDS:
        setattr(candidate, name, None)
    candidate.flags &= ~RESTRICTED_MASK
    return candidate


class RankingHiddenIterable(ModelIterable):
    """Candidates as model instances, each through _hide_ranking."""

    def __iter__(self):
        for candidate in super().__iter__():
            yield _hide_ranking(candidate)


class RankingHiddenQuerySet(QuerySet):
    """Candidates whose score and ranks never leave the database.

    The fields are deferred and blanked on every instance; values() and values_list()
    leave them (and the restricted flags) out, and refuse to read them by name.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._iterable_class = RankingHiddenIterable

    def _visible(self, fields: tuple) -> tuple:
        withheld = (*RANKING_FIELDS, "flags")
        if not fields:
            return tuple(
                f.attname for f in self.model._meta.concrete_fields if f.name not in withheld
            )
        if any(isinstance(f, str) and f in withheld for f in fields):
            raise PermissionDenied
        return fields

    def values(self, *fields, **expressions):
        return super().values(*self._visible(fields), **expressions)

    def values_list(self, *fields, flat: bool = False, named: bool = False):
        return super().values_list(*self._visible(fields), flat=flat, named=named)


def _cycle_candidates(cycle: Cycle, *, hidden: bool) -> QuerySet[Candidate]:
    if hidden:
        return RankingHiddenQuerySet(model=Candidate).filter(cycle=cycle).defer(*RANKING_FIELDS)
    return Candidate.objects.filter(cycle=cycle)


def candidate_list(
    *, user: User, cycle: Cycle, selected: bool | None = None, query: str = ""
) -> QuerySet[Candidate]:
    """The cycle's eligible women the user may see, in rank order.

    When the ranking is hidden from her (ranking_hidden), in name order instead — which
    tells nothing of it — with every score and rank blanked (None) and the restricted
    categories left out of the flags.

    Raises:
        PermissionDenied: the user may not read persons.
    """
    scope = grants_scope(user)
    if not can_see_persons(scope):
        raise PermissionDenied
    hidden = ranking_hidden(user=user, cycle=cycle)
    candidates = scoped(scope, _cycle_candidates(cycle, hidden=hidden)).select_related(
        "person", "province", "commune"
    )
    if selected is not None:
        candidates = candidates.filter(selected=selected)
    if query:
        from lotus.registry.selectors import search_persons

        candidates = candidates.filter(person__in=search_persons(Person.all_objects.all(), query))
    if hidden:
        return candidates.order_by("person__name_key", "person_id")
    return candidates.order_by("overall_rank")


# --- payments ----------------------------------------------------------------------------


def payment_line_list(
    *, user: User, cycle: Cycle, status: str = "", channel: str = ""
) -> QuerySet[PaymentLine]:
    """The cycle's payment lines the user may see."""
    scope = grants_scope(user)
    if not can_see_persons(scope):
        raise PermissionDenied
    lines = scoped(scope, PaymentLine.objects.filter(cycle=cycle)).select_related(
        "province", "commune", "batch"
    )
    if status:
        lines = lines.filter(status=status)
    if channel:
        lines = lines.filter(channel=channel)
    return lines.order_by("reference")


def post_office_sheets(*, user: User, cycle: Cycle, batch_id: int | None = None) -> list[dict]:
    """Pending post-office pick-ups grouped by commune, for the printable signature lists."""
    lines = payment_line_list(user=user, cycle=cycle, channel="post_office").filter(
        status=PaymentLine.Status.ISSUED
    )
    if batch_id:
        lines = lines.filter(batch_id=batch_id)
    sheets: dict[int | None, dict] = {}
    for line in lines.order_by("commune__name_folded", "full_name", "reference"):
        sheet = sheets.setdefault(
            line.commune_id, {"commune": line.commune, "province": line.province, "lines": []}
        )
        sheet["lines"].append(line)
    for sheet in sheets.values():
        sheet["total"] = sum(line.amount for line in sheet["lines"])
    return list(sheets.values())


# --- dashboard ---------------------------------------------------------------------------


@dataclass
class DashboardRow:
    label: str
    selected: int | None
    paid: int | None
    failed: int | None
    budget_used: int | None
    suppressed: bool = False
    share: int = 0  # percent of the largest paid amount, for the bars


@dataclass
class Dashboard:
    provinces: list[DashboardRow] = field(default_factory=list)
    categories: list[DashboardRow] = field(default_factory=list)
    totals: DashboardRow | None = None
    shows_restricted: bool = False
    suppresses: bool = False


def _suppress(row: DashboardRow, on: bool) -> DashboardRow:
    if not on:
        return row
    for name in ("selected", "paid", "failed"):
        value = getattr(row, name)
        if value is not None and 0 < value < SMALL_COUNT:
            setattr(row, name, None)
            row.suppressed = True
    if row.paid is None:
        row.budget_used = None
    return row


def _bars(rows: list[DashboardRow]) -> None:
    top = max([r.budget_used or 0 for r in rows] + [r.selected or 0 for r in rows] + [1])
    for row in rows:
        row.share = round(100 * max(row.budget_used or 0, 0) / top) if row.budget_used else 0


def cycle_dashboard(*, user: User, cycle: Cycle) -> Dashboard:
    """Selected, paid, failed and money paid, by province and by vulnerability category.

    Restricted categories (HIV, GBV) appear only for roles that may read them; for every
    other role, counts from 1 to 4 are suppressed.
    """
    scope = grants_scope(user)
    shows_restricted = scope.can(Capability.READ_SENSITIVE)
    suppress = not shows_restricted
    candidates = scoped(scope, Candidate.objects.filter(cycle=cycle, selected=True))
    lines = scoped(scope, PaymentLine.objects.filter(cycle=cycle))
    paid = lines.filter(status=PaymentLine.Status.PAID)
    failed = lines.filter(status=PaymentLine.Status.FAILED, reissued=False)
    amount = cycle.amount_per_person

    def by_province(qs):
        return dict(qs.values_list("province_id").annotate(n=Count("id")).order_by())

    sel, pay, fail = by_province(candidates), by_province(paid), by_province(failed)
    paid_sum = dict(paid.values_list("province_id").annotate(s=Sum("amount")).order_by())
    board = Dashboard(shows_restricted=shows_restricted, suppresses=suppress)
    for province in cycle.provinces.order_by("name_folded"):
        if not scope.everything and province.pk != scope.province_id:
            continue
        board.provinces.append(
            _suppress(
                DashboardRow(
                    province.name,
                    sel.get(province.pk, 0),
                    pay.get(province.pk, 0),
                    fail.get(province.pk, 0),
                    paid_sum.get(province.pk, 0),
                ),
                suppress,
            )
        )
    paid_people = candidates.filter(
        person_id__in=paid.values("person_id")
    )  # paid women, by the categories of their candidate row
    failed_people = candidates.filter(person_id__in=failed.values("person_id"))
    for key in visible_categories(shows_restricted and cycle.uses_restricted):
        bit = CATEGORY_BIT[key]

        def count(qs, bit=bit):
            return qs.annotate(b=_bit(bit)).filter(b__gt=0).count()

        n_paid = count(paid_people)
        board.categories.append(
            _suppress(
                DashboardRow(
                    category_label(key),
                    count(candidates),
                    n_paid,
                    count(failed_people),
                    n_paid * amount,
                ),
                suppress,
            )
        )
    board.totals = DashboardRow(
        "",
        candidates.count(),
        paid.count(),
        failed.count(),
        paid.aggregate(s=Sum("amount"))["s"] or 0,
    )
    _bars(board.provinces)
    _bars(board.categories)
    return board


def _bit(bit: int):
    from django.db.models import F

    return F("flags").bitand(bit)


# --- explanation -------------------------------------------------------------------------


@dataclass
class ConditionResult:
    text: str
    met: bool | None  # None: hidden from this user
    restricted: bool


@dataclass
class Explanation:
    person: object
    candidate: Candidate | None
    eligible: bool
    conditions: list[ConditionResult]
    categories: list[tuple[str, int]]
    score: int | None
    rank: int | None
    rank_of: int | None
    quota: int | None
    reason: str
    hides_restricted: bool


def grievance_list(
    *, user: User, cycle: Cycle | None = None, overdue: bool = False
) -> QuerySet[Grievance]:
    """Grievances the user may see; abuse and exploitation only with the safeguarding role."""
    scope = grants_scope(user)
    grievances = scoped(scope, Grievance.objects.all()).select_related(
        "cycle", "assignee", "province", "commune"
    )
    if not scope.can(Capability.SAFEGUARDING):
        grievances = grievances.exclude(category=Grievance.Category.ABUSE)
    if cycle is not None:
        grievances = grievances.filter(cycle=cycle)
    if overdue:
        grievances = grievances.filter(
            due_on__lt=timezone.localdate(),
            status__in=[Grievance.Status.OPEN, Grievance.Status.IN_PROGRESS],
        )
    return grievances


def overpayment_list(*, user: User, cycle: Cycle | None = None) -> QuerySet[Overpayment]:
    scope = grants_scope(user)
    if not can_see_persons(scope):
        raise PermissionDenied
    overpayments = scoped(scope, Overpayment.objects.all()).select_related(
        "line", "duplicate", "kept", "cycle"
    )
    if cycle is not None:
        overpayments = overpayments.filter(cycle=cycle)
    return overpayments


def today() -> dt.date:
    return timezone.localdate()


# --- cycle page helpers ------------------------------------------------------------------


def criteria_lines(cycle: Cycle) -> list[str]:
    return describe_lines(cycle.criteria or EMPTY_CRITERIA)


def weight_rows(*, user: User, cycle: Cycle) -> list[tuple[str, int | None]]:
    """(category, weight) rows; a restricted weight shows only to roles that may read them."""
    show = can_read_restricted(user)
    weights = cycle.weights or {}
    return [(category_label(key), weights.get(key, 0)) for key in visible_categories(show)]


def pending_line_count(cycle: Cycle) -> int:
    """Payment lines of the cycle issued but without a result yet (paid or failed)."""
    return PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.ISSUED).count()


@dataclass
class VersionDiff:
    version: CriteriaVersion
    added: list[str]
    removed: list[str]
    weights: list[tuple[str, int, int]]
    quotas: list[tuple[str, object, object]]


def criteria_version_diffs(*, user: User, cycle: Cycle) -> list[VersionDiff]:
    """Each saved version with what changed from the one before: lines, weights, quotas.

    The restricted weights (HIV, GBV) are left out for a role that may not read them.
    """
    show = can_read_restricted(user)
    versions = list(cycle.criteria_versions.select_related("changed_by").order_by("number"))
    diffs = []
    previous_lines: list[str] = describe_lines(EMPTY_CRITERIA)
    previous_weights: dict = {}
    previous_quotas: dict = {"mode": Cycle.QuotaMode.NONE}
    for version in versions:
        lines = describe_lines(version.criteria or EMPTY_CRITERIA)
        added, removed = [], []
        for line in difflib.ndiff(previous_lines, lines):
            if line.startswith("+ "):
                added.append(line[2:])
            elif line.startswith("- "):
                removed.append(line[2:])
        weights = [
            (category_label(key), previous_weights.get(key, 0), version.weights.get(key, 0))
            for key in visible_categories(show)
            if previous_weights.get(key, 0) != version.weights.get(key, 0)
        ]
        quota_keys = sorted(set(previous_quotas) | set(version.quotas))
        quotas = [
            (key, previous_quotas.get(key), version.quotas.get(key))
            for key in quota_keys
            if previous_quotas.get(key) != version.quotas.get(key)
        ]
        diffs.append(VersionDiff(version, added, removed, weights, quotas))
        previous_lines, previous_weights, previous_quotas = lines, version.weights, version.quotas
    return list(reversed(diffs))


# --- explanation -------------------------------------------------------------------------


def _evaluate(person_pk: int, nodes: list[dict], cycle: Cycle) -> list[bool]:
    """Each condition's truth for one woman, on her targeting facts brought up to date.

    A record merged away has no facts: no condition holds for it.
    """
    if not nodes:
        return []
    facts_refresh()
    ctx = cycle_context(cycle)
    annotations = {
        f"c{i}": Case(When(condition_q(node, ctx), then=Value(True)), default=Value(False))
        for i, node in enumerate(nodes)
    }
    row = (
        TargetingFacts.objects.filter(person_id=person_pk)
        .annotate(**annotations)
        .values(*annotations)
        .first()
    )
    if row is None:
        return [False] * len(nodes)
    return [bool(row[f"c{i}"]) for i in range(len(nodes))]


def candidate_explanation(*, user: User, cycle: Cycle, person_pk: int) -> Explanation:
    """Why a woman was selected or not: criteria met, categories and weights, rank, reason.

    Restricted conditions and categories are evaluated and shown only to roles that may read
    them (and the read is logged); for others they read "hidden". When the ranking is hidden
    from her (ranking_hidden), score, rank, rank_of and quota are None, and so are the
    candidate's own score and ranks.

    Raises:
        Http404: the woman is outside the user's scope.
        PermissionDenied: the user may not read persons.
    """
    from lotus.registry.selectors import scoped_persons
    from lotus.registry.services import access_log_read

    scope = grants_scope(user)
    if not can_see_persons(scope):
        raise PermissionDenied
    person = get_object_or_404(
        scoped_persons(scope, Person.all_objects.select_related("province", "commune")),
        pk=person_pk,
    )
    show = scope.can(Capability.READ_SENSITIVE)
    hidden = ranking_hidden(user=user, cycle=cycle)
    candidate = _cycle_candidates(cycle, hidden=hidden).filter(person=person).first()
    nodes = list(iter_conditions(cycle.criteria or EMPTY_CRITERIA))
    visible = [n for n in nodes if show or not FACTS[n["fact"]].restricted]
    results = dict(zip(map(id, visible), _evaluate(person.pk, visible, cycle), strict=True))
    if show and any(FACTS[n["fact"]].restricted for n in visible):
        access_log_read(
            actor=user,
            person=person,
            facts=sorted({n["fact"] for n in visible if FACTS[n["fact"]].restricted}),
            context=f"grants eligibility explanation, cycle {cycle.pk}",
        )
    conditions = [
        ConditionResult(describe_condition(n), results.get(id(n)), FACTS[n["fact"]].restricted)
        for n in nodes
    ]
    weights = cycle.weights or {}
    categories, score, rank, rank_of, quota = [], None, None, None, None
    if candidate is not None:
        categories = [
            (category_label(k), weights.get(k, 0))
            for k in categories_in(candidate.flags, show_restricted=show)
        ]
        score = candidate.score
        if candidate.blocked == Candidate.Block.NONE and not hidden:
            if cycle.quota_mode == Cycle.QuotaMode.NONE:
                rank = candidate.overall_rank
                rank_of = Candidate.objects.filter(cycle=cycle, blocked=0).count()
                quota = cycle.max_grants
            else:
                rank = candidate.province_rank
                rank_of = Candidate.objects.filter(
                    cycle=cycle, blocked=0, province_id=candidate.province_id
                ).count()
                quota = (
                    cycle.quotas.filter(province_id=candidate.province_id)
                    .values_list("quota", flat=True)
                    .first()
                )
    return Explanation(
        person=person,
        candidate=candidate,
        eligible=candidate is not None,
        conditions=conditions,
        categories=categories,
        score=score,
        rank=rank,
        rank_of=rank_of,
        quota=quota,
        reason=_reason(cycle, person, candidate),
        hides_restricted=hidden,
    )


def _reason(cycle: Cycle, person, candidate: Candidate | None) -> str:
    if person.merged_into_id:
        return str(_("This record was merged into another; the other record is the one ranked."))
    if candidate is None:
        if cycle.targeted_at is None:
            return str(_("Targeting has not been run yet."))
        return str(_("Not eligible: she does not meet the criteria, or lives outside the cycle."))
    if candidate.blocked == Candidate.Block.NO_CONSENT:
        return str(
            _("Eligible but not selectable: no consent for the programme's purpose (%(p)s).")
            % {"p": cycle.programme.consent_purpose}
        )
    if candidate.blocked == Candidate.Block.HELD:
        return str(_("Eligible but held back: a possible duplicate is awaiting review."))
    if candidate.selected:
        return str(_("Selected: her rank is within the grants available."))
    return str(_("Eligible, but ranked below the last grant the budget or quota allows."))


# --- verification ------------------------------------------------------------------------


def verification_record_list(*, user: User, sample: VerificationSample) -> QuerySet:
    """The sample's women the user may see, with their payment line."""
    scope = grants_scope(user)
    if not can_see_persons(scope):
        raise PermissionDenied
    return scoped(scope, sample.records.all()).select_related("line", "commune", "checked_by")


@dataclass
class SampleReport:
    visited: int
    full: int
    not_reached: int
    problems: int
    share: float | None
    margin: float | None


def sample_report(*, sample: VerificationSample) -> SampleReport:
    """Share of reached women who received the full amount, with its margin of error."""
    Outcome = VerificationRecord.Outcome
    counts = dict(sample.records.values_list("outcome").annotate(n=Count("id")).order_by())
    reached = sum(counts.get(o, 0) for o in (Outcome.FULL, Outcome.PARTIAL, Outcome.NOT_RECEIVED))
    full = counts.get(Outcome.FULL, 0)
    result = sampling.share_with_margin(
        successes=full, observed=reached, population=sample.population,
        confidence=sample.confidence,
    )  # fmt: skip
    return SampleReport(
        visited=reached + counts.get(Outcome.NOT_REACHED, 0),
        full=full,
        not_reached=counts.get(Outcome.NOT_REACHED, 0),
        problems=reached - full,
        share=result[0] if result else None,
        margin=result[1] if result else None,
    )


# --- follow-up ---------------------------------------------------------------------------


def grantee_list(*, user: User, cycle: Cycle) -> QuerySet[PaymentLine]:
    """Women paid in the cycle that the user may see (one line each)."""
    return payment_line_list(user=user, cycle=cycle, status=PaymentLine.Status.PAID)


@dataclass
class IncomeRow:
    label: str
    women: int
    baseline: int | None
    follow_up: int | None
    change_pct: float | None


def income_change_report(*, user: User, cycle: Cycle) -> dict[str, list[IncomeRow]]:
    """Average monthly income at baseline and follow-up of women surveyed both times,
    by province and by livelihood activity (the activity reported at follow-up)."""
    scope = grants_scope(user)
    surveys = scoped(scope, LivelihoodSurvey.objects.filter(cycle=cycle))
    baseline = dict(
        surveys.filter(kind=LivelihoodSurvey.Kind.BASELINE).values_list(
            "person_id", "monthly_income"
        )
    )
    pairs = [
        (province, activity, baseline[person_id], income)
        for person_id, province, activity, income in surveys.filter(
            kind=LivelihoodSurvey.Kind.FOLLOW_UP
        ).values_list("person_id", "province__name", "activity", "monthly_income")
        if person_id in baseline
    ]
    activities = dict(Activity.choices)

    def rows(key_index: int, labels=None) -> list[IncomeRow]:
        groups: dict[str, list[tuple[int, int]]] = {}
        for pair in pairs:
            groups.setdefault(pair[key_index], []).append((pair[2], pair[3]))
        out = []
        for key in sorted(groups):
            values = groups[key]
            before = sum(v[0] for v in values) // len(values)
            after = sum(v[1] for v in values) // len(values)
            suppress = not scope.can(Capability.READ_SENSITIVE) and len(values) < SMALL_COUNT
            out.append(
                IncomeRow(
                    str(labels.get(key, key)) if labels else key,
                    len(values),
                    None if suppress else before,
                    None if suppress else after,
                    None if suppress or not before else round(100 * (after - before) / before, 1),
                )
            )
        return out

    return {"provinces": rows(0), "activities": rows(1, activities)}
