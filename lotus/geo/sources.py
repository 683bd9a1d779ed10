"""Read Viet Nam's administrative units from the two packages Lotus ships with, and reconcile them.

- `vietnam-provinces` 2025.10.1 is the authority for today's units: the 34 provinces and 3,321
  communes with their official codes and names.
- `vietnamadminunits` 1.0.4 carries the 63 provinces, ~700 districts and 10,035 communes before
  1 July 2025, coordinates, and the old→new conversion tables. Its copy of today's units differs
  from vietnam-provinces in places (some codes swapped between neighbours, spelling such as
  Hòa/Hoà), so each of its new wards is matched to a vietnam-provinces ward first by code and
  folded name, then by province and folded name. Its conversion tables refer to new wards by
  their vietnamadminunits key, which we translate through that match.

The files are read directly; the package's converter functions are not called because, given a
street, they geocode over the network.
"""

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import vietnamadminunits
from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard

from lotus.core.text import compact_key, fold, normalize_text

ADMINUNITS_DATA = Path(vietnamadminunits.__file__).parent / "data"


@dataclass(frozen=True)
class ProvinceRow:
    code: str
    name: str
    name_folded: str
    division_type: str


@dataclass(frozen=True)
class CommuneRow:
    code: str
    name: str
    name_folded: str
    division_type: str
    province_code: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class LegacyProvinceRow:
    code: str
    name: str
    name_folded: str
    key: str
    successor_code: str


@dataclass(frozen=True)
class LegacyDistrictRow:
    code: str
    name: str
    name_folded: str
    division_type: str
    key: str
    province_code: str
    successor_code: str | None


@dataclass(frozen=True)
class LegacyCommuneRow:
    code: str
    name: str
    name_folded: str
    division_type: str
    key: str
    district_code: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class SuccessionRow:
    legacy_code: str
    commune_code: str
    is_main: bool


@dataclass
class Reconciliation:
    """How the two packages' copies of today's communes were matched (see module docstring)."""

    new_wards_in_adminunits: int = 0
    matched_by_code: int = 0
    matched_by_province_and_name: int = 0
    # Codes adminunits gives a name other than vietnam-provinces' (neighbours' codes swapped).
    code_name_conflicts: list[str] = field(default_factory=list)
    unmatched_adminunits_wards: list[str] = field(default_factory=list)
    communes_without_coordinates: list[str] = field(default_factory=list)
    legacy_communes_without_successor: list[str] = field(default_factory=list)
    island_districts: list[str] = field(default_factory=list)
    split_legacy_communes: int = 0
    # Former communes said to have gone to a province other than their province's successor.
    cross_province_successions: list[str] = field(default_factory=list)


@dataclass
class GeographySource:
    provinces: list[ProvinceRow]
    communes: list[CommuneRow]
    legacy_provinces: list[LegacyProvinceRow]
    legacy_districts: list[LegacyDistrictRow]
    legacy_communes: list[LegacyCommuneRow]
    successions: list[SuccessionRow]
    reconciliation: Reconciliation
    _by_province: dict | None = field(default=None, repr=False, compare=False)

    def select(self, province_codes: set[str]) -> "GeographySource":
        """The part of the geography under these provinces of today, former units included.

        No former commune went to a province other than its former province's successor (checked
        when reading), so the part is closed: every link points inside it.
        """
        parts = self._parts()
        picked = [parts[code] for code in sorted(province_codes)]
        return GeographySource(
            *([row for part in picked for row in part[i]] for i in range(6)),
            reconciliation=self.reconciliation,
        )

    def _parts(self) -> dict[str, tuple[list, ...]]:
        if self._by_province is not None:
            return self._by_province
        parts = {p.code: ([p], [], [], [], [], []) for p in self.provinces}
        legacy_to_new = {p.code: p.successor_code for p in self.legacy_provinces}
        district_to_new = {d.code: legacy_to_new[d.province_code] for d in self.legacy_districts}
        commune_to_new = {c.code: c.province_code for c in self.communes}
        for c in self.communes:
            parts[c.province_code][1].append(c)
        for p in self.legacy_provinces:
            parts[p.successor_code][2].append(p)
        for d in self.legacy_districts:
            parts[district_to_new[d.code]][3].append(d)
        for c in self.legacy_communes:
            parts[district_to_new[c.district_code]][4].append(c)
        for s in self.successions:
            parts[commune_to_new[s.commune_code]][5].append(s)
        self._by_province = parts
        return parts


def _read_adminunits() -> tuple[list[dict], list[dict], dict]:
    # immutable=1: the file sits in site-packages, possibly read-only; never write a journal.
    uri = f"file:{ADMINUNITS_DATA / 'dataset.db'}?mode=ro&immutable=1"
    with sqlite3.connect(uri, uri=True) as db:
        db.row_factory = sqlite3.Row
        new = [
            dict(row)
            for row in db.execute(
                "SELECT provinceCode, provinceKey, ward, wardCode, wardKey, wardLat, wardLon"
                " FROM admin_units"
            )
        ]
        legacy = [
            dict(row)
            for row in db.execute(
                "SELECT province, provinceCode, provinceKey, district, districtType,"
                " districtCode, districtKey, ward, wardType, wardCode, wardKey, wardLat, wardLon"
                " FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
            )
        ]
    with (ADMINUNITS_DATA / "converter_2025.json").open(encoding="utf-8") as fh:
        converter = json.load(fh)
    return new, legacy, converter


def _coord(value) -> float | None:
    return float(value) if value is not None else None


