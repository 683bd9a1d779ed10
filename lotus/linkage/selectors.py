"""Reads for the duplicate review, scoped so a reviewer sees a pair only when she covers both
persons, and the single-record search the registry's form shows before saving."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import Scope, require_capability
from lotus.core.text import fold
from lotus.linkage.features import person_features
from lotus.linkage.model import (
    COMPARISON_BY_NAME,
    LEVEL_DISPLAY,
    TF_COLUMNS,
    Score,
    blended_tf,
    prior_probability,
    score_pair,
)
from lotus.linkage.models import CandidatePair, MergeRecord, PersonKey
from lotus.registry.models import Person

# Form look-up: matches at or above this probability are shown.
LIKELY_THRESHOLD = 0.5


def _both_in_scope(scope: Scope, queryset: QuerySet, left: str, right: str) -> QuerySet:
    queryset = scope.filter(
        queryset, province_field=f"{left}__province", commune_field=f"{left}__commune"
    )
    return scope.filter(
        queryset, province_field=f"{right}__province", commune_field=f"{right}__commune"
    )


def pair_list(*, user: User, status: str = CandidatePair.Status.PENDING) -> QuerySet:
    """Candidate pairs whose two persons the reviewer covers, most likely first.

    Raises:
        PermissionDenied: the user may not edit persons (reviewing merges them).
    """
    scope = require_capability(user, Capability.EDIT)
    pairs = CandidatePair.objects.filter(status=status).select_related(
        "person_l", "person_r", "person_l__commune", "person_r__commune"
    )
    return _both_in_scope(scope, pairs, "person_l", "person_r").order_by("-match_probability", "pk")


def pair_list_for_review(*, user: User) -> QuerySet:
    """Pending pairs, leaving out those this reviewer chose to skip."""
    skipped = Q(decisions__decided_by=user, decisions__decision="skip")
    return pair_list(user=user).exclude(skipped)


def pair_get(*, user: User, pk: int) -> CandidatePair:
    """One pair in the reviewer's scope, whatever its status; 404 outside it."""
    scope = require_capability(user, Capability.EDIT)
    pairs = CandidatePair.objects.select_related(
        "person_l__commune__province", "person_r__commune__province",
        "person_l__province", "person_r__province",
    )  # fmt: skip
    return get_object_or_404(_both_in_scope(scope, pairs, "person_l", "person_r"), pk=pk)


def merge_list(*, user: User) -> QuerySet:
    """Merges of persons the reviewer covers, latest first."""
    scope = require_capability(user, Capability.EDIT)
    merges = MergeRecord.objects.select_related("survivor", "merged", "merged_by", "undone_by")
    return _both_in_scope(scope, merges, "survivor", "merged")


def merge_get(*, user: User, pk: int) -> MergeRecord:
    return get_object_or_404(merge_list(user=user), pk=pk)


@dataclass(frozen=True)
class ExplainedField:
    comparison: str
    label: Any
    level: str
    weight: float
    left: Any
    right: Any

    @property
    def direction(self) -> str:
        if self.weight > 0.05:
            return "for"
        if self.weight < -0.05:
            return "against"
        return "neutral"

    @property
    def bar(self) -> int:
        """Bar length in 10 % steps (0–10) for the page; 10 bits or more fill it."""
        return min(10, round(abs(self.weight)))


_FIELD_VALUES = {
    "given": lambda p: p.full_name,
    "family": lambda p: p.family_name,
    "middle": lambda p: p.middle_name,
    "dob": lambda p: p.birth_date.strftime("%d/%m/%Y") if p.birth_date else p.birth_year,
    "cccd": lambda p: p.cccd,
    "cmnd": lambda p: p.cmnd,
    "phone": lambda p: p.phone,
    "place": lambda p: p.commune or p.province,
    "sex": lambda p: p.get_sex_display(),
}


def pair_explanation(pair: CandidatePair) -> list[ExplainedField]:
    """Each comparison of the pair: what each side holds and how much it weighed, in bits."""
    rows = []
    for item in pair.explanation:
        comparison = COMPARISON_BY_NAME.get(item["comparison"])
        if comparison is None:
            continue
        value = _FIELD_VALUES[comparison.name]
        rows.append(
            ExplainedField(
                comparison=comparison.name,
                label=comparison.description,
                level=str(LEVEL_DISPLAY.get(item["level"], item["level"])),
                weight=item["weight"],
                left=value(pair.person_l),
                right=value(pair.person_r),
            )
        )
    return rows


# --- likely matches for one record, before it is saved ----------------------------------


