"""One row of an officer's file → a person to store, or the reasons it cannot be one.

Two kinds of fault. A row that cannot be a person (no name, no readable birth year, no place,
or a place outside the officer's scope) is rejected. A faulty field (a CCCD failing its checks,
an invalid phone, a commune that needs a choice) keeps the person: the field is stored as
entered and marked unverified, and the row is reported with a warning. Every value goes through
the registry's own validators (lotus.registry.validators), the functions its forms call.

The validator holds no database connection: placements come from the geography's in-memory
index, so it runs as well in a worker process as in the importer.
"""

import datetime as dt
import hashlib
import re
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from lotus.accounts.selectors import Scope
from lotus.core.text import compact_key
from lotus.geo.selectors import PlacementStatus, place_address
from lotus.imports.cells import cell_text, read_date, read_digits
from lotus.imports.legacy import repair_text
from lotus.imports.models import ColumnField
from lotus.registry.ethnicities import ETHNIC_GROUPS
from lotus.registry.models import Person
from lotus.registry.validators import (
    FEMALE,
    MALE,
    BirthDate,
    clean_birth_date,
    clean_cccd,
    clean_cmnd,
    clean_full_name,
    clean_phone,
    clean_sex,
)

# The column names as plain str: the validator looks them up ~20 times a row, and an enum
# member hashes in Python.
F = types.SimpleNamespace(**{field.name: field.value for field in ColumnField})
ERROR, WARNING = "error", "warning"

REASONS = {
    "name_missing": _("No name: a row without a name cannot be a person."),
    "birth_missing": _("No date or year of birth."),
    "birth_invalid": _("The date of birth cannot be read, and no year of birth either."),
    "birth_year_only": _("The date of birth cannot be read; only the year was kept."),
    "place_missing": _("No place: a person needs at least a province."),
    "place_not_found": _("The address could not be placed in a commune or province of today."),
    "place_ambiguous": _("The address fits communes of several provinces: write the province."),
    "place_choice": _("Several communes are possible: the person is stored, choose one."),
    "province_only": _("The commune was not recognised: the person is stored in the province."),
    "out_of_scope": _("This place is outside the communes you may import into."),
    "cccd_invalid": _("The CCCD fails its checks: stored as written, unverified."),
    "cmnd_invalid": _("The CMND is not 9 digits: stored as written."),
    "phone_invalid": _("Not a valid phone number: stored as written, unverified."),
    "digits_lost": _(
        "The spreadsheet wrote this number in scientific notation and lost its last digits."
    ),
    "sex_invalid": _("The sex cannot be read: recorded as female, check it."),
    "ethnicity_unknown": _("Unknown ethnic group: left empty."),
    "lotus_id_unknown": _("This Lotus ID is not a person you may correct: row stored as new."),
}

_ETHNICITIES: dict[str, str] = {}
for _code, _name in ETHNIC_GROUPS:
    _ETHNICITIES[compact_key(_name)] = _code
    _ETHNICITIES[_code] = _code
    _ETHNICITIES[str(int(_code))] = _code
_ETHNICITIES.update(
    {
        "viet": "01", "khmer": "05", "hmong": "08", "mong": "08", "ede": "12", "bana": "13",
        "giarai": "10", "jrai": "10", "xodang": "14", "sedang": "14", "coho": "16", "cham": "17",
        "raglai": "21", "stieng": "22", "bru": "23", "vankieu": "23", "katu": "26", "taoi": "31",
        "khmu": "29",
    }
)  # fmt: skip
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_CACHE_LIMIT = 100_000
# Hex digits of the row hash kept (96 bits): no collision in any registry, a shorter index.
HASH_CHARS = 24
# What a row's hash is taken of: the fields the others are derived from (the name's parts
# from the full name, the checks from the values). Changing this changes every stored hash,
# so that re-importing a file imported before would store its rows again.
CONTENT_FIELDS = (
    "full_name", "birth_date", "birth_year", "sex", "cccd", "cmnd", "phone", "ethnicity",
    "commune_id", "province_id", "address_text",
)  # fmt: skip
_CONTENT_FORMAT = "\x1f".join(["%s"] * len(CONTENT_FIELDS))
# Person's fields a row of a file can set; the others keep the model's defaults.
PERSON_FIELDS = (
    "full_name", "family_name", "middle_name", "given_name", "name_key", "birth_date",
    "birth_year", "birth_date_precision", "sex", "cccd", "cccd_verified", "cmnd", "phone",
    "phone_verified", "ethnicity", "commune_id", "province_id", "address_text",
    "address_warning",
)  # fmt: skip


