"""Finding duplicate persons, and the review that merges them or keeps them apart.

Life-cycle of a candidate pair:
- The linkage (a full run, `duplicates_find`, or `link_new_persons` after an import) stores
  every pair at or above REVIEW_THRESHOLD as PENDING, with its probability and explanation.
  A later run re-scores a pending pair; it never reopens a decided one.
- A reviewer whose scope covers both persons decides (`pair_decide`):
  "same person" merges them (MERGED; other pending pairs of the retired record become
  SUPERSEDED), "different persons" closes the pair for good (DIFFERENT: never proposed
  again), "skip" leaves it pending for someone else.
- A merge can be undone (`merge_undo`): links go back, the pair is PENDING again.
"""

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability
from lotus.linkage.engine import Prediction, predict_duplicates, predict_new_against_existing
from lotus.linkage.features import (
    FEATURE_COLUMNS,
    MAX_SHARED_IDENTIFIER,
    drop_shared_identifiers,
    person_features,
)
from lotus.linkage.model import BLOCKING_RULES, MODEL_VERSION, TF_COLUMNS, blended_tf
from lotus.linkage.models import CandidatePair, MergeRecord, PersonKey, ReviewDecision
from lotus.registry.merging import person_merge, person_unmerge
from lotus.registry.models import Person

# Pairs at or above this probability join the review queue.
REVIEW_THRESHOLD = getattr(settings, "LOTUS_LINKAGE_REVIEW_THRESHOLD", 0.5)
# Default threshold of `manage.py find_duplicates` (pairs and clusters in the CSV).
EXPORT_THRESHOLD = getattr(settings, "LOTUS_LINKAGE_EXPORT_THRESHOLD", 0.8)

_PERSON_FIELDS = (
    "id", "full_name", "birth_date", "birth_year", "sex", "cccd", "cmnd", "phone",
    "commune_id", "province_id", "updated_at",
)  # fmt: skip
_KEY_FIELDS = tuple(c for c in FEATURE_COLUMNS if c != "unique_id")