def _candidate_ids(query: dict[str, Any]) -> set[int]:
    """Ids of live persons sharing a blocking key with `query` (indexed look-ups)."""
    keys = PersonKey.objects.filter(person__merged_into__isnull=True)
    conditions = []
    for column in ("cccd", "cmnd", "phone"):
        if query[column]:
            conditions.append(Q(**{column: query[column]}))
    if query["given"]:
        conditions.append(
            Q(given=query["given"], birth_year=query["birth_year"], province=query["province"])
        )
        if query["dob"]:
            conditions.append(Q(given=query["given"], dob=query["dob"]))
        if query["dob_swap"]:
            conditions.append(Q(given=query["given"], dob=query["dob_swap"]))
    if query["full"]:
        conditions.append(Q(full=query["full"], birth_year=query["birth_year"]))
    if query["dob"] and query["commune"]:
        conditions.append(Q(dob=query["dob"], commune=query["commune"]))
    if query["family"] and query["dob"]:
        conditions.append(Q(family=query["family"], dob=query["dob"], province=query["province"]))
    found: set[int] = set()
    for condition in conditions:
        found.update(keys.filter(condition).values_list("person_id", flat=True)[:500])
    return found


def _fresh_candidate_ids(raw: dict[str, Any]) -> set[int]:
    """Persons found on the registry's own indexed fields: they need no linkage key yet."""
    persons = Person.objects.all()
    conditions = []
    if raw.get("cccd"):
        conditions.append(Q(cccd=raw["cccd"]))
    if raw.get("phone"):
        conditions.append(Q(phone=raw["phone"]))
    if raw.get("full_name"):
        conditions.append(Q(name_key=fold(raw["full_name"]), birth_year=raw["birth_year"]))
    found: set[int] = set()
    for condition in conditions:
        found.update(persons.filter(condition).values_list("pk", flat=True)[:500])
    return found


def _features_of(person_ids: Iterable[int]) -> list[dict[str, Any]]:
    rows = Person.objects.filter(pk__in=list(person_ids)).values(
        "id", "full_name", "birth_date", "birth_year", "sex", "cccd", "cmnd", "phone",
        "commune_id", "province_id",
    )  # fmt: skip
    return [person_features(row) for row in rows]


def likely_matches(
    *,
    full_name: str,
    user: User,
    birth_date: dt.date | None = None,
    birth_year: int | None = None,
    cccd: str = "",
    cmnd: str = "",
    phone: str = "",
    commune=None,
    province=None,
    sex: str | None = None,
    threshold: float = LIKELY_THRESHOLD,
    limit: int = 5,
) -> list[tuple[Person, float]]:
    """Persons the user may read who are likely the one being entered, most likely first.

    Fast enough to call on every form submission: candidates come from indexed look-ups
    (the linkage keys and the registry's own CCCD, phone and name indexes), and each is
    scored in Python with the shipped model, as a full run would score it.
    """
    scope = require_capability(user, Capability.READ)
    if birth_year is None and birth_date is None:
        return []
    commune_id = getattr(commune, "pk", commune)
    province_id = getattr(province, "pk", province)
    if commune_id is not None and province_id is None:
        province_id = getattr(commune, "province_id", None)
    raw = {
        "id": 0,
        "full_name": full_name,
        "birth_date": birth_date,
        "birth_year": birth_year or birth_date.year,
        "sex": sex,
        "cccd": cccd,
        "cmnd": cmnd,
        "phone": phone,
        "commune_id": commune_id,
        "province_id": province_id,
    }
    query = person_features(raw)
    ids = _candidate_ids(query) | _fresh_candidate_ids(raw)
    if not ids:
        return []
    visible = scope.filter(
        Person.objects.filter(pk__in=ids), province_field="province", commune_field="commune"
    )
    persons = {p.pk: p for p in visible.select_related("commune", "province")}
    if not persons:
        return []
    total = Person.objects.count()
    tf = _single_record_tf(query, total=total)
    scored: list[tuple[Person, Score]] = []
    for candidate in _features_of(persons):
        score = score_pair(query, candidate, prior=prior_probability(partners=max(total, 1)), tf=tf)
        if score.match_probability >= threshold:
            scored.append((persons[candidate["unique_id"]], score))
    scored.sort(key=lambda item: (-item[1].match_probability, item[0].pk))
    return [(person, score.match_probability) for person, score in scored[:limit]]


def _single_record_tf(query: dict[str, Any], *, total: int) -> dict[str, dict[str, float]]:
    keys = PersonKey.objects.filter(person__merged_into__isnull=True)
    tables: dict[str, dict[str, float]] = {}
    for column in TF_COLUMNS:
        value = query[column]
        if value is None:
            tables[column] = {}
            continue
        count = keys.filter(**{column: value}).count()
        tables[column] = blended_tf(column=column, counts={value: count}, total=max(total, 1))
    return tables
