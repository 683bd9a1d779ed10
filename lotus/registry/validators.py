"""Field validators shared by the registry's forms and its bulk import.

Plain functions, cheap enough for a million rows: each returns the cleaned value or raises
ValidationError with a message naming the reason (translated).
"""

import datetime as dt
import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lotus.core.text import fold, normalize_text
from lotus.registry.models import Sex

# Digits 1–3 of a CCCD: the 63 pre-reform province codes (Circular 07/2016/TT-BCA).
CCCD_PROVINCE_CODES = frozenset(
    (
        "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 "
        "034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 "
        "067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
    ).split()
)
_DIGITS = re.compile(r"\D")

# Pre-2018 11-digit mobile prefixes and their 10-digit replacements.
OLD_MOBILE_PREFIXES = {
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039",
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0186": "056", "0188": "058", "0199": "059",
}  # fmt: skip


# Plain str, not the enum members: an import compares, formats and pickles a million sexes,
# and an enum member is looked up and hashed in Python.
FEMALE, MALE = Sex.FEMALE.value, Sex.MALE.value
# Digits 5–6 of a CCCD: the year of birth's last two.
_YEAR_DIGITS = tuple(f"{n:02d}" for n in range(100))


def _digits_only(value: str | None) -> str:
    if value and value.isascii() and value.isdigit():
        return value
    return _DIGITS.sub("", value or "")


