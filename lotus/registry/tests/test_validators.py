import datetime as dt
import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from lotus.registry.validators import (
    OLD_MOBILE_PREFIXES,
    cccd_century_digit,
    clean_birth_date,
    clean_cccd,
    clean_cmnd,
    clean_full_name,
    clean_phone,
    clean_sex,
)


def _code(func, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value.code


def test_clean_cccd_accepts_a_consistent_number():
    assert clean_cccd("079 190 001 234", sex="F", birth_year=1990) == "079190001234"


def test_clean_cccd_rejects_wrong_length():
    assert _code(clean_cccd, "07919000123") == "length"


def test_clean_cccd_points_a_nine_digit_number_to_cmnd():
    assert _code(clean_cccd, "012345678") == "cmnd"


def test_clean_cccd_rejects_unknown_province_code():
    assert _code(clean_cccd, "003190001234") == "province"


def test_clean_cccd_rejects_fourth_digit_disagreeing_with_sex():
    assert _code(clean_cccd, "079090001234", sex="F", birth_year=1990) == "sex_century"


def test_clean_cccd_rejects_fourth_digit_disagreeing_with_century():
    assert _code(clean_cccd, "079190001234", sex="F", birth_year=2001) == "sex_century"


def test_clean_cccd_rejects_digits_five_six_disagreeing_with_birth_year():
    assert _code(clean_cccd, "079185001234", sex="F", birth_year=1990) == "birth_year"


@pytest.mark.parametrize(
    ("sex", "year", "digit"),
    [("M", 1950, "0"), ("F", 1999, "1"), ("M", 2000, "2"), ("F", 2015, "3"), ("F", 2100, "5")],
)
def test_cccd_century_digit_follows_circular_07(sex, year, digit):
    assert cccd_century_digit(sex, year) == digit


def test_clean_cmnd_keeps_nine_digits():
    assert clean_cmnd("012 345 678") == "012345678"


def test_clean_phone_stores_e164():
    assert clean_phone("0912 345 678") == "+84912345678"


def test_clean_phone_converts_pre_2018_eleven_digit_mobile():
    assert clean_phone("01662345678") == "+84362345678"


def test_clean_phone_treats_plus84_and_leading_zero_alike():
    assert clean_phone("+84912345678") == clean_phone("0912345678")


def test_clean_phone_restores_leading_zero_lost_by_a_spreadsheet():
    assert clean_phone("912345678") == "+84912345678"


def test_clean_phone_rejects_garbage():
    assert _code(clean_phone, "12345") == "invalid"


def _full_parse(national: str) -> str | None:
    try:
        number = phonenumbers.parse(national, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_clean_phone_agrees_with_phonenumbers_on_every_prefix():
    rng = random.Random(5)
    numbers = [
        f"0{prefix:03d}{rng.randrange(10**tail):0{tail}d}"
        for prefix in range(1000)
        for tail in (3, 4, 5, 6, 7)
        for _ in range(3)
    ]
    for national in numbers:
        if len(national) == 11 and national[:4] in OLD_MOBILE_PREFIXES:
            continue  # converted before validation, tested above
        expected = _full_parse(national)
        if expected is None:
            assert _code(clean_phone, national) == "invalid", national
        else:
            assert clean_phone(national) == expected, national


def test_clean_birth_date_reads_day_first():
    assert clean_birth_date("03/04/1990").date == dt.date(1990, 4, 3)


def test_clean_birth_date_accepts_other_separators():
    assert clean_birth_date("03.04.1990").date == dt.date(1990, 4, 3)
    assert clean_birth_date("03-04-1990").date == dt.date(1990, 4, 3)


def test_clean_birth_date_accepts_year_only():
    birth = clean_birth_date("1975")
    assert (birth.date, birth.year, birth.precision) == (None, 1975, "year")


def test_clean_birth_date_rejects_impossible_date():
    assert _code(clean_birth_date, "31/02/1990") == "invalid"


def test_clean_birth_date_rejects_future_date():
    assert _code(clean_birth_date, "01/01/2090") == "range"


def test_clean_full_name_splits_vietnamese_order():
    name = clean_full_name("  Nguyễn   Thị Minh Khai ")
    assert (name.family_name, name.middle_name, name.given_name) == ("Nguyễn", "Thị Minh", "Khai")
    assert name.name_key == "nguyen thi minh khai"


def test_clean_full_name_requires_letters():
    assert _code(clean_full_name, " 123 ") == "required"


@pytest.mark.parametrize("value", ["Nữ", "nu", "F", "female"])
def test_clean_sex_reads_female(value):
    assert clean_sex(value) == "F"