@cache
def read_geography() -> GeographySource:
    """Both packages' data, reconciled; cached per process (the files never change)."""
    report = Reconciliation()
    provinces = [
        ProvinceRow(
            code=f"{p.code:02d}",
            name=normalize_text(p.name),
            name_folded=fold(p.name),
            division_type=p.division_type.value,
        )
        for p in VnProvince.iter_all()
    ]
    vn_wards = {f"{w.code:05d}": w for w in VnWard.iter_all()}
    by_province_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, ward in vn_wards.items():
        by_province_name[f"{ward.province_code:02d}", compact_key(ward.name)].append(code)

    new, legacy, converter = _read_adminunits()
    report.new_wards_in_adminunits = len(new)

    # adminunits (provinceKey, wardKey) -> vietnam-provinces ward code.
    new_key_to_code: dict[tuple[str, str], str] = {}
    coords: dict[str, tuple[float | None, float | None]] = {}
    pending = []
    for row in new:
        ward = vn_wards.get(row["wardCode"])
        same_name = ward is not None and compact_key(ward.name) == compact_key(row["ward"])
        if same_name and f"{ward.province_code:02d}" == row["provinceCode"]:
            new_key_to_code[row["provinceKey"], row["wardKey"]] = row["wardCode"]
            coords[row["wardCode"]] = (_coord(row["wardLat"]), _coord(row["wardLon"]))
            report.matched_by_code += 1
        else:
            if ward is not None:
                report.code_name_conflicts.append(row["wardCode"])
            pending.append(row)
    claimed = set(new_key_to_code.values())
    for row in pending:
        codes = [
            c
            for c in by_province_name.get((row["provinceCode"], compact_key(row["ward"])), [])
            if c not in claimed
        ]
        if len(codes) == 1:
            new_key_to_code[row["provinceKey"], row["wardKey"]] = codes[0]
            coords[codes[0]] = (_coord(row["wardLat"]), _coord(row["wardLon"]))
            claimed.add(codes[0])
            report.matched_by_province_and_name += 1
        else:
            report.unmatched_adminunits_wards.append(f"{row['wardCode']} {row['ward']}")

    communes = []
    for code, ward in vn_wards.items():
        lat, lon = coords.get(code, (None, None))
        if lat is None:
            report.communes_without_coordinates.append(code)
        communes.append(
            CommuneRow(
                code=code,
                name=normalize_text(ward.name),
                name_folded=fold(ward.name),
                division_type=ward.division_type.value,
                province_code=f"{ward.province_code:02d}",
                latitude=lat,
                longitude=lon,
            )
        )

    province_of_commune = {c.code: c.province_code for c in communes}
    new_province_code = {row["provinceKey"]: row["provinceCode"] for row in new}
    old_to_new_province = {
        old: new_province_code[new_key]
        for new_key, olds in converter["DICT_PROVINCE"].items()
        for old in olds
    }

    # Old 'province_district_ward' key -> [(new ward code, is_main)].
    successors: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for new_province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            code = new_key_to_code.get((new_province_key, ward_key))
            if code is None:
                continue
            for old_key in old_keys:
                successors[old_key].append((code, True))
    for new_province_key, old_keys in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in old_keys.items():
            report.split_legacy_communes += 1
            for part in parts:
                code = new_key_to_code.get((new_province_key, part["newWardKey"]))
                if code is not None:
                    successors[old_key].append((code, bool(part["isDefaultNewWard"])))

    legacy_provinces: dict[str, LegacyProvinceRow] = {}
    legacy_districts: dict[str, LegacyDistrictRow] = {}
    legacy_communes: list[LegacyCommuneRow] = []
    successions: list[SuccessionRow] = []
    for row in legacy:
        province_code = row["provinceCode"]
        if province_code not in legacy_provinces:
            legacy_provinces[province_code] = LegacyProvinceRow(
                code=province_code,
                name=normalize_text(row["province"]),
                name_folded=fold(row["province"]),
                key=row["provinceKey"],
                successor_code=old_to_new_province[row["provinceKey"]],
            )
        old_key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey'] or ''}"
        parts = successors.get(old_key, [])
        district_successor = None
        if not row["wardCode"]:
            # An island district without communes: the row maps the district itself.
            district_successor = parts[0][0] if parts else None
            report.island_districts.append(f"{row['districtCode']} {row['district']}")
        if row["districtCode"] not in legacy_districts:
            legacy_districts[row["districtCode"]] = LegacyDistrictRow(
                code=row["districtCode"],
                name=normalize_text(row["district"]),
                name_folded=fold(row["district"]),
                division_type=row["districtType"] or "",
                key=row["districtKey"],
                province_code=province_code,
                successor_code=district_successor,
            )
        if not row["wardCode"]:
            continue
        legacy_communes.append(
            LegacyCommuneRow(
                code=row["wardCode"],
                name=normalize_text(row["ward"]),
                name_folded=fold(row["ward"]),
                division_type=row["wardType"] or "",
                key=row["wardKey"],
                district_code=row["districtCode"],
                latitude=_coord(row["wardLat"]),
                longitude=_coord(row["wardLon"]),
            )
        )
        if not parts:
            report.legacy_communes_without_successor.append(f"{row['wardCode']} {row['ward']}")
        seen = set()
        for code, is_main in parts:
            if code not in seen:
                seen.add(code)
                successions.append(SuccessionRow(row["wardCode"], code, is_main))
                if province_of_commune[code] != legacy_provinces[province_code].successor_code:
                    report.cross_province_successions.append(f"{row['wardCode']} → {code}")

    return GeographySource(
        provinces=provinces,
        communes=communes,
        legacy_provinces=list(legacy_provinces.values()),
        legacy_districts=list(legacy_districts.values()),
        legacy_communes=legacy_communes,
        successions=successions,
        reconciliation=report,
    )