def both_languages(message, params: dict | None = None) -> tuple[str, str]:
    """A (lazy) message rendered in Vietnamese and in English."""
    rendered = []
    for language in ("vi", "en"):
        with translation.override(language):
            text = str(message)
            rendered.append(text % params if params else text)
    return rendered[0], rendered[1]


@dataclass(slots=True)
class RowOutcome:
    """What became of one row: the person's values, or the reasons it was rejected."""

    row_number: int
    values: dict | None  # Person attname → value; None when rejected
    key: str = ""  # source_id: the file's own ID, or "hash:<sha1>" of the row
    lotus_id: int | None = None
    candidates: tuple[int, ...] = ()
    issues: list[dict] = field(default_factory=list)
    cells: list | None = None  # the row as read, kept only when there are issues
    repaired: int = 0
    legacy: int = 0


class RowResult(NamedTuple):
    """A validated row as the store takes it (a tuple: cheap to send back from a worker)."""

    row_number: int
    row: list | None  # Person's columns ready to insert; None when rejected
    key: str
    lotus_id: int | None
    values: dict | None  # kept only for a row that corrects a stored person
    candidates: tuple[int, ...]
    issues: list[dict]
    cells: list | None
    repaired: int
    legacy: int

    @property
    def rejected(self) -> bool:
        return self.row is None


_messages: dict[tuple, tuple[str, str]] = {}


def _rendered(message, params) -> tuple[str, str]:
    """both_languages, memoised: a file repeats the same few reasons thousands of times."""
    key = (str(getattr(message, "_proxy____args", (message,))[0]), repr(params))
    found = _messages.get(key)
    if found is None:
        if len(_messages) > _CACHE_LIMIT:
            _messages.clear()
        found = _messages[key] = both_languages(message, params)
    return found


