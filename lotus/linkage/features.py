"""The columns the linkage compares, computed once per person.

`person_features` turns one person (a plain mapping, as read from the registry or generated
by the benchmark) into the flat record Splink and the single-record scorer both compare. A
value that cannot be used is None: Splink treats a None as "no information" (null level).
"""

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from lotus.linkage.names import name_keys

# Column names and types of a feature record, in order.
FEATURE_COLUMNS: dict[str, str] = {
    "unique_id": "int64",
    "full": "string",
    "family": "string",
    "middle": "string",
    "given": "string",
    "given_t": "string",
    "dob": "string",
    "dob_swap": "string",
    "birth_year": "int64",
    "sex": "string",
    "cccd": "string",
    "cmnd": "string",
    "phone": "string",
    "commune": "int64",
    "communes": "list<int64>",
    "province": "int64",
}

_NOT_DIGIT = re.compile(r"\D")

# Pre-2018 11-digit mobile prefixes and their 10-digit replacements.
_OLD_MOBILE = {
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039",
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0186": "056", "0188": "058", "0199": "059",
}  # fmt: skip


def phone_key(value: str | None) -> str | None:
    """The phone as 10 national digits ('0912345678'), whether written +84…, 84…, 0…, without
    its leading zero, or in the old 11-digit mobile form; None if it cannot be a mobile or
    landline number."""
    raw = (value or "").strip()
    digits = _NOT_DIGIT.sub("", raw)
    if not digits:
        return None
    if raw.startswith("+") or (digits.startswith("84") and len(digits) in (11, 12)):
        digits = "0" + digits[2:] if digits.startswith("84") else digits
    elif not digits.startswith("0") and len(digits) in (9, 10):
        digits = "0" + digits
    if len(digits) == 11 and digits[:4] in _OLD_MOBILE:
        digits = _OLD_MOBILE[digits[:4]] + digits[4:]
    if len(digits) not in (10, 11) or not digits.startswith("0") or len(set(digits[1:])) < 3:
        return None
    return digits


def id_keys(cccd: str | None, cmnd: str | None) -> tuple[str | None, str | None]:
    """(CCCD, CMND) as digits. A 9-digit number in the CCCD field is a CMND: it is a different
    number from the citizen's CCCD, not a typo of it, so it is compared with CMNDs only."""
    cccd_digits = _NOT_DIGIT.sub("", cccd or "")
    cmnd_digits = _NOT_DIGIT.sub("", cmnd or "")
    out_cccd = None
    out_cmnd = cmnd_digits if len(cmnd_digits) in (9, 12) else None
    if len(cccd_digits) == 12:
        out_cccd = cccd_digits
    elif len(cccd_digits) == 9 and out_cmnd is None:
        out_cmnd = cccd_digits
    # A row of one repeated digit is a placeholder typed to fill a required cell.
    if out_cccd and len(set(out_cccd[3:])) < 3:
        out_cccd = None
    if out_cmnd and len(set(out_cmnd)) < 3:
        out_cmnd = None
    return out_cccd, out_cmnd


def _swapped(date: dt.date) -> str | None:
    if date.day > 12 or date.day == date.month:
        return None
    return f"{date.year:04d}-{date.day:02d}-{date.month:02d}"


def person_features(person: Mapping[str, Any]) -> dict[str, Any]:
    """The comparison record of one person.

    `person` holds: id, full_name, birth_date (date or None when only the year is known),
    birth_year, sex, cccd, cmnd, phone, commune_id, province_id and, optionally,
    commune_candidates (today's communes an old address may lie in).
    """
    keys = name_keys(person.get("full_name") or "")
    birth_date = person.get("birth_date")
    cccd, cmnd = id_keys(person.get("cccd"), person.get("cmnd"))
    commune = person.get("commune_id")
    candidates = sorted(
        {c for c in (person.get("commune_candidates") or ()) if c is not None}
        | ({commune} if commune is not None else set())
    )
    return {
        "unique_id": int(person["id"]),
        "full": keys.full,
        "family": keys.family,
        "middle": keys.middle,
        "given": keys.given,
        "given_t": keys.given_toned,
        "dob": birth_date.isoformat() if birth_date else None,
        "dob_swap": _swapped(birth_date) if birth_date else None,
        "birth_year": int(person["birth_year"]),
        "sex": person.get("sex") or None,
        "cccd": cccd,
        "cmnd": cmnd,
        "phone": phone_key(person.get("phone")),
        "commune": commune,
        "communes": candidates or None,
        "province": person.get("province_id"),
    }


# Above this many records sharing one CCCD, CMND or phone, the value is a placeholder or a
# shared office number, not an identifier: it is dropped so it neither blocks nor scores.
MAX_SHARED_IDENTIFIER = 20


def drop_shared_identifiers(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blank identifiers held by more than MAX_SHARED_IDENTIFIER records (in place)."""
    for column in ("cccd", "cmnd", "phone"):
        counts = Counter(r[column] for r in records if r[column] is not None)
        crowded = {value for value, n in counts.items() if n > MAX_SHARED_IDENTIFIER}
        if crowded:
            for record in records:
                if record[column] in crowded:
                    record[column] = None
    return records


def features_table(records: Iterable[Mapping[str, Any]]):
    """A pyarrow table of feature records (what Splink's backends register)."""
    import pyarrow as pa

    rows = list(records)
    schema = pa.schema(
        [
            (name, pa.list_(pa.int64()) if kind.startswith("list") else getattr(pa, kind)())
            for name, kind in FEATURE_COLUMNS.items()
        ]
    )
    columns = {name: [row[name] for row in rows] for name in FEATURE_COLUMNS}
    return pa.table(columns, schema=schema)
