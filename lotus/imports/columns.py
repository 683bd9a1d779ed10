"""Which registry field each column of an officer's file holds, read from its header.

Headers are compared folded (no tone marks, any case, punctuation as spaces), so "Họ và tên",
"HO VA TEN" and "ho_va_ten" are one header. KoboToolbox/ODK keys carry their group path
("group_info/full_name"); only the last part counts.
"""

import re

from lotus.core.text import fold
from lotus.imports.models import ColumnField

F = ColumnField
_SYNONYMS: dict[str, tuple[str, ...]] = {
    F.FULL_NAME: (
        "ho va ten", "ho ten", "ho va ten hoi vien", "ho ten hoi vien", "ho va ten phu nu",
        "ho ten phu nu", "ho va ten thanh vien", "ten hoi vien", "hoten", "hovaten",
        "full name", "fullname", "name", "ten", "ho ten day du",
    ),
    F.BIRTH_DATE: (
        "ngay sinh", "ngay thang nam sinh", "ngay sinh dd mm yyyy", "ngaysinh", "sinh ngay",
        "date of birth", "birth date", "birthdate", "dob", "birthday",
    ),
    F.BIRTH_YEAR: ("nam sinh", "namsinh", "year of birth", "birth year", "yob"),
    F.SEX: ("gioi tinh", "gioitinh", "gioi", "nam nu", "sex", "gender"),
    F.CCCD: (
        "so cccd", "cccd", "can cuoc cong dan", "so can cuoc cong dan", "so can cuoc",
        "can cuoc", "so dinh danh", "so dinh danh ca nhan", "ma dinh danh", "citizen id",
        "national id", "cccd number",
    ),
    F.CMND: ("so cmnd", "cmnd", "chung minh nhan dan", "so chung minh nhan dan", "so cmt", "cmt"),
    F.ID_NUMBER: (
        "cccd cmnd", "cmnd cccd", "so cccd cmnd", "so cmnd cccd", "so cmnd can cuoc",
        "giay to tuy than", "so giay to tuy than", "so giay to", "id number", "id card",
    ),
    F.PHONE: (
        "so dien thoai", "dien thoai", "sdt", "so dt", "dt", "dtdd", "so dtdd", "di dong",
        "dien thoai di dong", "so di dong", "phone", "phone number", "mobile", "telephone",
        "tel",
    ),
    F.COMMUNE: (
        "xa phuong", "phuong xa", "xa", "phuong", "xa phuong thi tran", "xa thi tran",
        "xa phuong dac khu", "don vi hanh chinh cap xa", "commune", "ward", "commune ward",
    ),
    F.DISTRICT: (
        "huyen quan", "quan huyen", "huyen", "quan", "huyen quan thi xa", "huyen thi xa",
        "quan huyen thi xa", "district",
    ),
    F.PROVINCE: (
        "tinh thanh pho", "tinh thanh", "tinh tp", "tinh", "thanh pho", "tinh thanh pho tw",
        "province", "province city", "city",
    ),
    F.ADDRESS: (
        "dia chi", "dia chi thuong tru", "dia chi cu tru", "noi o", "noi o hien nay",
        "noi cu tru", "noi thuong tru", "thon ap", "thon xom", "thon", "ap", "xom", "to dan pho",
        "thon to", "address", "hamlet", "village", "street",
    ),
    F.ETHNICITY: ("dan toc", "dantoc", "ethnicity", "ethnic group", "ethnic"),
    F.SOURCE_ID: (
        "ma", "ma so", "ma hoi vien", "ma hv", "ma ho so", "ma doi tuong", "record id", "id",
        "uuid", "instanceid", "instance id", "key",
    ),
    F.LOTUS_ID: ("ma lotus", "lotus id", "ma lotus lotus id"),
    F.IGNORE: (
        "ly do reason", "ly do", "reason",
        "stt", "tt", "so thu tu", "ghi chu", "note", "notes", "start", "end", "today",
        "deviceid", "submission time", "version", "index", "status",
    ),
}  # fmt: skip

_KNOWN = {header: field for field, headers in _SYNONYMS.items() for header in headers}
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def header_key(header: str) -> str:
    """The folded form a header is recognised by: "Xã/Phường (*)" → "xa phuong"."""
    text = _BRACKETS.sub(" ", fold(str(header or "")))
    return _NON_ALNUM.sub(" ", text).strip()


def recognise(header: str) -> str | None:
    """The field a header names, "" for a column to ignore, None when it is not known."""
    key = header_key(header)
    if not key:
        return ColumnField.IGNORE
    if key in _KNOWN:
        return _KNOWN[key]
    # A KoboToolbox/ODK key with its group path: "group_info/full_name", "meta/instanceID".
    last = str(header).rsplit("/", 1)[-1].strip()
    if last != str(header).strip() and header_key(last) in _KNOWN:
        return _KNOWN[header_key(last)]
    if last.startswith("_"):
        # KoboToolbox's own bookkeeping (_submission_time, _attachments, _geolocation …).
        return ColumnField.IGNORE
    return None


def guess_mapping(headers: list[str], *, saved: dict[str, str] | None = None) -> list[str | None]:
    """The field of each column: a saved profile first, then the built-in headers.

    A field is given to its first column only; later columns naming it again are ignored
    (a file with "Mã" and "_uuid" keys its rows by "Mã"). Unknown headers stay None.
    """
    saved_by_key = {header_key(h): f for h, f in (saved or {}).items()}
    mapping: list[str | None] = []
    taken: set[str] = set()
    for header in headers:
        field = saved_by_key.get(header_key(header))
        if field is None:
            field = recognise(header)
        if field and field in taken:
            field = ColumnField.IGNORE
        if field:
            taken.add(field)
        mapping.append(field)
    return mapping


def missing_fields(mapping: list[str | None]) -> list[str]:
    """Fields without which no row can be a person: a name, a birth date or year, a place."""
    present = set(mapping)
    missing = []
    if ColumnField.FULL_NAME not in present:
        missing.append(ColumnField.FULL_NAME)
    if not present & {ColumnField.BIRTH_DATE, ColumnField.BIRTH_YEAR}:
        missing.append(ColumnField.BIRTH_DATE)
    if not present & {
        ColumnField.COMMUNE,
        ColumnField.PROVINCE,
        ColumnField.DISTRICT,
        ColumnField.ADDRESS,
    }:
        missing.append(ColumnField.PROVINCE)
    return missing
