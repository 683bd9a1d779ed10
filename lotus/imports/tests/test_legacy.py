import pytest

from lotus.imports.legacy import (
    repair_bytes,
    repair_text,
    tcvn3_to_unicode,
    vni_to_unicode,
)
from lotus.imports.tests.files import cp1258_bytes


def test_tcvn3_to_unicode_converts_a_name():
    assert tcvn3_to_unicode("NguyÔn ThÞ Hoa") == "Nguyễn Thị Hoa"


def test_vni_to_unicode_converts_a_name():
    assert vni_to_unicode("Nguyeãn Thò Hoa") == "Nguyễn Thị Hoa"


@pytest.mark.parametrize(
    ("typed", "expected", "kind"),
    [
        ("NguyÔn ThÞ Hoa", "Nguyễn Thị Hoa", "tcvn3"),
        ("TrÇn ThÞ Thu H»ng", "Trần Thị Thu Hằng", "tcvn3"),
        ("Ph¹m ThÞ Lª", "Phạm Thị Lê", "tcvn3"),
        ("Nguyeãn Thò Hoa", "Nguyễn Thị Hoa", "vni"),
        ("Leâ Thò Mai Höông", "Lê Thị Mai Hương", "vni"),
        ("Xaõ Song Thuaän", "Xã Song Thuận", "vni"),
    ],
)
def test_repair_text_recognises_legacy_fonts(typed, expected, kind):
    assert repair_text(typed) == (expected, kind)


def test_repair_text_keeps_capitals_typed_in_the_capital_font():
    assert repair_text("NGUYÔN THÞ HOA") == ("NGUYỄN THỊ HOA", "tcvn3")


@pytest.mark.parametrize(
    "genuine",
    ["Nguyễn Thị Hoa", "Hà Tú Anh", "Đỗ Thùy Dương", "Ấp Bình Hòa", "José", "Hoa", "Lê Thị Hồng"],
)
def test_repair_text_leaves_genuine_unicode_alone(genuine):
    assert repair_text(genuine) == (genuine, "")


def test_repair_text_composes_decomposed_unicode():
    assert repair_text("Nguye\u0302\u0303n") == ("Nguyễn", "")


def test_repair_bytes_reads_windows_1258_with_combining_marks():
    assert repair_bytes(cp1258_bytes("Nguyễn Thị Hoa, Xã Song Thuận")) == (
        "Nguyễn Thị Hoa, Xã Song Thuận",
        "",
    )


def test_repair_bytes_reads_tcvn3_bytes():
    assert repair_bytes("NguyÔn ThÞ Hoa".encode("cp1252")) == ("Nguyễn Thị Hoa", "tcvn3")
