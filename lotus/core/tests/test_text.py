import unicodedata

from lotus.core.text import compact_key, fold, normalize_text


def test_fold_strips_tone_marks_and_lowercases():
    assert fold("Nguyễn Thị Hoa") == "nguyen thi hoa"


def test_fold_maps_d_stroke_to_d():
    assert fold("Đặng Đình") == "dang dinh"


def test_fold_gives_same_key_for_nfd_input():
    assert fold(unicodedata.normalize("NFD", "Nguyễn Thị Hoà")) == fold("Nguyễn Thị Hoà")


def test_fold_gives_same_key_for_old_and_new_tone_placement():
    assert fold("Hòa") == fold("Hoà")
    assert fold("Thủy") == fold("Thuỷ")


def test_normalize_text_composes_and_collapses_spaces():
    assert normalize_text(unicodedata.normalize("NFD", "  Lê   Thị ")) == "Lê Thị"


def test_compact_key_drops_spaces_and_punctuation():
    assert compact_key("Xã Song Thuận, ") == "xasongthuan"