class RowValidator:
    """Validates the rows of one file against one column mapping and one officer's scope."""

    def __init__(
        self,
        *,
        headers: list[str],
        mapping: list[str | None],
        scope: Scope,
        source_id_column: str = "",
        today: dt.date | None = None,
        build_row: Callable[[dict, str], list] | None = None,
    ):
        self.headers = headers
        # Turns a person's values and key into the row to insert (see storage.PersonWriter).
        self.build_row = build_row or (lambda values, key: values)
        self.scope = scope
        self.today = today or dt.date.today()
        self.columns: dict[str, int] = {}
        for index, name in enumerate(mapping):
            if name and name not in self.columns:
                self.columns[name] = index
        if source_id_column:
            wanted = source_id_column.strip().casefold()
            for index, header in enumerate(headers):
                if str(header).strip().casefold() == wanted:
                    self.columns[F.SOURCE_ID] = index
                    break
        self.has_sex_column = F.SEX in self.columns
        self._names: dict[str, object] = {}
        self._dates: dict[object, object] = {}
        self._texts: dict[str, tuple[str, str]] = {}
        self._places: dict[tuple, tuple] = {}
        self._small: dict[tuple[str, object], object] = {}
        self._default_language = settings.LANGUAGE_CODE

    # -- helpers -----------------------------------------------------------------------------

    def _cell(self, cells: list, name: str):
        index = self.columns.get(name)
        if index is None:
            return None
        try:
            value = cells[index]
        except IndexError:  # a short row
            return None
        if isinstance(value, str):
            return value.strip() or None
        return value

    def _text(self, cells: list, name: str, outcome: RowOutcome) -> str:
        value = self._cell(cells, name)
        if value is None:
            return ""
        text = cell_text(value)
        if text.isascii():
            return text
        found = self._texts.get(text)
        if found is None:
            if len(self._texts) > _CACHE_LIMIT:
                self._texts.clear()
            found = self._texts[text] = repair_text(text)
        if found[1]:
            outcome.legacy += 1
        return found[0]

    def _issue(
        self,
        outcome: RowOutcome,
        code: str,
        *,
        column: str | None,
        value: object = "",
        severity: str = WARNING,
        error: ValidationError | None = None,
    ) -> None:
        vi, en = _rendered(REASONS[code], None)
        if error is not None:
            detail = [_rendered(e.message, e.params) for e in error.error_list]
            vi = f"{vi} ({'; '.join(d[0] for d in detail)})"
            en = f"{en} ({'; '.join(d[1] for d in detail)})"
        index = self.columns.get(column) if column else None
        outcome.issues.append(
            {
                "column": index,
                "header": self.headers[index] if index is not None else "",
                "value": cell_text(value)[:300],
                "code": code,
                "severity": severity,
                "vi": vi,
                "en": en,
            }
        )

    def _reject(self, outcome: RowOutcome, cells: list, code: str, **kwargs) -> RowOutcome:
        self._issue(outcome, code, severity=ERROR, **kwargs)
        outcome.values = None
        outcome.cells = cells
        return outcome

    # -- the row -----------------------------------------------------------------------------

    def validate(self, row_number: int, cells: list) -> RowResult:
        """Read one row; see the module docstring for what is rejected and what is warned."""
        o = self._validate(row_number, cells)
        if o.values is None:
            return RowResult(
                row_number, None, o.key, o.lotus_id, None, (), o.issues, o.cells, o.repaired,
                o.legacy,
            )  # fmt: skip
        return RowResult(
            row_number,
            self.build_row(o.values, o.key),
            o.key,
            o.lotus_id,
            o.values if o.lotus_id is not None else None,
            o.candidates,
            o.issues,
            o.cells,
            o.repaired,
            o.legacy,
        )

    def _validate(self, row_number: int, cells: list) -> RowOutcome:
        outcome = RowOutcome(row_number=row_number, values={})
        values = outcome.values

        name_text = self._text(cells, F.FULL_NAME, outcome)
        parts = self._names.get(name_text)
        if parts is None:
            try:
                parts = clean_full_name(name_text)
            except ValidationError:
                return self._reject(outcome, cells, "name_missing", column=F.FULL_NAME)
            if len(self._names) > _CACHE_LIMIT:
                self._names.clear()
            self._names[name_text] = parts
        values["full_name"] = parts.full_name[:150]
        values["family_name"] = parts.family_name[:50]
        values["middle_name"] = parts.middle_name[:80]
        values["given_name"] = parts.given_name[:50]
        values["name_key"] = parts.name_key[:150]

        birth = self._birth(cells, outcome)
        if birth is None:
            outcome.values = None
            outcome.cells = cells
            return outcome
        values["birth_date"] = birth.date
        values["birth_year"] = birth.year
        values["birth_date_precision"] = birth.precision

        if not self._place(cells, outcome):
            outcome.cells = cells
            outcome.values = None
            return outcome

        sex_from_file = self._sex(cells, outcome)
        self._ids(cells, outcome, sex_from_file)
        self._phone(cells, outcome)
        self._ethnicity(cells, outcome)
        self._key(cells, outcome)
        if outcome.issues and outcome.cells is None:
            outcome.cells = cells
        return outcome

    def _read_birth(self, raw) -> tuple[BirthDate | None, ValidationError | None, bool]:
        cached = self._dates.get(raw)
        if cached is not None:
            return cached
        value, note = read_date(raw, today=self.today)
        try:
            found = (clean_birth_date(value, today=self.today), None, bool(note))
        except ValidationError as exc:
            found = (None, exc, False)
        if len(self._dates) > _CACHE_LIMIT:
            self._dates.clear()
        if isinstance(raw, str | int | float | dt.date):
            self._dates[raw] = found
        return found

    def _birth(self, cells: list, outcome: RowOutcome) -> BirthDate | None:
        raw_date = self._cell(cells, F.BIRTH_DATE)
        raw_year = self._cell(cells, F.BIRTH_YEAR)
        date_error = None
        if raw_date is not None:
            birth, date_error, repaired = self._read_birth(raw_date)
            if birth is not None:
                outcome.repaired += repaired
                return birth
        if raw_year is not None:
            birth, year_error, repaired = self._read_birth(raw_year)
            if birth is not None:
                outcome.repaired += repaired
                if date_error is not None:
                    self._issue(
                        outcome, "birth_year_only", column=F.BIRTH_DATE, value=raw_date,
                        error=date_error,
                    )  # fmt: skip
                return birth
            date_error = date_error or year_error
        if date_error is not None:
            years = set(_YEAR_IN_TEXT.findall(cell_text(raw_date if raw_date else raw_year)))
            if len(years) == 1:
                year = int(years.pop())
                if 1900 <= year <= self.today.year:
                    self._issue(
                        outcome, "birth_year_only", column=F.BIRTH_DATE, value=raw_date,
                        error=date_error,
                    )  # fmt: skip
                    return BirthDate(None, year, Person.BirthDatePrecision.YEAR.value)
            column = F.BIRTH_DATE if raw_date is not None else F.BIRTH_YEAR
            self._issue(
                outcome, "birth_invalid", column=column, value=raw_date or raw_year,
                severity=ERROR, error=date_error,
            )  # fmt: skip
            return None
        self._issue(outcome, "birth_missing", column=F.BIRTH_DATE, severity=ERROR)
        return None

    def _place(self, cells: list, outcome: RowOutcome) -> bool:
        raw = (
            self._cell(cells, F.COMMUNE),
            self._cell(cells, F.DISTRICT),
            self._cell(cells, F.PROVINCE),
            self._cell(cells, F.ADDRESS),
        )
        # Lists repeat a few hundred places: the answer (and its issue) is read once per place.
        memo_key = (*raw[:3], None) if raw[0] is not None else raw
        found = self._places.get(memo_key)
        if found is None:
            probe = RowOutcome(row_number=0, values={})
            accepted = self._place_uncached(cells, probe)
            found = (accepted, probe.values, probe.candidates, probe.issues, probe.legacy)
            if len(self._places) > _CACHE_LIMIT:
                self._places.clear()
            self._places[memo_key] = found
        accepted, values, candidates, issues, legacy = found
        outcome.values.update(values)
        if raw[0] is not None and raw[3] is not None:
            outcome.values["address_text"] = self._text(cells, F.ADDRESS, outcome)[:300]
        outcome.candidates = candidates
        outcome.issues.extend(issues)
        outcome.legacy += legacy
        return accepted

    def _place_uncached(self, cells: list, outcome: RowOutcome) -> bool:
        commune = self._text(cells, F.COMMUNE, outcome)
        district = self._text(cells, F.DISTRICT, outcome)
        province = self._text(cells, F.PROVINCE, outcome)
        address = self._text(cells, F.ADDRESS, outcome)
        values = outcome.values
        written = address or ", ".join(p for p in (commune, district, province) if p)
        values["address_text"] = written[:300]
        if not (commune or district or province or address):
            self._issue(outcome, "place_missing", column=F.PROVINCE, severity=ERROR)
            return False
        # With a commune column the street or hamlet adds nothing to the placement, and leaving
        # it out lets the geography's memo answer the next row with the same commune.
        if "," in commune:
            # A whole address written in the commune column: read it as an address.
            placement = place_address(commune, province_hint=province, district_hint=district)
        else:
            placement = place_address(
                "" if commune else address,
                province_hint=province,
                commune_hint=commune,
                district_hint=district,
            )
        if placement.status == PlacementStatus.NOT_FOUND and commune and address:
            placement = place_address(
                address, province_hint=province, commune_hint=commune, district_hint=district
            )
        where = commune or address or district or province
        column = next(
            (name for name, text in ((F.COMMUNE, commune), (F.ADDRESS, address),
             (F.DISTRICT, district)) if text),
            F.PROVINCE,
        )  # fmt: skip
        status = placement.status
        if status == PlacementStatus.NOT_FOUND:
            self._issue(outcome, "place_not_found", column=column, value=where, severity=ERROR)
            return False
        commune_id = placement.commune_id
        candidates = tuple(placement.candidate_ids)
        if status == PlacementStatus.SPLIT_NEEDS_CHOICE and self.scope.commune_id in candidates:
            # A commune officer imports her own commune's list: the choice is hers.
            commune_id, candidates = self.scope.commune_id, ()
            status = PlacementStatus.EXACT_NEW
        province_id = placement.province_id
        if province_id is None and commune_id is not None:
            province_id = placement.commune.province_id
        if province_id is None:
            self._issue(outcome, "place_ambiguous", column=column, value=where, severity=ERROR)
            return False
        if not self.scope.covers(province_id=province_id, commune_id=commune_id):
            self._issue(outcome, "out_of_scope", column=column, value=where, severity=ERROR)
            return False
        values["commune_id"] = commune_id
        values["province_id"] = province_id
        if status == PlacementStatus.SPLIT_NEEDS_CHOICE:
            outcome.candidates = candidates
            self._issue(outcome, "place_choice", column=column, value=where)
            values["address_warning"] = self._stored_warning(placement.warning)
        elif status == PlacementStatus.PROVINCE_ONLY:
            self._issue(outcome, "province_only", column=column, value=where)
            values["address_warning"] = self._stored_warning(placement.warning)
        return True

    def _stored_warning(self, warning) -> str:
        with translation.override(self._default_language):
            return str(warning)[:300]

    def _sex(self, cells: list, outcome: RowOutcome) -> str | None:
        raw = self._cell(cells, F.SEX)
        if raw is not None:
            found = self._small.get(("sex", raw))
            if found is None:
                try:
                    found = self._small[("sex", raw)] = clean_sex(cell_text(raw))
                except ValidationError as exc:
                    self._issue(outcome, "sex_invalid", column=F.SEX, value=raw, error=exc)
            if found is not None:
                outcome.values["sex"] = found
                return found
        outcome.values["sex"] = FEMALE
        return None

    def _ids(self, cells: list, outcome: RowOutcome, sex_from_file: str | None) -> None:
        values = outcome.values
        cccd_raw = self._cell(cells, F.CCCD)
        cmnd_raw = self._cell(cells, F.CMND)
        both_raw = self._cell(cells, F.ID_NUMBER)
        cccd_column, cmnd_column = F.CCCD, F.CMND
        if both_raw is not None:
            digits, _note = read_digits(both_raw)
            if len(digits) in (8, 9) and cmnd_raw is None:
                cmnd_raw, cmnd_column = both_raw, F.ID_NUMBER
            elif cccd_raw is None:
                cccd_raw, cccd_column = both_raw, F.ID_NUMBER
        if cccd_raw is not None:
            digits, note = read_digits(cccd_raw)
            if note == "lost":
                self._issue(outcome, "digits_lost", column=cccd_column, value=cccd_raw)
                values["cccd"] = cell_text(cccd_raw).strip()[:20]
            elif len(digits) in (8, 9) and cmnd_raw is None:
                # A former 9-digit ID written in the CCCD column: it belongs in the CMND.
                cmnd_raw, cmnd_column = cccd_raw, cccd_column
                outcome.repaired += 1
            elif digits:
                self._cccd(outcome, digits, cccd_raw, cccd_column, sex_from_file, bool(note))
        if cmnd_raw is not None:
            digits, note = read_digits(cmnd_raw)
            if len(digits) == 8 and digits.isdigit():
                digits, note = "0" + digits, "zero"
            try:
                values["cmnd"] = clean_cmnd(digits)
                outcome.repaired += bool(note)
            except ValidationError as exc:
                self._issue(outcome, "cmnd_invalid", column=cmnd_column, value=cmnd_raw, error=exc)
                values["cmnd"] = cell_text(cmnd_raw).strip()[:20]

    def _cccd(self, outcome, digits, raw, column, sex_from_file, repaired) -> None:
        values = outcome.values
        year = values["birth_year"]
        sex = sex_from_file
        if sex is None and len(digits) == 12 and digits.isdigit():
            # No sex in the file: the CCCD's 4th digit gives it (odd for women).
            sex = FEMALE if int(digits[3]) % 2 else MALE
            values["sex"] = sex
        try:
            values["cccd"] = clean_cccd(digits, sex=sex, birth_year=year)
        except ValidationError as exc:
            fixed = None
            if len(digits) == 11 and digits.isdigit():
                # The spreadsheet dropped the leading zero; keep it only if the checks pass.
                candidate_sex = sex or (FEMALE if int(digits[2]) % 2 else MALE)
                try:
                    fixed = clean_cccd("0" + digits, sex=candidate_sex, birth_year=year)
                except ValidationError:
                    fixed = None
                if fixed is not None and sex is None:
                    values["sex"] = candidate_sex
            if fixed is None:
                self._issue(outcome, "cccd_invalid", column=column, value=raw, error=exc)
                values["cccd"] = cell_text(raw).strip()[:20]
                return
            values["cccd"] = fixed
            repaired = True
        values["cccd_verified"] = True
        outcome.repaired += repaired

    def _phone(self, cells: list, outcome: RowOutcome) -> None:
        raw = self._cell(cells, F.PHONE)
        if raw is None:
            return
        text, note = read_digits(raw)
        if note == "lost":
            self._issue(outcome, "digits_lost", column=F.PHONE, value=raw)
            outcome.values["phone"] = cell_text(raw).strip()[:20]
            return
        try:
            outcome.values["phone"] = clean_phone(text)
        except ValidationError as exc:
            self._issue(outcome, "phone_invalid", column=F.PHONE, value=raw, error=exc)
            outcome.values["phone"] = cell_text(raw).strip()[:20]
            return
        outcome.values["phone_verified"] = True
        outcome.repaired += bool(note) or (text[:1] not in ("0", "+"))

    def _ethnicity(self, cells: list, outcome: RowOutcome) -> None:
        raw = self._cell(cells, F.ETHNICITY)
        if raw is None:
            return
        code = self._small.get(("ethnicity", raw))
        if code is None:
            key = compact_key(self._text(cells, F.ETHNICITY, outcome))
            if key.startswith("dantoc"):
                key = key[len("dantoc") :]
            code = self._small[("ethnicity", raw)] = _ETHNICITIES.get(key, "")
        if not code:
            self._issue(outcome, "ethnicity_unknown", column=F.ETHNICITY, value=raw)
            return
        outcome.values["ethnicity"] = code

    def _key(self, cells: list, outcome: RowOutcome) -> None:
        lotus_id = self._cell(cells, F.LOTUS_ID)
        if lotus_id is not None:
            digits, _note = read_digits(lotus_id)
            if digits.isdigit():
                outcome.lotus_id = int(digits)
                outcome.cells = cells
        source_id = self._cell(cells, F.SOURCE_ID)
        if source_id is not None:
            key = cell_text(source_id).strip()
            if key.endswith(".0") and key[:-2].isdigit():
                key = key[:-2]
            if key:
                outcome.key = key[:100]
                return
        # The person as read, not the cells as typed: the same list saved again by Excel (a
        # zero lost, a date turned into a number) or as XLSX instead of CSV is still the same.
        content = _CONTENT_FORMAT % tuple(map(outcome.values.get, CONTENT_FIELDS))
        digest = hashlib.sha1(content.encode(), usedforsecurity=False).hexdigest()
        outcome.key = "hash:" + digest[:HASH_CHARS]
