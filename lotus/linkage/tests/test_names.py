import pytest

from lotus.linkage.names import decode_word, name_keys, normalize_keystrokes


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Nguyeenx Thij Hoaf", "Nguyễn Thị Hòa"),
        ("Nguye64n Thi5 Hoa2", "Nguyễn Thị Hòa"),
        ("Truwowng Thij Huwowng", "Trương Thị Hương"),
        ("Tru7o7ng Thi5 Hu7o7ng", "Trương Thị Hương"),
        ("Ddawngj Thij Lan", "Đặng Thị Lan"),
    ],
)
def test_normalize_keystrokes_undoes_telex_and_vni(typed, expected):
    assert normalize_keystrokes(typed) == expected


@pytest.mark.parametrize("word", ["Sương", "Xuân", "Hoa", "Rơi", "Quyết", "Giang"])
def test_decode_word_leaves_real_syllables_alone(word):
    assert decode_word(word).text.lower() == word.lower()


def test_name_keys_folds_vni_leftover_like_the_correct_name():
    assert name_keys("Nguye4n Thị Hoa").full == name_keys("Nguyễn Thị Hoa").full


def test_name_keys_toned_key_ignores_tone_placement_and_normal_form():
    import unicodedata

    old_style = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    assert name_keys(old_style).given_toned == name_keys("Nguyễn Thị Hòa").given_toned


def test_name_keys_without_tone_marks_has_no_toned_key():
    assert name_keys("NGUYEN THI HOA").given_toned is None


def test_name_keys_reads_thi_hoa_as_middle_and_given():
    keys = name_keys("Thị Hoa")
    assert (keys.family, keys.middle, keys.given) == (None, "thi", "hoa")
