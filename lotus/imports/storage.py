"""Writing validated rows: persons by the ten thousand, each batch its own transaction.

Django's bulk_create builds and walks a model instance per row; at a million rows that alone
takes longer than the whole import may. `PersonWriter` sends the values straight to a
multi-row INSERT built from Person's own field list, so every column the model has (and its
defaults) is written, and the new ids come back for the links and the linkage.
Bulk inserts write no history rows: the ImportJob is the audit record of the batch.
"""

import array
import itertools
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from lotus.accounts.selectors import Scope
from lotus.core.db import rows_per_insert
from lotus.imports.cells import cell_text
from lotus.imports.models import ImportJob, ImportRow
from lotus.imports.validation import PERSON_FIELDS, REASONS, RowResult, both_languages
from lotus.registry.models import Person
from lotus.registry.services import PERSON_EDITABLE_FIELDS, fill_derived_fields

_IN_CHUNK = 500


class PersonWriter:
    """Inserts persons with one statement per few hundred rows.

    A row carries only what a file can set (validation.PERSON_FIELDS), its source and its key.
    Every other column holds the model's default or the time of the batch, written into the
    statement once: the workers need not send them back, nor SQLite bind them row by row.
    """

    def __init__(self, *, source: str) -> None:
        self.source = source
        fields = {f.attname: f for f in Person._meta.concrete_fields if not f.primary_key}
        self.bound = [*PERSON_FIELDS, "source", "source_id"]
        self.defaults = [_db_default(fields[name]) for name in PERSON_FIELDS]
        self.constants = {
            name: _db_default(field) for name, field in fields.items() if name not in self.bound
        }
        self._birth_date = PERSON_FIELDS.index("birth_date")
        self._adapt_date = connection.ops.adapt_datefield_value
        self.rows_per_statement = rows_per_insert(len(self.bound))
        names = [*self.bound, *self.constants]
        self._columns = ", ".join(connection.ops.quote_name(fields[n].column) for n in names)

    def row(self, values: dict, source_id: str) -> list:
        """The bound columns of one person: her values, the model's defaults for the rest."""
        row = list(map(values.get, PERSON_FIELDS, self.defaults))
        birth_date = row[self._birth_date]
        if birth_date is not None:
            row[self._birth_date] = self._adapt_date(birth_date)
        row.append(self.source)
        row.append(source_id)
        return row

    def _statement(self, rows: int, constants: str) -> str:
        sqlite = connection.vendor == "sqlite"
        one = f"({', '.join(['?' if sqlite else '%s'] * len(self.bound))}, {constants})"
        table = connection.ops.quote_name(Person._meta.db_table)
        sql = f"INSERT INTO {table} ({self._columns}) VALUES {', '.join([one] * rows)}"
        if sqlite:
            return sql
        return f"{sql} RETURNING {connection.ops.quote_name(Person._meta.pk.column)}"

    def insert(self, rows: list[list]) -> list[int]:
        """Insert `rows` (from `row`) and return their new ids, in order."""
        if not rows:
            return []
        connection.ensure_connection()  # PostgreSQL quotes the constants through it
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        quote = connection.schema_editor().quote_value
        constants = ", ".join(
            quote(now if name in ("created_at", "updated_at") else value)
            for name, value in self.constants.items()
        )
        step = self.rows_per_statement
        full = self._statement(step, constants)
        ids: list[int] = []
        cursor = connection.connection.cursor()
        try:
            for start in range(0, len(rows), step):
                chunk = rows[start : start + step]
                sql = full if len(chunk) == step else self._statement(len(chunk), constants)
                cursor.execute(sql, list(itertools.chain.from_iterable(chunk)))
                if connection.vendor == "sqlite":
                    ids.extend(range(cursor.lastrowid - len(chunk) + 1, cursor.lastrowid + 1))
                else:
                    ids.extend(r[0] for r in cursor.fetchall())
            if connection.vendor == "sqlite":
                _check_consecutive(cursor, ids)
        finally:
            cursor.close()
        return ids


