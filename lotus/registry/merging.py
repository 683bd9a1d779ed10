"""Merging two records of the same woman, and undoing it.

A merge keeps one record, the survivor, with its own history untouched, and retires the
other: the merged record stays in the database (`Person.all_objects`) with `merged_into`
pointing at the survivor, so it disappears from `Person.objects`, lists and searches. Every
link other apps hold to the merged record is moved to the survivor, and the merge remembers
exactly which rows it moved so it can be undone.

Each app tells the registry which of its fields point at a person, once, in its
AppConfig.ready():

    from lotus.registry.merging import register_person_reference

    class GrantsConfig(AppConfig):
        def ready(self):
            from lotus.grants import merging_hooks
            from lotus.grants.models import Payment

            register_person_reference(
                Payment,
                "recipient",
                on_merge=merging_hooks.payments_on_merge,
                on_unmerge=merging_hooks.payments_on_unmerge,
            )

`on_merge(merge: PersonMerge)` runs inside the merge's transaction, BEFORE any link moves,
so it sees both persons' rows as they were (`merge.rows(Model)` for the merged record's,
`merge.survivor_rows(Model)` for the survivor's). It may:

- refuse the merge: `merge.refuse(_("An open loan on each record: settle one first."))`
  raises MergeRefused (a ValidationError); nothing is changed and the reviewer sees why;
- record what the merge means: `merge.record(kind="overpayment", message=…, cycle=7, …)`
  (JSON-serialisable data); it is stored with the merge, shown to the reviewer, and given
  back to `on_unmerge` if the merge is undone. An app that creates rows of its own (say an
  Overpayment to recover) does so in the hook and records their ids here;
- keep some rows on the merged record: `merge.leave_behind(Model, pks)` (e.g. a second
  active consent for a purpose the survivor already holds, which a unique constraint forbids
  twice).

`on_unmerge(unmerge: PersonUnmerge)` runs when the merge is undone, before the links move
back; `unmerge.consequences_of(kind)` returns what this app recorded, to reverse it.

Relations to Person that should stay on the record they were made for (an audit log) are
declared with `ignore_person_reference`; a system check (lotus.W001) lists relations to
Person that are neither registered nor ignored.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.apps import apps
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lotus.registry.models import AccessLog, Consent, Household, Person, RestrictedFact


class MergeRefused(ValidationError):
    """An app refused the merge; the message says why, for the reviewer."""


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


@dataclass(frozen=True)
class PersonReference:
    """A field of `model` pointing at a Person, and the app's hooks for merges."""

    model: type[models.Model]
    field: str
    on_merge: Callable[["PersonMerge"], None] | None = None
    on_unmerge: Callable[["PersonUnmerge"], None] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (_label(self.model), self.field)


_REFERENCES: dict[tuple[str, str], PersonReference] = {}
_IGNORED: dict[tuple[str, str], str] = {}


def register_person_reference(
    model: type[models.Model],
    field: str,
    *,
    on_merge: Callable[["PersonMerge"], None] | None = None,
    on_unmerge: Callable[["PersonUnmerge"], None] | None = None,
) -> None:
    """Declare that `model.field` (a ForeignKey to Person) moves to the survivor on a merge.

    `on_merge` may refuse the merge (`merge.refuse(reason)`), record what it means
    (`merge.record(kind=…, message=…, **data)`) or keep rows behind
    (`merge.leave_behind(model, pks)`); `on_unmerge` reverses what `on_merge` recorded.
    Registering the same model and field again replaces the earlier registration.
    """
    remote = model._meta.get_field(field).remote_field
    if remote is None or remote.model is not Person:
        raise ValueError(f"{_label(model)}.{field} is not a foreign key to Person")
    reference = PersonReference(model, field, on_merge, on_unmerge)
    _REFERENCES[reference.key] = reference


def ignore_person_reference(model: type[models.Model], field: str, *, reason: str) -> None:
    """Declare that `model.field` stays on the record it points at when that record is merged."""
    _IGNORED[(_label(model), field)] = reason


