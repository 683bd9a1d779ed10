import datetime as dt

import pytest

from lotus.imports.cells import cell_text, excel_serial_date, read_date, read_digits

TODAY = dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (79190001234.0, ("79190001234", "number")),
        ("79190001234.0", ("79190001234", "number")),
        ("7.9190001234E+10", ("79190001234", "number")),
        ("079 190 001 234", ("079190001234", "separators")),
        ("079.190.001.234", ("079190001234", "separators")),
        ("0912-345-678", ("0912345678", "separators")),
        ("'0912345678", ("0912345678", "")),
        ("", ("", "")),
        (None, ("", "")),
    ],
)
def test_read_digits_repairs_spreadsheet_damage(cell, expected):
    assert read_digits(cell) == expected


def test_read_digits_refuses_a_number_that_lost_digits():
    assert read_digits("7.91900E+10") == ("", "lost")


def test_read_digits_leaves_text_for_the_validator():
    assert read_digits("không có") == ("không có", "")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (31213, (dt.date(1985, 6, 15), "serial")),
        (31213.0, (dt.date(1985, 6, 15), "serial")),
        ("31213", (dt.date(1985, 6, 15), "serial")),
        ("15_06_1985", ("15/06/1985", "separators")),
        ("ngày 15 tháng 6 năm 1985", ("15/06/1985", "separators")),
        ("15061985", (dt.date(1985, 6, 15), "compact")),
        ("19850615", (dt.date(1985, 6, 15), "compact")),
        ("15/06/1985", ("15/06/1985", "")),
        ("1985-06-15", ("15/06/1985", "")),
        ("1985", ("1985", "")),
        (1985.0, ("1985", "")),
        (dt.datetime(1985, 6, 15), (dt.date(1985, 6, 15), "")),
    ],
)
def test_read_date_reads_what_spreadsheets_write(cell, expected):
    assert read_date(cell, today=TODAY) == expected


def test_read_date_leaves_a_two_digit_year_unrepaired():
    assert read_date("15/06/85", today=TODAY) == ("15/06/85", "")


def test_excel_serial_date_skips_the_phantom_leap_day():
    assert excel_serial_date(59) == dt.date(1900, 2, 28)
    assert excel_serial_date(60) is None
    assert excel_serial_date(61) == dt.date(1900, 3, 1)


def test_cell_text_drops_the_float_tail_of_whole_numbers():
    assert cell_text(912345678.0) == "912345678"