def _chunks(items: Sequence, size: int = 5000) -> Iterable[Sequence]:
    """Slices short enough for an IN (...) list on SQLite."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- keys --------------------------------------------------------------------------------


def _candidates_by_person(person_ids: Sequence[int] | None) -> dict[int, list[int]]:
    through = Person.commune_candidates.through.objects.all()
    if person_ids is not None:
        through = through.filter(person_id__in=person_ids)
    found: dict[int, list[int]] = defaultdict(list)
    for person_id, commune_id in through.values_list("person_id", "commune_id"):
        found[person_id].append(commune_id)
    return found


def _key_from_features(features: dict[str, Any], updated_at: dt.datetime) -> PersonKey:
    values = {name: features[name] for name in _KEY_FIELDS}
    return PersonKey(person_id=features["unique_id"], person_updated_at=updated_at, **values)


def _features_from_key(row: dict[str, Any]) -> dict[str, Any]:
    record = {name: row[name] for name in _KEY_FIELDS}
    record["unique_id"] = row["person_id"]
    return record


def person_keys_refresh(*, person_ids: Iterable[int] | None = None, batch_size: int = 5000) -> int:
    """Compute the linkage keys of live persons whose key is missing or older than the person.

    With `person_ids`, only those persons (an import's new rows) are (re)computed. Keys are
    written batch by batch, each in its own short transaction, so a full refresh of a large
    registry never holds SQLite's write lock for long. Returns the number of keys written.
    """
    if person_ids is not None:
        ids = []
        for chunk in _chunks(sorted(set(person_ids))):
            ids.extend(Person.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    else:
        fresh = PersonKey.objects.filter(
            person=OuterRef("pk"), person_updated_at__gte=OuterRef("updated_at")
        )
        persons = Person.objects.exclude(Exists(fresh))
        ids = list(persons.order_by("pk").values_list("pk", flat=True))
    for chunk in _chunks(ids, batch_size):
        rows = list(Person.objects.filter(pk__in=chunk).values(*_PERSON_FIELDS))
        candidates = _candidates_by_person(chunk)
        keys = []
        for row in rows:
            row["commune_candidates"] = candidates.get(row["id"], ())
            keys.append(_key_from_features(person_features(row), row["updated_at"]))
        with transaction.atomic():
            PersonKey.objects.filter(person_id__in=chunk).delete()
            PersonKey.objects.bulk_create(keys, batch_size=batch_size)
    return len(ids)


def _live_keys():
    return PersonKey.objects.filter(person__merged_into__isnull=True)


# --- storing pairs --------------------------------------------------------------------------------


def _explanation(prediction: Prediction) -> list[dict[str, Any]]:
    return [
        {"comparison": f.comparison, "level": f.level, "weight": round(f.weight, 3)}
        for f in prediction.fields
    ]


def _decided_different(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    wanted = set(pairs)
    if not wanted:
        return set()
    closed = CandidatePair.objects.filter(status=CandidatePair.Status.DIFFERENT)
    return {p for p in closed.values_list("person_l_id", "person_r_id") if p in wanted}


@transaction.atomic
def pairs_store(*, predictions: Sequence[Prediction], threshold: float = REVIEW_THRESHOLD) -> int:
    """Put pairs at or above `threshold` in the review queue; re-score pending ones.

    A pair already decided (different persons, merged, superseded) is left as it is.
    Returns the number of pairs created or re-scored.
    """
    wanted = {(p.id_l, p.id_r): p for p in predictions if p.match_probability >= threshold}
    if not wanted:
        return 0
    now = timezone.now()
    existing: dict[tuple[int, int], tuple[int, str]] = {}
    ids = sorted({i for pair in wanted for i in pair})
    for chunk in _chunks(ids):
        for pk, left, right, status in CandidatePair.objects.filter(
            person_l_id__in=chunk
        ).values_list("pk", "person_l_id", "person_r_id", "status"):
            existing[(left, right)] = (pk, status)
    create, update = [], []
    for key, prediction in wanted.items():
        fields = {
            "match_probability": prediction.match_probability,
            "match_weight": prediction.match_weight,
            "explanation": _explanation(prediction),
            "model_version": MODEL_VERSION,
            "scored_at": now,
        }
        if key not in existing:
            create.append(CandidatePair(person_l_id=key[0], person_r_id=key[1], **fields))
        elif existing[key][1] == CandidatePair.Status.PENDING:
            update.append(CandidatePair(pk=existing[key][0], **fields))
    CandidatePair.objects.bulk_create(create, batch_size=2000)
    CandidatePair.objects.bulk_update(
        update,
        ["match_probability", "match_weight", "explanation", "model_version", "scored_at"],
        batch_size=2000,
    )
    return len(create) + len(update)


# --- linkage runs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkageRun:
    records: int
    predictions: list[Prediction]  # at or above the run's threshold, decided-different left out


def duplicates_find(
    *,
    actor: User | None = None,
    threshold: float = EXPORT_THRESHOLD,
    backend: str | None = None,
    queue: bool = True,
) -> LinkageRun:
    """Link the whole live registry; queue pairs ≥ REVIEW_THRESHOLD when `queue` is true.

    Returns the pairs at or above `threshold`, except those decided "different persons".
    """
    person_keys_refresh()
    rows = _live_keys().values("person_id", *_KEY_FIELDS)
    records = drop_shared_identifiers([_features_from_key(row) for row in rows.iterator()])
    low = min(threshold, REVIEW_THRESHOLD) if queue else threshold
    predictions = predict_duplicates(records, threshold=low, backend=backend)
    different = _decided_different((p.id_l, p.id_r) for p in predictions)
    predictions = [p for p in predictions if (p.id_l, p.id_r) not in different]
    if queue:
        pairs_store(predictions=predictions)
    return LinkageRun(
        records=len(records),
        predictions=[p for p in predictions if p.match_probability >= threshold],
    )


def _blocking_sql(rule: str, ids: Sequence[int]) -> str:
    keys = PersonKey._meta.db_table
    persons = Person._meta.db_table
    condition = rule.replace("l.", "n.").replace("r.", "e.")
    id_list = ",".join(str(int(i)) for i in ids)
    # CROSS JOIN makes SQLite start from the few new keys and probe the registry's keys
    # through the rule's index; PostgreSQL plans it as an ordinary join.
    return (
        f"SELECT DISTINCT e.person_id FROM {keys} n CROSS JOIN {keys} e "
        f"CROSS JOIN {persons} p "
        f"WHERE n.person_id IN ({id_list}) AND {condition} "
        f"AND p.id = e.person_id AND p.merged_into_id IS NULL "
        f"AND e.person_id NOT IN ({id_list})"
    )


# New persons per blocking query (their ids are written into the SQL).
BLOCKING_CHUNK = 2000


def _registry_candidates(new_ids: Sequence[int]) -> set[int]:
    """Existing live persons sharing a blocking key with one of `new_ids` (indexed joins)."""
    found: set[int] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(new_ids, BLOCKING_CHUNK):
            for rule in BLOCKING_RULES:
                cursor.execute(_blocking_sql(rule, chunk))
                found.update(row[0] for row in cursor.fetchall())
    # New persons of other chunks are compared among themselves (within), not as registry.
    return found - set(new_ids)


def _registry_counts(column: str, values: Iterable[str]) -> dict[str, int]:
    """How many live registry records hold each of `values` in `column`."""
    wanted = sorted(set(values))
    counts: dict[str, int] = {v: 0 for v in wanted}
    for chunk in _chunks(wanted, 2000):
        rows = (
            _live_keys()
            .filter(**{f"{column}__in": chunk})
            .order_by()
            .values_list(column)
            .annotate(n=Count("person_id"))
        )
        counts.update(dict(rows))
    return counts


def registry_tf(values: dict[str, set[str]]) -> dict[str, dict[str, float]]:
    """Term frequencies in the live registry of the given values of each TF column."""
    total = max(_live_keys().count(), 1)
    return {
        column: blended_tf(
            column=column, counts=_registry_counts(column, values.get(column, ())), total=total
        )
        for column in TF_COLUMNS
    }


def _drop_crowded_identifiers(new: list[dict], existing: list[dict]) -> None:
    """Blank a CCCD, CMND or phone held by too many registry records (a placeholder)."""
    for column in ("cccd", "cmnd", "phone"):
        counts = _registry_counts(column, (r[column] for r in new if r[column] is not None))
        crowded = {v for v, n in counts.items() if n > MAX_SHARED_IDENTIFIER}
        for record in (*new, *existing):
            if record[column] in crowded:
                record[column] = None


def link_new_persons(
    *, person_ids: Iterable[int], actor: User | None = None, backend: str | None = None
) -> list[CandidatePair]:
    """Check newly stored persons against the registry (and each other) without re-linking
    all of it; likely matches join the review queue.

    The import calls this after storing a file's rows (they are stored either way).
    Returns the pending candidate pairs involving the new persons.
    """
    new_ids = sorted({int(i) for i in person_ids})
    if not new_ids:
        return []
    person_keys_refresh(person_ids=new_ids)
    new = [
        _features_from_key(r)
        for chunk in _chunks(new_ids)
        for r in _live_keys().filter(person_id__in=chunk).values("person_id", *_KEY_FIELDS)
    ]
    candidate_ids = sorted(_registry_candidates([r["unique_id"] for r in new]))
    existing = []
    for chunk in _chunks(candidate_ids):
        rows = PersonKey.objects.filter(person_id__in=chunk).values("person_id", *_KEY_FIELDS)
        existing.extend(_features_from_key(r) for r in rows)
    _drop_crowded_identifiers(new, existing)
    values = {c: {r[c] for r in new if r[c] is not None} for c in TF_COLUMNS}
    tf = registry_tf(values)
    predictions = predict_new_against_existing(
        new,
        existing,
        threshold=REVIEW_THRESHOLD,
        registry_size=_live_keys().count(),
        tf=tf,
        backend=backend,
    )
    different = _decided_different((p.id_l, p.id_r) for p in predictions)
    pairs_store(predictions=[p for p in predictions if (p.id_l, p.id_r) not in different])
    pending = CandidatePair.objects.filter(status=CandidatePair.Status.PENDING)
    involved: dict[int, CandidatePair] = {}
    for chunk in _chunks(new_ids):
        for pair in pending.filter(person_l_id__in=chunk) | pending.filter(person_r_id__in=chunk):
            involved[pair.pk] = pair
    return sorted(involved.values(), key=lambda p: (-p.match_probability, p.pk))


# --- export ---------------------------------------------------------------------------------------


def clusters_of(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Connected components: each id → the smallest id of its cluster."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


EXPORT_HEADER = ("source_id_l", "source_id_r", "match_probability", "cluster_id")


def duplicates_export(*, predictions: Sequence[Prediction], out: TextIO) -> int:
    """Write the pairs as CSV (EXPORT_HEADER): a person's source id, or `person:<id>` when
    she has none; cluster_id is the connected component at the same threshold, named by
    its smallest person id. Returns the number of rows written."""
    ids = {i for p in predictions for i in (p.id_l, p.id_r)}
    source_ids = dict(
        Person.all_objects.filter(pk__in=ids).exclude(source_id="").values_list("id", "source_id")
    )
    clusters = clusters_of((p.id_l, p.id_r) for p in predictions)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    for p in predictions:
        writer.writerow(
            (
                source_ids.get(p.id_l) or f"person:{p.id_l}",
                source_ids.get(p.id_r) or f"person:{p.id_r}",
                f"{p.match_probability:.6f}",
                clusters[p.id_l],
            )
        )
    return len(predictions)


# --- review -------------------------------------------------------------------------------------


PAIR_DECIDED = _("This pair has already been decided.")
SURVIVOR_NOT_IN_PAIR = _("The record to keep must be one of the pair.")
MERGE_ALREADY_UNDONE = _("This merge has already been undone.")


def _check_reviewer(actor: User, *persons: Person) -> None:
    scope = require_capability(actor, Capability.EDIT)
    for person in persons:
        if not scope.covers(province_id=person.province_id, commune_id=person.commune_id):
            raise PermissionDenied


@transaction.atomic
def pair_decide(
    *,
    actor: User,
    pair: CandidatePair,
    decision: str,
    survivor_id: int | None = None,
    note: str = "",
) -> ReviewDecision:
    """Record a reviewer's decision; "same person" merges the pair.

    The record kept is `survivor_id`, by default the older one (person_l).

    Raises:
        PermissionDenied: the actor may not edit, or a person is outside her scope.
        ValidationError: the pair is decided already, or the survivor is not in the pair.
        MergeRefused: an app refused the merge; nothing was changed.
    """
    pair = CandidatePair.objects.select_for_update().get(pk=pair.pk)
    left = Person.all_objects.get(pk=pair.person_l_id)
    right = Person.all_objects.get(pk=pair.person_r_id)
    _check_reviewer(actor, left, right)
    if pair.status != CandidatePair.Status.PENDING:
        raise ValidationError(PAIR_DECIDED, code="decided")
    record = ReviewDecision(pair=pair, decision=decision, decided_by=actor, note=note)
    if decision == ReviewDecision.Decision.SAME:
        survivor_id = survivor_id or left.pk
        if survivor_id not in (left.pk, right.pk):
            raise ValidationError({"survivor": SURVIVOR_NOT_IN_PAIR}, code="survivor")
        survivor, merged = (left, right) if survivor_id == left.pk else (right, left)
        record.merge = _merge(actor=actor, pair=pair, survivor=survivor, merged=merged)
        pair.status = CandidatePair.Status.MERGED
    elif decision == ReviewDecision.Decision.DIFFERENT:
        pair.status = CandidatePair.Status.DIFFERENT
    elif decision != ReviewDecision.Decision.SKIP:
        raise ValidationError({"decision": _("Unknown decision.")}, code="decision")
    pair.save(update_fields=["status"])
    record.full_clean(exclude=["pair", "decided_by", "merge"])
    record.save()
    return record


def _merge(*, actor: User, pair: CandidatePair, survivor: Person, merged: Person) -> MergeRecord:
    outcome = person_merge(actor=actor, survivor=survivor, merged=merged)
    others = CandidatePair.objects.filter(status=CandidatePair.Status.PENDING).exclude(pk=pair.pk)
    superseded = sorted(
        set(others.filter(person_l=merged).values_list("pk", flat=True))
        | set(others.filter(person_r=merged).values_list("pk", flat=True))
    )
    CandidatePair.objects.filter(pk__in=superseded).update(status=CandidatePair.Status.SUPERSEDED)
    consequences = list(outcome.consequences)
    if superseded:
        consequences.append(
            {
                "app": "linkage",
                "kind": "superseded_pairs",
                "message": _("%(n)d other candidate pairs of the merged record were closed.")
                % {"n": len(superseded)},
                "data": {"pairs": superseded},
            }
        )
    PersonKey.objects.filter(person=merged).delete()
    return MergeRecord.objects.create(
        survivor=survivor,
        merged=merged,
        pair=pair,
        moved=outcome.moved,
        consequences=consequences,
        merged_by=actor,
    )


@transaction.atomic
def merge_undo(*, actor: User, record: MergeRecord) -> MergeRecord:
    """Undo a merge: the merged record is live again with the links it had; its pair (and the
    pairs the merge closed) go back to the review queue.

    Raises:
        PermissionDenied: the actor may not edit, or a person is outside her scope.
        ValidationError: already undone, or the records changed since (see person_unmerge).
    """
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    survivor = Person.all_objects.get(pk=record.survivor_id)
    merged = Person.all_objects.get(pk=record.merged_id)
    _check_reviewer(actor, survivor, merged)
    if record.undone_at is not None:
        raise ValidationError(MERGE_ALREADY_UNDONE, code="undone")
    person_unmerge(
        actor=actor,
        survivor=survivor,
        merged=merged,
        moved=record.moved,
        consequences=record.consequences,
    )
    reopened = [record.pair_id] if record.pair_id else []
    for consequence in record.consequences:
        if consequence["app"] == "linkage" and consequence["kind"] == "superseded_pairs":
            reopened.extend(consequence["data"]["pairs"])
    CandidatePair.objects.filter(pk__in=reopened).update(status=CandidatePair.Status.PENDING)
    record.undone_at = timezone.now()
    record.undone_by = actor
    record.save(update_fields=["undone_at", "undone_by"])
    person_keys_refresh(person_ids=[merged.pk])
    return record