def person_references() -> list[PersonReference]:
    """Registered references, in a stable order (by model label, then field)."""
    return [_REFERENCES[key] for key in sorted(_REFERENCES)]


@dataclass
class PersonMerge:
    """What an `on_merge` hook sees and may act on; links have not moved yet."""

    actor: Any
    survivor: Person
    merged: Person
    consequences: list[dict[str, Any]] = field(default_factory=list)
    left_behind: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    _app: str = ""

    def rows(self, model: type[models.Model], field: str | None = None) -> QuerySet:
        """Rows of `model` pointing at the merged record (those the merge will move)."""
        return model._base_manager.filter(**{self._field(model, field): self.merged})

    def survivor_rows(self, model: type[models.Model], field: str | None = None) -> QuerySet:
        """Rows of `model` already pointing at the survivor."""
        return model._base_manager.filter(**{self._field(model, field): self.survivor})

    def refuse(self, reason: str) -> NoReturn:
        """Abort the merge; nothing is changed. `reason` is shown to the reviewer."""
        raise MergeRefused(reason, code="refused")

    def record(self, *, kind: str, message: str, **data: Any) -> None:
        """Remember what the merge means for this app (JSON-serialisable `data`)."""
        self.consequences.append(
            {"app": self._app, "kind": kind, "message": str(message), "data": data}
        )

    def leave_behind(
        self, model: type[models.Model], pks: Iterable[int], field: str | None = None
    ) -> None:
        """Keep these rows on the merged record instead of moving them."""
        key = (_label(model), self._field(model, field))
        self.left_behind.setdefault(key, set()).update(pks)

    @staticmethod
    def _field(model: type[models.Model], field: str | None) -> str:
        if field is not None:
            return field
        fields = [ref.field for ref in person_references() if ref.model is model]
        if len(fields) != 1:
            raise ValueError(f"Name the field: {_label(model)} has {len(fields)} references")
        return fields[0]


