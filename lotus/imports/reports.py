"""What an officer downloads after an import: the error report, and her own rows to fix.

- The error report (CSV, UTF-8 with BOM so Excel opens it right): one line per problem with
  row number, column, value, severity and the reason in Vietnamese and in English.
- The file to fix (XLSX, written with XlsxWriter): her rejected and warned rows as she wrote
  them, the faulty cells highlighted (red: rejected, amber: stored with a warning), a reason
  column, and the Lotus ID of each stored row. Importing the corrected file corrects those
  persons instead of adding them again.
"""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter
from django.db.models import QuerySet

from lotus.imports.models import ImportJob, ImportRow

REPORT_HEADER = [
    "Dòng / Row",
    "Cột / Column",
    "Giá trị / Value",
    "Mức độ / Severity",
    "Lý do",
    "Reason",
]
SEVERITY_LABEL = {"error": "Bị loại / Rejected", "warning": "Cảnh báo / Warning"}
REASON_HEADER = "Lý do / Reason"
LOTUS_ID_HEADER = "Mã Lotus / Lotus ID"


def _rows(job: ImportJob) -> QuerySet[ImportRow]:
    return job.rows.order_by("row_number").only(
        "row_number", "outcome", "values", "issues", "person_id"
    )


def error_report_lines(job: ImportJob) -> Iterator[str]:
    """The error report as CSV text, line by line (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(REPORT_HEADER)
    yield "\ufeff" + flush()
    for row in _rows(job).iterator(chunk_size=2000):
        for issue in row.issues:
            writer.writerow(
                [
                    row.row_number,
                    issue.get("header", ""),
                    issue.get("value", ""),
                    SEVERITY_LABEL.get(issue.get("severity"), ""),
                    issue.get("vi", ""),
                    issue.get("en", ""),
                ]
            )
        yield flush()


def write_error_report(job: ImportJob, path: str | Path) -> None:
    """Write the error report to `path`."""
    with Path(path).open("w", encoding="utf-8", newline="") as file:
        for line in error_report_lines(job):
            file.write(line)


def write_fix_file(job: ImportJob, target) -> None:
    """Write the XLSX of rows to fix to `target` (a path or a binary file object)."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False})
    text = workbook.add_format({"num_format": "@"})
    head = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    rejected = workbook.add_format({"num_format": "@", "bg_color": "#F8C9CE", "border": 1})
    warned = workbook.add_format({"num_format": "@", "bg_color": "#FFE699", "border": 1})
    reason = workbook.add_format({"text_wrap": True, "num_format": "@"})
    sheet = workbook.add_worksheet("Sửa lỗi")
    headers = [str(h) for h in job.headers]
    reason_col = len(headers)
    sheet.write_row(0, 0, [*headers, REASON_HEADER, LOTUS_ID_HEADER], head)
    sheet.set_column(0, reason_col - 1, 16, text)
    sheet.set_column(reason_col, reason_col, 60, reason)
    sheet.freeze_panes(1, 0)
    for excel_row, row in enumerate(_rows(job).iterator(chunk_size=2000), start=1):
        bad = {}
        for issue in row.issues:
            if issue.get("column") is not None:
                severity = issue.get("severity")
                if bad.get(issue["column"]) != "error":
                    bad[issue["column"]] = severity
        values = list(row.values) + [""] * (len(headers) - len(row.values))
        for col, value in enumerate(values[: len(headers)]):
            style = None
            if col in bad:
                style = rejected if bad[col] == "error" else warned
            sheet.write_string(excel_row, col, str(value), style or text)
        reasons = "\n".join(
            [f"Dòng / Row {row.row_number}"]
            + [
                f"{issue.get('header') or '—'}: {issue.get('vi', '')} / {issue.get('en', '')}"
                for issue in row.issues
            ]
        )
        sheet.write_string(excel_row, reason_col, reasons, reason)
        if row.person_id:
            sheet.write_string(excel_row, reason_col + 1, str(row.person_id), text)
    workbook.close()


def fix_file_name(job: ImportJob) -> str:
    """Name of the file to fix; importing it again keeps the job's source name."""
    return f"{job.source}.errors.xlsx"


def error_report_name(job: ImportJob) -> str:
    return f"{job.source}.errors.csv"