def cccd_century_digit(sex: str, birth_year: int) -> str:
    """The 4th CCCD digit for a sex and birth year: 0/1 for 1900s, 2/3 for 2000s, …"""
    century_index = (birth_year // 100) - 19
    return str(century_index * 2 + (1 if sex == FEMALE else 0))


def clean_cccd(value: str, *, sex: str | None = None, birth_year: int | None = None) -> str:
    """Return the 12-digit CCCD or raise ValidationError saying which rule it breaks.

    Checks the province code (digits 1–3), and, when known, the sex and century (digit 4)
    and the birth year (digits 5–6).
    """
    digits = _digits_only(value)
    if len(digits) == 9:
        raise ValidationError(
            _("This is a 9-digit former ID (CMND), not a CCCD; enter it as the CMND."),
            code="cmnd",
        )
    if len(digits) != 12:
        raise ValidationError(
            _("A CCCD has 12 digits; this one has %(n)d."), params={"n": len(digits)}, code="length"
        )
    if digits[:3] not in CCCD_PROVINCE_CODES:
        raise ValidationError(
            _("The first three digits (%(code)s) are not a province code."),
            params={"code": digits[:3]},
            code="province",
        )
    if sex is not None and birth_year is not None:
        if not 1900 <= birth_year <= 2399:
            raise ValidationError(_("Year of birth out of range."), code="year")
        expected = cccd_century_digit(sex, birth_year)
        if digits[3] != expected:
            raise ValidationError(
                _(
                    "The 4th digit (%(got)s) does not match the sex and century of birth "
                    "(expected %(expected)s)."
                ),
                params={"got": digits[3], "expected": expected},
                code="sex_century",
            )
        if digits[4:6] != _YEAR_DIGITS[birth_year % 100]:
            raise ValidationError(
                _("Digits 5–6 (%(got)s) do not match the year of birth (%(year)s)."),
                params={"got": digits[4:6], "year": birth_year},
                code="birth_year",
            )
    return digits


def clean_cmnd(value: str) -> str:
    """Return the 9- or 12-digit former ID card number, digits only."""
    digits = _digits_only(value)
    if len(digits) not in (9, 12):
        raise ValidationError(_("A CMND has 9 digits."), code="length")
    return digits


def _vn_numbers_by_length() -> dict[int, re.Pattern]:
    """Viet Nam's valid national numbers, one pattern per length, from phonenumbers' metadata.

    A number is valid when it fits the general pattern and the pattern of one kind of number
    (mobile, fixed line, toll-free …) that has its length: phonenumbers' own test, compiled
    into one regular expression per length.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("VN")
    general = metadata.general_desc
    every_kind = (
        metadata.mobile, metadata.fixed_line, metadata.toll_free, metadata.premium_rate,
        metadata.shared_cost, metadata.personal_number, metadata.voip, metadata.pager,
        metadata.uan, metadata.voicemail,
    )  # fmt: skip
    kinds = [k for k in every_kind if k is not None and k.national_number_pattern]
    patterns = {}
    for length in general.possible_length:
        fitting = [k.national_number_pattern for k in kinds if length in k.possible_length]
        if fitting:
            either = "|".join(f"(?:{pattern})" for pattern in fitting)
            general_fits = f"(?=(?:{general.national_number_pattern})$)"
            patterns[length] = re.compile(f"{general_fits}(?:{either})")
    return patterns


_VN_NUMBERS = _vn_numbers_by_length()


def _is_valid_vn_national(national: str) -> bool:
    """phonenumbers' validity test for a Vietnamese national number, without its parse.

    Its parse costs ~40 µs a number, most of an import's validation; this is the same test.
    """
    pattern = _VN_NUMBERS.get(len(national))
    return (
        pattern is not None
        and national.isascii()
        and national[:1] != "0"
        and pattern.fullmatch(national) is not None
    )


def clean_phone(value: str) -> str:
    """Return the phone in E.164 (+84…), converting pre-2018 11-digit mobiles."""
    raw = (value or "").strip()
    digits = _digits_only(raw)
    if raw.startswith("+84") or (digits.startswith("84") and len(digits) >= 11):
        digits = "0" + digits[2:]
    elif digits and not digits.startswith("0") and len(digits) in (9, 10):
        # Spreadsheets drop the leading zero of a number stored as a number.
        digits = "0" + digits
    if len(digits) == 11 and digits[:4] in OLD_MOBILE_PREFIXES:
        digits = OLD_MOBILE_PREFIXES[digits[:4]] + digits[4:]
    if digits[:1] == "0" and _is_valid_vn_national(digits[1:]):
        return "+84" + digits[1:]
    # Anything else takes phonenumbers' whole parse, which also words the error.
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Not a phone number."), code="invalid") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Not a valid Vietnamese phone number."), code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class BirthDate:
    date: dt.date | None
    year: int
    precision: str  # "day" or "year"


_DATE_PARTS = re.compile(r"^\s*(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def clean_birth_date(value: str | dt.date, *, today: dt.date | None = None) -> BirthDate:
    """Read a day-first date (dd/mm/yyyy, with / . - or space) or a year alone."""
    today = today or dt.date.today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        found = value
    else:
        text = str(value or "")
        if match := _YEAR.match(text):
            year = int(match.group(1))
            if not 1900 <= year <= today.year:
                raise ValidationError(
                    _("Year of birth %(year)s is out of range."),
                    params={"year": year},
                    code="range",
                )
            return BirthDate(None, year, "year")
        if match := _DATE_PARTS.match(text):
            day, month, year = (int(g) for g in match.groups())
        elif match := _ISO_DATE.match(text):
            year, month, day = (int(g) for g in match.groups())
        else:
            raise ValidationError(
                _("Write the date as dd/mm/yyyy, or the year alone."), code="format"
            )
        try:
            found = dt.date(year, month, day)
        except ValueError as exc:
            raise ValidationError(_("This date does not exist."), code="invalid") from exc
    if not dt.date(1900, 1, 1) <= found <= today:
        raise ValidationError(_("Date of birth out of range."), code="range")
    return BirthDate(found, found.year, "day")


@dataclass(frozen=True)
class NameParts:
    full_name: str
    family_name: str
    middle_name: str
    given_name: str
    name_key: str


def clean_full_name(value: str) -> NameParts:
    """Split a name written in Vietnamese order: family, middle name(s), given name."""
    full = normalize_text(value)
    if not full or not any(ch.isalpha() for ch in full):
        raise ValidationError(_("A name is required."), code="required")
    words = full.split(" ")
    if len(words) == 1:
        family, middle, given = "", "", words[0]
    else:
        family, middle, given = words[0], " ".join(words[1:-1]), words[-1]
    return NameParts(full, family, middle, given, fold(full))


_SEX_WORDS = {
    "f": Sex.FEMALE, "female": Sex.FEMALE, "nu": Sex.FEMALE, "nữ": Sex.FEMALE, "woman": Sex.FEMALE,
    "m": Sex.MALE, "male": Sex.MALE, "nam": Sex.MALE, "man": Sex.MALE,
}  # fmt: skip


def clean_sex(value: str) -> str:
    """Read Nữ/Nam, F/M, female/male (any case, with or without tone marks)."""
    key = fold(str(value or ""))
    if key in _SEX_WORDS:
        return _SEX_WORDS[key].value  # plain str: cheaper to format and pickle than the enum
    raise ValidationError(_("Write the sex as Nữ or Nam."), code="invalid")
