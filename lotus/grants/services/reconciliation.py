"""Reconciliation: reading a channel's result file back into the payment lines.

A result file (CSV or XLSX) has one line per payment: its reference, paid or failed, and
optionally the amount, the date and a note. Every line of the file is kept as a
ReconciliationRow with its outcome — applied, already recorded, unmatched, conflicting or
unreadable — so nothing is silently dropped. Importing the same file again changes nothing
(the same bytes are recognised; a different file repeating results finds them recorded).

The cycle row is locked for the whole import (select_for_update), so two imports run one
after the other on PostgreSQL; on top of that, the partial unique constraint
`one_successful_payment_per_person_per_cycle` makes a second success for the same woman
impossible whatever the code does. The cycle's paid total is recomputed from the lines in
the same transaction, so it always equals the sum of successful payments.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from lotus.accounts.models import User
from lotus.core.db import roomy_sqlite
from lotus.core.text import fold
from lotus.grants.models import Cycle, PaymentLine, ReconciliationImport, ReconciliationRow
from lotus.grants.services.payments import assert_can_pay

HEADER_ALIASES = {
    "reference": {"reference", "payment reference", "ref", "ma thanh toan", "ma tham chieu"},
    "status": {"status", "result", "trang thai", "ket qua"},
    "amount": {"amount", "amount (vnd)", "so tien", "so tien (vnd)"},
    "date": {"date", "paid on", "ngay", "ngay tra", "ngay chi tra"},
    "note": {"note", "reason", "ghi chu", "ly do"},
}
PAID_WORDS = {"paid", "success", "successful", "ok", "done", "da tra", "thanh cong", "da chi"}
FAILED_WORDS = {"failed", "fail", "error", "rejected", "that bai", "khong thanh cong", "loi"}
CHUNK = 5000


@dataclass
class ResultLine:
    row_number: int
    reference: str
    status: str  # "paid", "failed" or the unreadable text
    amount: int | None
    paid_on: dt.date | None
    note: str
    readable: bool


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _parse_date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    return None


def _table(filename: str, content: bytes) -> list[list]:
    if filename.lower().endswith((".xlsx", ".xls", ".ods")):
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text or an Excel workbook.")) from None
    dialect = csv.excel
    with contextlib.suppress(csv.Error):  # one column or odd quoting: keep plain commas
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    return list(csv.reader(io.StringIO(text), dialect))


def parse_result_file(filename: str, content: bytes) -> list[ResultLine]:
    """Read a result file into lines; a line that cannot be read is kept, marked unreadable.

    Raises:
        ValidationError: the file has no reference or status column.
    """
    table = _table(filename, content)
    if not table:
        raise ValidationError(_("The file is empty."))
    header = [fold(_cell_text(cell)) for cell in table[0]]
    columns: dict[str, int] = {}
    for key, aliases in HEADER_ALIASES.items():
        for index, name in enumerate(header):
            if name in aliases:
                columns[key] = index
                break
    if "reference" not in columns or "status" not in columns:
        raise ValidationError(_("The file needs a reference column and a status column."))
    lines = []
    for number, row in enumerate(table[1:], start=2):
        cells = [_cell_text(c) for c in row]
        if not any(cells):
            continue

        def cell(key: str, cells=cells) -> str:
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else ""

        status_word = fold(cell("status"))
        status = (
            "paid" if status_word in PAID_WORDS else "failed" if status_word in FAILED_WORDS else ""
        )
        amount_text = cell("amount").replace(".", "").replace(",", "").replace(" ", "")
        amount = int(amount_text) if amount_text.isdigit() else None
        reference = cell("reference").upper()
        readable = bool(reference and status) and (not cell("amount") or amount is not None)
        lines.append(
            ResultLine(
                row_number=number,
                reference=reference[:40],
                status=status or cell("status")[:20],
                amount=amount,
                paid_on=_parse_date(cell("date")) if cell("date") else None,
                note=cell("note")[:300],
                readable=readable,
            )
        )
    return lines


def _outcome(line: ResultLine, state: dict, paid_persons: set[int]) -> tuple[str, str]:
    """Decide one line's outcome against the current state; update the state if applied."""
    Outcome = ReconciliationRow.Outcome
    if not line.readable:
        return Outcome.INVALID, _("Reference, status or amount cannot be read.")
    found = state.get(line.reference)
    if found is None:
        return Outcome.UNMATCHED, ""
    if line.amount is not None and line.amount != found["amount"]:
        return Outcome.CONFLICT, _("Amount differs from the issued amount.")
    current = found["status"]
    if current == line.status:
        return Outcome.UNCHANGED, ""
    if current != PaymentLine.Status.ISSUED:
        return Outcome.CONFLICT, _("Recorded as %(status)s already.") % {"status": current}
    if line.status == "paid":
        if found["person_id"] in paid_persons:
            return Outcome.CONFLICT, _("This woman is already paid in this cycle.")
        paid_persons.add(found["person_id"])
        found["status"] = PaymentLine.Status.PAID
        return Outcome.PAID, ""
    found["status"] = PaymentLine.Status.FAILED
    return Outcome.FAILED, ""


