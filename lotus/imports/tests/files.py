"""Small files of persons written the ways officers' files come, for the tests."""

import csv
import io
import json
import unicodedata
from pathlib import Path

import xlsxwriter

HEADERS = [
    "STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Số điện thoại", "Xã/Phường",
    "Tỉnh/Thành phố",
]  # fmt: skip
GOOD_ROW = [
    "1", "Nguyễn Thị Hoa", "15/06/1985", "Nữ", "082185000123", "0912345678", "Xã Kim Sơn",
    "Đồng Tháp",
]  # fmt: skip
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def row(**changes) -> list[str]:
    """GOOD_ROW with some cells changed, by header: row(**{"Họ và tên": "Trần Thị Lan"})."""
    cells = list(GOOD_ROW)
    for header, value in changes.items():
        cells[HEADERS.index(header)] = value
    return cells


def csv_text(rows: list[list], headers: list[str] = HEADERS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def cp1258_bytes(text: str) -> bytes:
    """Text as Windows-1258 writes it: base letters precomposed, tone marks combining."""
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def legacy_bytes(text: str, kind: str) -> bytes:
    """Text as typed with a TCVN3 (.VnTime) or VNI font and saved by Excel as an ANSI file."""
    from lotus.imports import legacy

    if kind == "tcvn3":
        table = {ch: legacy._CP1252_CHARS[b] for b, ch in legacy._TCVN3_BYTES.items()}
    else:
        table = {ch: seq for seq, ch in sorted(legacy._VNI_PAIRS.items(), key=lambda p: -len(p[0]))}
    typed = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFC", text))
    return typed.encode("cp1252")


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8", headers=HEADERS) -> Path:
    text = csv_text(rows, headers)
    if encoding in ("tcvn3", "vni"):
        path.write_bytes(legacy_bytes(text, encoding))
    elif encoding == "cp1258":
        path.write_bytes(cp1258_bytes(text))
    else:
        path.write_text(text, encoding=encoding, newline="")
    return path


def write_xlsx(path: Path, rows: list[list], headers: list[str] = HEADERS) -> Path:
    """Cells keep their Python type: numbers and dates are written as Excel writes them."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, headers)
    for r, cells in enumerate(rows, start=1):
        for c, value in enumerate(cells):
            if hasattr(value, "year"):
                sheet.write_datetime(r, c, value, date_format)
            else:
                sheet.write(r, c, value)
    workbook.close()
    return path


def write_json(path: Path, submissions: list[dict], *, wrap: str = "") -> Path:
    data = {"count": len(submissions), wrap: submissions} if wrap else submissions
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
