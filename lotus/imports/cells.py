"""Cells as spreadsheets damage them, read back where the reading is certain.

Excel stores an ID or a phone typed without a leading apostrophe as a number: the leading zero
goes, a long one may come back as 7.9190001234E+10 or 79190001234.0, and people type dots and
spaces between digit groups. Dates come as serial numbers (days since 30/12/1899 in the 1900
date system) or with whatever separator the typist liked. Each reader returns the text to give
the registry's validators, and a note when it changed anything.
"""

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

# The 1900 date system counts 1 for 1/1/1900 and wrongly has a 29/02/1900 (serial 60), so
# day 0 is 30/12/1899 for every serial from 61 on.
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serials of dates from 1/1/1900 to 31/12/2199 (far beyond any birth date, below any 8-digit
# ddmmyyyy number).
_SERIAL_MIN, _SERIAL_MAX = 1, 109_574

_NUMBER_LIKE = re.compile(r"^\s*[+]?\d[\d\s.,'’\-]*\s*$")
_FLOAT_TEXT = re.compile(r"^\s*(\d+)\.0+\s*$")
_SCIENTIFIC = re.compile(r"^\s*\d+(?:[.,]\d+)?[eE][+]?\d+\s*$")
_NON_DIGITS = re.compile(r"\D")
_DATE_WORDS = re.compile(r"\D+")
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$")
# The forms clean_birth_date reads as they are.
_DATE_STANDARD = re.compile(r"^\s*\d{1,2}\s*[/.\-\s]\s*\d{1,2}\s*[/.\-\s]\s*\d{4}\s*$")
_DIGITS8 = re.compile(r"^\s*(\d{8})\s*$")
_SERIAL_TEXT = re.compile(r"^\s*(\d{1,6})(?:\.0+)?\s*$")
_YEAR_TEXT = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*$")


def cell_text(value: object) -> str:
    """A cell as text: whole floats lose their '.0', dates are written day-first."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() else value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def read_digits(value: object) -> tuple[str, str]:
    """Digits of an ID or phone cell, and a note when the cell had to be repaired.

    Returns ("", "") for an empty cell. Text that is not number-like comes back unchanged for
    the validator to refuse. A number in scientific notation has lost its last digits unless
    the mantissa carries them all: such a cell is returned as "" with the note "lost".
    """
    if value is None:
        return "", ""
    if value.__class__ is str and value.isascii() and value.isdigit():
        return value, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return cell_text(value), ""
        return str(int(value)), "number"
    text = str(value).strip()
    if not text:
        return "", ""
    if match := _FLOAT_TEXT.match(text):
        return match.group(1), "number"
    if _SCIENTIFIC.match(text):
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return text, ""
        if number != number.to_integral_value():
            return text, ""
        digits = str(int(number))
        mantissa_digits = len(_NON_DIGITS.sub("", text.lower().split("e")[0]))
        # 7.9190001234E+10 keeps all eleven digits; 7.91900E+10 does not.
        if mantissa_digits < len(digits):
            return "", "lost"
        return digits, "number"
    if text.startswith("'"):
        text = text[1:]
    if _NUMBER_LIKE.match(text):
        digits = _NON_DIGITS.sub("", text)
        keep_plus = "+" if text.lstrip().startswith("+") else ""
        return keep_plus + digits, (
            "separators" if len(digits) != len(text) - len(keep_plus) else ""
        )
    return text, ""


def excel_serial_date(serial: float) -> dt.date | None:
    """The date of a 1900-system serial number, or None when it is out of range or ambiguous.

    Serial 60 is Excel's phantom 29/02/1900; serials below 61 are a day off from our epoch.
    """
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX or serial == 60:
        return None
    days = int(serial)
    if days < 60:
        days += 1
    return EXCEL_EPOCH + dt.timedelta(days=days)


def read_date(value: object, *, today: dt.date) -> tuple[object, str]:
    """A birth-date cell made ready for `clean_birth_date`, and a note when it was repaired.

    Returns a date, a "yyyy" year, a "dd/mm/yyyy" text, or the text unchanged (for the
    validator to refuse). Notes: "serial" (spreadsheet serial number), "separators" (other
    separators or words), "compact" (ddmmyyyy written without separators).
    """
    if value is None:
        return "", ""
    if isinstance(value, dt.datetime):
        return value.date(), ""
    if isinstance(value, dt.date):
        return value, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 1900 <= number <= today.year:
            return str(int(number)), ""
        found = excel_serial_date(number)
        return (found, "serial") if found else (cell_text(value), "")
    text = str(value).strip()
    if not text:
        return "", ""
    if match := _YEAR_TEXT.match(text):
        year = int(match.group(1))
        if 1900 <= year <= today.year:
            return str(year), ""
    if match := _SERIAL_TEXT.match(text):
        found = excel_serial_date(int(match.group(1)))
        return (found, "serial") if found else (text, "")
    if match := _DIGITS8.match(text):
        return _read_compact(match.group(1), text)
    if _DATE_STANDARD.match(text):
        return text, ""
    parts = [p for p in _DATE_WORDS.split(text) if p]
    if len(parts) == 3:
        first, month, last = parts
        if len(last) == 4 and len(first) <= 2 and len(month) <= 2:
            return f"{int(first):02d}/{int(month):02d}/{last}", "separators"
        if len(first) == 4 and len(month) <= 2 and len(last) <= 2:
            note = "" if _ISO_DATE.match(text) else "separators"
            return f"{int(last):02d}/{int(month):02d}/{first}", note
    return text, ""


def _read_compact(digits: str, text: str) -> tuple[object, str]:
    """ddmmyyyy or yyyymmdd written as eight digits: repaired only when one reading exists."""
    readings = []
    for day, month, year in (
        (digits[:2], digits[2:4], digits[4:]),
        (digits[6:], digits[4:6], digits[:4]),
    ):
        try:
            readings.append(dt.date(int(year), int(month), int(day)))
        except ValueError:
            continue
    plausible = [d for d in readings if d.year >= 1900]
    if len(set(plausible)) == 1:
        return plausible[0], "compact"
    return text, ""