@dataclass
class PersonUnmerge:
    """What an `on_unmerge` hook sees: the persons and what the merge recorded."""

    actor: Any
    survivor: Person
    merged: Person
    consequences: list[dict[str, Any]]
    _app: str = ""

    def consequences_of(self, kind: str | None = None) -> list[dict[str, Any]]:
        """What this app recorded at the merge (of one `kind`, or all)."""
        return [
            c
            for c in self.consequences
            if c["app"] == self._app and (kind is None or c["kind"] == kind)
        ]


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge moved and what the apps recorded, to be stored for an undo."""

    moved: list[dict[str, Any]]
    consequences: list[dict[str, Any]]


MERGE_SAME_RECORD = _("A record cannot be merged into itself.")
MERGE_NOT_LIVE = _("Only records that are not already merged can be merged.")
UNMERGE_NOT_MERGED = _("This record is no longer merged into the survivor.")


def _lock(*persons: Person) -> None:
    # Re-read under lock so two reviewers cannot merge the same records at once.
    list(Person.all_objects.select_for_update().filter(pk__in=[p.pk for p in persons]))
    for person in persons:
        person.refresh_from_db(fields=["merged_into"])


@transaction.atomic
def person_merge(*, actor: Any, survivor: Person, merged: Person) -> MergeOutcome:
    """Merge `merged` into `survivor`: move every registered link, run the apps' hooks.

    Raises:
        ValidationError: the two records are one, or either is already merged.
        MergeRefused: an app refused; nothing was changed.
    """
    if survivor.pk == merged.pk:
        raise ValidationError(MERGE_SAME_RECORD, code="same")
    _lock(survivor, merged)
    if survivor.merged_into_id is not None or merged.merged_into_id is not None:
        raise ValidationError(MERGE_NOT_LIVE, code="not_live")
    merge = PersonMerge(actor=actor, survivor=survivor, merged=merged)
    for reference in person_references():
        if reference.on_merge is not None:
            merge._app = reference.model._meta.app_label
            reference.on_merge(merge)
    moved = []
    for reference in person_references():
        rows = merge.rows(reference.model, reference.field).exclude(
            pk__in=merge.left_behind.get(reference.key, ())
        )
        pks = sorted(rows.values_list("pk", flat=True))
        if pks:
            reference.model._base_manager.filter(pk__in=pks).update(**{reference.field: survivor})
            moved.append({"model": reference.key[0], "field": reference.field, "pks": pks})
    merged.merged_into = survivor
    if actor is not None:
        merged._history_user = actor  # django-simple-history records who merged
    merged.save(update_fields=["merged_into", "updated_at"])
    return MergeOutcome(moved=moved, consequences=merge.consequences)


@transaction.atomic
def person_unmerge(
    *,
    actor: Any,
    survivor: Person,
    merged: Person,
    moved: list[dict[str, Any]],
    consequences: list[dict[str, Any]],
) -> Person:
    """Undo a merge: give the merged record back its links and make it live again.

    Only the rows the merge moved, and still on the survivor, go back; links made to the
    survivor since the merge stay with her.

    Raises:
        ValidationError: `merged` is not (or no longer) merged into `survivor`.
    """
    _lock(survivor, merged)
    if merged.merged_into_id != survivor.pk:
        raise ValidationError(UNMERGE_NOT_MERGED, code="not_merged")
    unmerge = PersonUnmerge(
        actor=actor, survivor=survivor, merged=merged, consequences=consequences
    )
    for reference in person_references():
        if reference.on_unmerge is not None:
            unmerge._app = reference.model._meta.app_label
            reference.on_unmerge(unmerge)
    for entry in moved:
        model = apps.get_model(entry["model"])
        model._base_manager.filter(pk__in=entry["pks"], **{entry["field"]: survivor}).update(
            **{entry["field"]: merged}
        )
    merged.merged_into = None
    if actor is not None:
        merged._history_user = actor
    merged.save(update_fields=["merged_into", "updated_at"])
    return merged


# --- the registry's own references -------------------------------------------------------


def _consents_on_merge(merge: PersonMerge) -> None:
    # One active consent per purpose: the survivor's stands, the merged record keeps its own.
    active = merge.survivor_rows(Consent).filter(withdrawn_on__isnull=True)
    purposes = set(active.values_list("purpose", flat=True))
    clashing = merge.rows(Consent).filter(withdrawn_on__isnull=True, purpose__in=purposes)
    merge.leave_behind(Consent, clashing.values_list("pk", flat=True))


def _restricted_facts_on_merge(merge: PersonMerge) -> None:
    kinds = set(merge.survivor_rows(RestrictedFact).values_list("kind", flat=True))
    same = merge.rows(RestrictedFact).filter(kind__in=kinds)
    merge.leave_behind(RestrictedFact, same.values_list("pk", flat=True))


register_person_reference(Consent, "person", on_merge=_consents_on_merge)
register_person_reference(RestrictedFact, "person", on_merge=_restricted_facts_on_merge)
register_person_reference(Household, "head")
# Records merged earlier into the merged record now point at the survivor.
register_person_reference(Person, "merged_into")
ignore_person_reference(
    AccessLog, "person", reason="the access log records which record was read, as it was"
)


def _relations_to_person() -> list[tuple[str, str]]:
    found = []
    for model in apps.get_models():
        if hasattr(model, "instance_type"):  # django-simple-history's historical copies
            continue
        for f in model._meta.get_fields():
            if f.is_relation and f.concrete and f.related_model is Person and not f.many_to_many:
                found.append((_label(model), f.name))
    return found


def unregistered_person_references() -> list[str]:
    """Foreign keys to Person neither registered for merging nor declared ignored."""
    return [
        f"{label}.{name}"
        for label, name in _relations_to_person()
        if (label, name) not in _REFERENCES and (label, name) not in _IGNORED
    ]


@checks.register()
def check_person_references(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Warning(
            f"{name} points at Person but is not registered for merges.",
            hint="Call lotus.registry.merging.register_person_reference (or "
            "ignore_person_reference) in the app's AppConfig.ready().",
            id="lotus.W001",
        )
        for name in unregistered_person_references()
    ]