ROW_COLUMNS = (
    "source_id", "row_number", "reference", "reported_status", "reported_amount", "paid_on",
    "note", "outcome", "line_id",
)  # fmt: skip


def _insert_rows(rows: list[tuple]) -> None:
    """Write the file's lines with executemany: a result file can hold 100,000 of them."""
    table = connection.ops.quote_name(ReconciliationRow._meta.db_table)
    columns = ", ".join(ROW_COLUMNS)
    marks = ", ".join(["%s"] * len(ROW_COLUMNS))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows[start : start + CHUNK]
            )


def _apply(source: ReconciliationImport, outcome: str, status: str) -> int:
    """One UPDATE … FROM: the lines this import settled take their status, date and note."""
    quote = connection.ops.quote_name
    line, row = quote(PaymentLine._meta.db_table), quote(ReconciliationRow._meta.db_table)
    sql = f"""
        UPDATE {line} SET status = %s, result_on = r.paid_on, result_note = r.note
        FROM {row} r
        WHERE r.source_id = %s AND r.outcome = %s AND r.line_id = {line}.id
            AND {line}.status = %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [status, source.pk, outcome, PaymentLine.Status.ISSUED])
        return cursor.rowcount


@transaction.atomic
def reconciliation_import(
    *, actor: User, cycle: Cycle, filename: str, content: bytes
) -> ReconciliationImport:
    """Apply a channel's result file to the cycle's payment lines; return the import record.

    The same file imported again returns the first import and changes nothing.

    Raises:
        PermissionDenied: the actor may neither run programmes nor approve payments.
        ValidationError: the cycle is not paying out, or the file cannot be read.
    """
    assert_can_pay(actor)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status not in (Cycle.Status.ISSUED, Cycle.Status.RECONCILED):
        raise ValidationError(_("Results can be imported only after the list is issued."))
    digest = hashlib.sha256(content).hexdigest()
    earlier = ReconciliationImport.objects.filter(cycle=cycle, sha256=digest).first()
    if earlier is not None:
        earlier.already_imported = True
        return earlier
    lines = parse_result_file(filename, content)
    state = {
        reference: {"pk": pk, "status": status, "person_id": person_id, "amount": amount}
        for reference, pk, status, person_id, amount in PaymentLine.objects.filter(
            cycle=cycle
        ).values_list("reference", "pk", "status", "person_id", "amount")
    }
    paid_persons = set(
        PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.PAID).values_list(
            "person_id", flat=True
        )
    )
    source = ReconciliationImport.objects.create(
        cycle=cycle, filename=filename[:200], sha256=digest, imported_by=actor
    )
    counts = dict.fromkeys(ReconciliationRow.Outcome.values, 0)
    rows = []
    adapt = connection.ops.adapt_datefield_value
    for line in lines:
        outcome, note = _outcome(line, state, paid_persons)
        counts[outcome] += 1
        found = state.get(line.reference) if outcome != ReconciliationRow.Outcome.INVALID else None
        rows.append(
            (
                source.pk, line.row_number, line.reference, line.status, line.amount,
                adapt(line.paid_on), (line.note or note)[:300], outcome,
                found["pk"] if found else None,
            )
        )  # fmt: skip
    with roomy_sqlite():
        _insert_rows(rows)
        _apply(source, ReconciliationRow.Outcome.PAID, PaymentLine.Status.PAID)
        _apply(source, ReconciliationRow.Outcome.FAILED, PaymentLine.Status.FAILED)
    paid = PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.PAID)
    cycle.paid_count = paid.count()
    cycle.total_paid = paid.aggregate(total=Sum("amount"))["total"] or 0
    cycle.save(update_fields=["paid_count", "total_paid"])
    source.rows_total = len(rows)
    source.paid_applied = counts["paid"]
    source.failed_applied = counts["failed"]
    source.unchanged = counts["unchanged"]
    source.unmatched = counts["unmatched"]
    source.conflicts = counts["conflict"] + counts["invalid"]
    source.save()
    source.already_imported = False
    return source
