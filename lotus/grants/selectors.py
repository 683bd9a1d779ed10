"""Reads for cash grants, always scoped to the user's place and role.

A programme belongs to the provinces of its implementing branches; a cycle to its provinces
(and communes when chosen). Everything about a woman — candidate rows, payment lines,
verification records, grievances, surveys — is scoped by her province and commune.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import Scope, require_capability, scope_for
from lotus.geo.models import Province
from lotus.grants.criteria import (
    CATEGORIES,
    CATEGORY_BIT,
    FACTS,
    categories_in,
    criteria_q,
    validate_criteria,
)
from lotus.grants.models import (
    Candidate,
    Cycle,
    Grievance,
    Overpayment,
    PaymentLine,
    Programme,
)
from lotus.grants.services.targeting import consenting_person_ids, cycle_context, population

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
    consenting: int


def eligibility_preview(*, user: User, cycle: Cycle, criteria: dict) -> list[PreviewRow]:
    """Eligible women per province under `criteria` (not yet saved), and how many consented.

    Raises:
        PermissionDenied: the user does not run programmes.
        ValidationError: the criteria are malformed or use facts the user may not use.
    """
    scope = require_capability(user, Capability.MANAGE_PROGRAMMES)
    tree = validate_criteria(criteria, allow_restricted=scope.can(Capability.READ_SENSITIVE))
    persons = population(cycle).filter(criteria_q(tree, cycle_context(cycle)))
    consenting = consenting_person_ids(cycle.programme.consent_purpose, timezone.localdate())
    counts = {
        row["province_id"]: row
        for row in persons.values("province_id").annotate(
            eligible=Count("id"), consenting=Count("id", filter=Q(pk__in=consenting))
        )
    }
    return [
        PreviewRow(
            province=province,
            eligible=counts.get(province.pk, {}).get("eligible", 0),
            consenting=counts.get(province.pk, {}).get("consenting", 0),
        )
        for province in cycle.provinces.order_by("name_folded")
    ]


def candidate_list(
    *, user: User, cycle: Cycle, selected: bool | None = None, query: str = ""
) -> QuerySet[Candidate]:
    """The cycle's eligible women the user may see, in rank order.

    Raises:
        PermissionDenied: the user may not read persons.
    """
    scope = grants_scope(user)
    if not can_see_persons(scope):
        raise PermissionDenied
    candidates = scoped(scope, Candidate.objects.filter(cycle=cycle)).select_related(
        "person", "province", "commune"
    )
    if selected is not None:
        candidates = candidates.filter(selected=selected)
    if query:
        from lotus.registry.selectors import search_persons

        candidates = candidates.filter(
            person__in=search_persons(Candidate.person.field.related_model.objects.all(), query)
        )
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
    for key in CATEGORIES:
        if FACTS[key].restricted and (not shows_restricted or not cycle.uses_restricted):
            continue
        bit = CATEGORY_BIT[key]

        def count(qs, bit=bit):
            return qs.annotate(b=_bit(bit)).filter(b__gt=0).count()

        n_paid = count(paid_people)
        board.categories.append(
            _suppress(
                DashboardRow(
                    str(FACTS[key].label),
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


__all__ = [
    "CATEGORIES",
    "Dashboard",
    "Explanation",
    "categories_in",
]