def _check_consecutive(cursor, ids: list[int]) -> None:
    """SQLite numbers the rows of one INSERT consecutively (AUTOINCREMENT, write lock held).

    Reading the ids back row by row (RETURNING) would hand the GIL over a thousand times a
    statement, which the worker pool's threads keep taking; this checks instead that the
    range holds exactly the rows inserted.
    """
    table = connection.ops.quote_name(Person._meta.db_table)
    pk = connection.ops.quote_name(Person._meta.pk.column)
    cursor.execute(f"SELECT count(*) FROM {table} WHERE {pk} BETWEEN ? AND ?", (ids[0], ids[-1]))
    if cursor.fetchone()[0] != len(ids):
        raise RuntimeError("The inserted persons' ids are not consecutive.")


def _db_default(field) -> object:
    return field.get_db_prep_save(field.get_default(), connection)


def existing_keys(*, source: str, keys: Iterable[str]) -> set[str]:
    """Keys already in the registry: the file's own IDs under this source, row hashes anywhere.

    A row hash names the same content whatever the file was called, so it is looked up in
    every source; a file's own ID ("Mã" 17) means something only within its source. Plain
    SQL: the ORM's per-value preparation of ten thousand keys a batch costs more than the
    look-up itself.
    """
    # In order, the look-ups walk the index from one end to the other instead of jumping.
    keys = sorted(keys)
    hashes = [k for k in keys if k.startswith("hash:")]
    own = [k for k in keys if not k.startswith("hash:")]
    table = connection.ops.quote_name(Person._meta.db_table)
    found: set[str] = set()
    with connection.cursor() as cursor:
        for chunk_of, condition in ((hashes, ""), (own, " AND source = %s")):
            for start in range(0, len(chunk_of), _IN_CHUNK):
                chunk = chunk_of[start : start + _IN_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                params = [*chunk, source] if condition else chunk
                cursor.execute(
                    f"SELECT source_id FROM {table} WHERE source_id IN ({marks}){condition}",
                    params,
                )
                found.update(row[0] for row in cursor.fetchall())
    return found


def registry_keys(*, source: str) -> set[str]:
    """Every key `existing_keys` could find for this source: to hold them in memory."""
    persons = Person.all_objects.filter(Q(source_id__startswith="hash:") | Q(source=source))
    return set(persons.exclude(source_id="").values_list("source_id", flat=True).iterator(10_000))


class BatchStore:
    """Stores the outcomes of one job batch by batch and keeps its counts."""

    def __init__(self, *, job: ImportJob, scope: Scope, writer: PersonWriter, actor=None):
        self.job = job
        self.scope = scope
        self.actor = actor
        self.writer = writer
        # 8 bytes an id: a million new persons stay a few megabytes until the linkage.
        self.new_ids = array.array("q")
        self.counts = {
            "rows_read": 0, "rows_stored": 0, "rows_warned": 0, "rows_rejected": 0,
            "rows_skipped": 0, "rows_updated": 0, "repaired_cells": 0, "legacy_cells": 0,
        }  # fmt: skip
        self.reasons: dict[str, int] = dict(job.reasons or {})
        self.keys_in_memory: set[str] | None = None

    def hold_keys_in_memory(self) -> None:
        """From now on, look re-imported rows up in memory, not in the database.

        For a bulk load, which sets Person's `source_id` index aside. The keys of persons
        stored meanwhile by another import are not seen.
        """
        self.keys_in_memory = registry_keys(source=self.job.source)

    @transaction.atomic
    def save(self, outcomes: list[RowResult], *, progress: int, reader_legacy: int = 0) -> None:
        """Store one batch in one transaction, with the job's counts at the end of it.

        `reader_legacy` counts the cells the reader itself converted from TCVN3/VNI.
        """
        counts = self.counts
        counts["rows_read"] += len(outcomes)
        corrections = [o for o in outcomes if not o.rejected and o.lotus_id is not None]
        corrected = self._apply_corrections(corrections)
        candidates = [o for o in outcomes if not o.rejected and o.row_number not in corrected]
        keys = {o.key for o in candidates}
        if self.keys_in_memory is None:
            existing = existing_keys(source=self.job.source, keys=keys)
        else:
            existing = keys & self.keys_in_memory
        seen: set[str] = set()
        new: list[RowResult] = []
        for outcome in outcomes:
            counts["repaired_cells"] += outcome.repaired
            counts["legacy_cells"] += outcome.legacy
            for issue in outcome.issues:
                self.reasons[issue["code"]] = self.reasons.get(issue["code"], 0) + 1
            if outcome.rejected:
                counts["rows_rejected"] += 1
            elif outcome.row_number in corrected:
                counts["rows_updated"] += 1
            elif outcome.key in existing or outcome.key in seen:
                counts["rows_skipped"] += 1
            else:
                seen.add(outcome.key)
                new.append(outcome)
                counts["rows_warned" if outcome.issues else "rows_stored"] += 1
        ids = self.writer.insert([o.row for o in new])
        if self.keys_in_memory is not None:
            self.keys_in_memory |= seen
        self.new_ids.extend(ids)
        person_of = {o.row_number: pk for o, pk in zip(new, ids, strict=True)}
        person_of.update(corrected)
        Through = Person.commune_candidates.through
        Through.objects.bulk_create(
            Through(person_id=person_of[o.row_number], commune_id=commune_id)
            for o in new
            if o.candidates
            for commune_id in o.candidates
        )
        ImportRow.objects.bulk_create(
            (
                ImportRow(
                    job=self.job,
                    row_number=o.row_number,
                    outcome=ImportRow.Outcome.REJECTED if o.rejected else ImportRow.Outcome.WARNED,
                    values=[cell_text(c) for c in o.cells or ()],
                    issues=o.issues,
                    person_id=None if o.rejected else person_of.get(o.row_number),
                )
                for o in outcomes
                if o.issues and (o.rejected or o.row_number in person_of)
            ),
            batch_size=500,
        )
        ImportJob.objects.filter(pk=self.job.pk).update(
            progress=progress,
            reasons=self.reasons,
            **{**counts, "legacy_cells": counts["legacy_cells"] + reader_legacy},
        )

    def _apply_corrections(self, outcomes: list[RowResult]) -> dict[int, int]:
        """Rows of a marked-up file that carry their Lotus ID: correct that person.

        Returns row number → person id for the rows applied. A Lotus ID that is not a live
        person inside the officer's scope is reported, and the row is stored as new.
        """
        if not outcomes:
            return {}
        persons = self.scope.filter(
            Person.objects.filter(pk__in=[o.lotus_id for o in outcomes]),
            province_field="province",
            commune_field="commune",
        ).in_bulk()
        applied: dict[int, int] = {}
        for outcome in outcomes:
            person = persons.get(outcome.lotus_id)
            if person is None:
                vi, en = both_languages(REASONS["lotus_id_unknown"])
                outcome.issues.append(
                    {"column": None, "header": "", "value": str(outcome.lotus_id),
                     "code": "lotus_id_unknown", "severity": "warning", "vi": vi, "en": en}
                )  # fmt: skip
                continue
            values = outcome.values
            for name, value in values.items():
                if name.removesuffix("_id") in PERSON_EDITABLE_FIELDS or name in (
                    "province_id",
                    "cccd_verified",
                    "phone_verified",
                ):
                    setattr(person, name, value)
            for flag in ("cccd_verified", "phone_verified"):
                setattr(person, flag, bool(values.get(flag)))
            if "address_warning" not in values:
                person.address_warning = ""
            fill_derived_fields(person)
            person._history_user = self.actor
            person.save()
            person.commune_candidates.set(outcome.candidates)
            applied[outcome.row_number] = person.pk
        return applied
