"""Placing a written address in a commune of today.

Lists name places three ways: today's two tiers ("Xã Kim Sơn, Tỉnh Đồng Tháp"), the former
three tiers ("Xã Song Thuận, Huyện Châu Thành, Tỉnh Tiền Giang") and mixtures of the two (an old
commune beside today's province, or the reverse), with or without tone marks and with the usual
abbreviations ("TP HCM", "Q.1", "P. Bến Nghé", "TT", "TX"). `AddressIndex` holds every unit in
memory under folded compact keys, built once per process, so the bulk import can place a row in
microseconds; answers are memoised by input.

Where a former commune was split among several communes of today, or the text fits several
communes, the answer lists the candidates and chooses none: an officer chooses.
"""

import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _

from lotus.core.text import fold
from lotus.geo.models import (
    Commune,
    CommuneSuccession,
    LegacyCommune,
    LegacyDistrict,
    LegacyProvince,
    Province,
)


class PlacementStatus(models.TextChoices):
    EXACT_NEW = "exact_new", _("Commune of today")
    CONVERTED_FROM_OLD = "converted_from_old", _("Converted from a former commune")
    SPLIT_NEEDS_CHOICE = "split_needs_choice", _("Several communes possible")
    PROVINCE_ONLY = "province_only", _("Province only")
    NOT_FOUND = "not_found", _("Not found")


WARNING_SPLIT = _(
    "This former commune was split among several communes of today: choose the one where "
    "the person lives."
)
WARNING_AMBIGUOUS = _("Several communes fit this address: choose the right one.")
WARNING_PROVINCE_ONLY = _("The commune was not recognised: only the province is known.")
WARNING_NOT_FOUND = _("The address could not be placed in a commune.")

# More candidates than this means the text says too little (e.g. "Phường 1" and no province).
MAX_CANDIDATES: Final = 10
MAX_MEMO: Final = 200_000

_PROVINCE, _DISTRICT, _COMMUNE = "province", "district", "commune"

# Leading words that give a unit's type (folded tokens) -> (canonical type, levels it can name).
_PREFIXES: Final = {
    ("thanh", "pho"): ("thanh pho", {_PROVINCE, _DISTRICT}),
    ("thi", "xa"): ("thi xa", {_DISTRICT}),
    ("thi", "tran"): ("thi tran", {_COMMUNE}),
    ("dac", "khu"): ("dac khu", {_COMMUNE}),
    ("tinh",): ("tinh", {_PROVINCE}),
    ("t",): ("tinh", {_PROVINCE}),
    ("tp",): ("thanh pho", {_PROVINCE, _DISTRICT}),
    ("huyen",): ("huyen", {_DISTRICT}),
    ("h",): ("huyen", {_DISTRICT}),
    ("quan",): ("quan", {_DISTRICT}),
    ("q",): ("quan", {_DISTRICT}),
    ("tx",): ("thi xa", {_DISTRICT}),
    ("xa",): ("xa", {_COMMUNE}),
    ("x",): ("xa", {_COMMUNE}),
    ("phuong",): ("phuong", {_COMMUNE}),
    ("p",): ("phuong", {_COMMUNE}),
    ("f",): ("phuong", {_COMMUNE}),
    ("tt",): ("thi tran", {_COMMUNE}),
}
# Full type words that open official names; stripped to index a unit under its bare name.
_NAME_TYPES: Final = [
    ("thanh", "pho"),
    ("thi", "xa"),
    ("thi", "tran"),
    ("dac", "khu"),
    ("tinh",),
    ("huyen",),
    ("quan",),
    ("xa",),
    ("phuong",),
]
# Common short names of provinces (both today's code and the former one).
_PROVINCE_ALIASES: Final = {
    "79": ("hcm", "tphcm", "hochiminhcity", "saigon"),
    "01": ("hn", "tphn"),
    "46": ("thuathienhue",),
    "77": ("brvt", "baria", "vungtau"),
    "66": ("daclac",),
}
_COUNTRY: Final = {"vietnam", "vn", "vietnamese"}
_SEPARATORS = re.compile(r"[,;\n|]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_GLUED = re.compile(r"^(q|p|f)(\d+)$")


def _tokens(text: str) -> list[str]:
    """Folded words of `text`, numbers without leading zeros ('Phường 05' -> ['phuong', '5'])."""
    words = _NON_ALNUM.sub(" ", fold(text)).split()
    return [w.lstrip("0") or "0" if w.isdigit() else w for w in words]


def _canonical_type(division_type: str) -> str:
    folded = " ".join(_tokens(division_type))
    return "thanh pho" if folded.startswith("thanh pho") else folded


def _name_keys(name: str) -> set[str]:
    """Keys a unit is indexed under: its name without the type word, and in full."""
    words = _tokens(name)
    keys = {"".join(words)}
    for prefix in _NAME_TYPES:
        if tuple(words[: len(prefix)]) == prefix and len(words) > len(prefix):
            keys.add("".join(words[len(prefix) :]))
            break
    return keys


@dataclass(frozen=True)
class _Segment:
    """One comma-separated part of an address, read for lookup."""

    type: str | None  # canonical type named by its leading word, if any
    levels: frozenset[str]  # levels it may name
    key: str  # without the type word
    raw: str  # all words

    def attempts(self, level: str) -> list[tuple[str | None, str]]:
        if level not in self.levels:
            return []
        if self.type is None:
            return [(None, self.raw)]
        return [(self.type, self.key), (None, self.raw)]


def _parse_segment(text: str) -> _Segment:
    words = _tokens(text)
    if words:
        glued = _GLUED.match(words[0])
        if glued:
            words = [glued.group(1), glued.group(2), *words[1:]]
    raw = "".join(words)
    for size in (2, 1):
        head = tuple(words[:size])
        if head in _PREFIXES and len(words) > size:
            canonical, levels = _PREFIXES[head]
            return _Segment(canonical, frozenset(levels), "".join(words[size:]), raw)
    return _Segment(None, frozenset({_PROVINCE, _DISTRICT, _COMMUNE}), raw, raw)


@dataclass(frozen=True)
class Placement:
    """Where an address lies today.

    `commune` is set only when the address names one commune of today (status exact_new or
    converted_from_old). With split_needs_choice, `candidates` lists the communes it may be in and
    `suggested` the part the source names as main; neither is chosen: an officer chooses.
    """

    status: str
    commune: Commune | None = None
    province: Province | None = None
    candidates: tuple[Commune, ...] = ()
    legacy_commune: LegacyCommune | None = None
    suggested: Commune | None = None
    warning: str = ""

    @property
    def needs_choice(self) -> bool:
        return self.status == PlacementStatus.SPLIT_NEEDS_CHOICE

    @property
    def commune_id(self) -> int | None:
        return self.commune.pk if self.commune else None

    @property
    def province_id(self) -> int | None:
        return self.province.pk if self.province else None

    @property
    def candidate_ids(self) -> list[int]:
        return [c.pk for c in self.candidates]

    @property
    def candidate_choices(self) -> list[tuple[int, str]]:
        """(pk, "Xã …, Province") pairs for a form's choice field; the source's main part first."""
        return [(c.pk, str(c)) for c in self.candidates]


@dataclass(frozen=True)
class _Scope:
    """The provinces an address's province part allows, today's and former."""

    new: frozenset[int]
    legacy: frozenset[int]
    named_new: bool  # the text used a province of today


NOT_FOUND = Placement(status=PlacementStatus.NOT_FOUND, warning=WARNING_NOT_FOUND)


class AddressIndex:
    """Every unit of the loaded geography under folded keys, with the former→present links."""

    def __init__(self) -> None:
        self.provinces = {p.pk: p for p in Province.objects.all()}
        self.communes = {}
        for commune in Commune.objects.all():
            commune.province = self.provinces[commune.province_id]
            self.communes[commune.pk] = commune
        self.legacy_provinces = {}
        self.legacy_by_code = {}
        for lp in LegacyProvince.objects.all():
            lp.successor = self.provinces.get(lp.successor_id)
            self.legacy_provinces[lp.pk] = lp
            self.legacy_by_code[lp.code.zfill(3)] = lp
        self.districts = {}
        for district in LegacyDistrict.objects.all():
            district.province = self.legacy_provinces[district.province_id]
            district.successor = self.communes.get(district.successor_id)
            self.districts[district.pk] = district
        self.legacy_communes = {}
        for lc in LegacyCommune.objects.all():
            lc.district = self.districts[lc.district_id]
            self.legacy_communes[lc.pk] = lc
        parts: dict[int, list[tuple[bool, Commune]]] = defaultdict(list)
        for legacy_id, commune_id, is_main in CommuneSuccession.objects.values_list(
            "legacy_commune_id", "commune_id", "is_main_successor"
        ):
            parts[legacy_id].append((is_main, self.communes[commune_id]))
        # Main successor first, then by name.
        self.successors: dict[int, tuple[Commune, ...]] = {
            legacy_id: tuple(c for _m, c in sorted(found, key=lambda p: (not p[0], p[1].name)))
            for legacy_id, found in parts.items()
        }
        self.main_successor = {
            legacy_id: next((c for is_main, c in found if is_main), None)
            for legacy_id, found in parts.items()
        }
        self.fingerprint = (
            len(self.provinces),
            len(self.communes),
            len(self.legacy_communes),
            sum(len(found) for found in parts.values()),
        )
        self.checked_at = time.monotonic()
        self.pid = os.getpid()
        self.predecessors: dict[int, set[int]] = defaultdict(set)
        for lp in self.legacy_provinces.values():
            if lp.successor_id:
                self.predecessors[lp.successor_id].add(lp.pk)

        self.province_keys = self._keyed(self.provinces.values(), province_aliases=True)
        self.legacy_province_keys = self._keyed(
            self.legacy_provinces.values(), province_aliases=True
        )
        self.district_keys = self._keyed(self.districts.values())
        self.commune_keys = self._keyed(self.communes.values())
        self.legacy_commune_keys = self._keyed(self.legacy_communes.values())
        self.types = {
            id(unit): _canonical_type(getattr(unit, "division_type", ""))
            for group in (self.communes, self.districts, self.legacy_communes)
            for unit in group.values()
        }
        self._segments: dict[str, _Segment] = {}
        self._memo: dict[tuple[str, str, str, str], Placement] = {}
        self._scope_memo: dict[str, _Scope | None] = {}
        self._district_memo: dict[tuple, tuple[LegacyDistrict, ...]] = {}
        self._commune_memo: dict[tuple, Placement | None] = {}

    @staticmethod
    def _keyed(units, *, province_aliases: bool = False) -> dict[str, tuple]:
        keyed: dict[str, list] = defaultdict(list)
        for unit in units:
            keys = _name_keys(unit.name)
            if province_aliases:
                keys.update(_PROVINCE_ALIASES.get(unit.code, ()))
            for key in keys:
                keyed[key].append(unit)
        return {key: tuple(found) for key, found in keyed.items()}

    # -- reading the parts -------------------------------------------------------------------

    def _segment(self, text: str) -> _Segment:
        return self._memoised(self._segments, text, lambda: _parse_segment(text))

    def _province_scope(self, text: str) -> _Scope | None:
        for _type, key in self._segment(text).attempts(_PROVINCE):
            new = self.province_keys.get(key, ())
            legacy = self.legacy_province_keys.get(key, ())
            if new:
                ids = frozenset(p.pk for p in new)
                olds = frozenset(lp for pid in ids for lp in self.predecessors[pid])
                return _Scope(ids, olds, named_new=True)
            if legacy:
                return _Scope(
                    frozenset(lp.successor_id for lp in legacy if lp.successor_id),
                    frozenset(lp.pk for lp in legacy),
                    named_new=False,
                )
        return None

    def _districts(self, segment: _Segment, scope: _Scope | None) -> tuple[LegacyDistrict, ...]:
        for unit_type, key in segment.attempts(_DISTRICT):
            found = self.district_keys.get(key, ())
            if scope is not None:
                found = tuple(d for d in found if d.province_id in scope.legacy)
            found = self._prefer_type(found, unit_type)
            if found:
                return found
        return ()

    def _prefer_type(self, units: tuple, unit_type: str | None) -> tuple:
        if unit_type is None or len(units) < 2:
            return units
        typed = tuple(u for u in units if self.types[id(u)] == unit_type)
        return typed or units

    # -- answers -----------------------------------------------------------------------------

    @staticmethod
    def _choice(candidates, *, warning, legacy=None, suggested=None) -> Placement:
        if len(candidates) > MAX_CANDIDATES:
            return NOT_FOUND
        provinces = {c.province for c in candidates}
        return Placement(
            status=PlacementStatus.SPLIT_NEEDS_CHOICE,
            province=provinces.pop() if len(provinces) == 1 else None,
            candidates=tuple(candidates),
            legacy_commune=legacy,
            suggested=suggested,
            warning=warning,
        )

    def _from_new(self, found: tuple[Commune, ...]) -> Placement:
        if len(found) == 1:
            commune = found[0]
            return Placement(
                status=PlacementStatus.EXACT_NEW, commune=commune, province=commune.province
            )
        return self._choice(sorted(found, key=lambda c: c.name), warning=WARNING_AMBIGUOUS)

    def _from_old(self, found: tuple[LegacyCommune, ...]) -> Placement:
        successors: list[Commune] = []
        for lc in found:
            successors.extend(c for c in self.successors.get(lc.pk, ()) if c not in successors)
        legacy = found[0] if len(found) == 1 else None
        if len(successors) == 1:
            commune = successors[0]
            return Placement(
                status=PlacementStatus.CONVERTED_FROM_OLD,
                commune=commune,
                province=commune.province,
                legacy_commune=legacy,
            )
        if not successors:
            return NOT_FOUND
        if legacy is not None:
            return self._choice(
                successors,
                warning=WARNING_SPLIT,
                legacy=legacy,
                suggested=self.main_successor.get(legacy.pk),
            )
        return self._choice(successors, warning=WARNING_AMBIGUOUS)

    def _commune(
        self,
        segment: _Segment,
        scope: _Scope | None,
        districts: tuple[LegacyDistrict, ...],
    ) -> Placement | None:
        district_ids = {d.pk for d in districts}
        for unit_type, key in segment.attempts(_COMMUNE):
            new = self.commune_keys.get(key, ())
            old = self.legacy_commune_keys.get(key, ())
            if districts:
                allowed = {d.province.successor_id for d in districts}
                new = tuple(c for c in new if c.province_id in allowed)
                old = tuple(lc for lc in old if lc.district_id in district_ids)
            elif scope is not None:
                new = tuple(c for c in new if c.province_id in scope.new)
                old = tuple(lc for lc in old if lc.district.province_id in scope.legacy)
            new = self._prefer_type(new, unit_type)
            old = self._prefer_type(old, unit_type)
            if not new and not old:
                continue
            if districts:
                # A former district was named: the commune is a former one too, if it can be.
                return self._from_old(old) if old else self._from_new(new)
            if scope is not None and scope.named_new:
                return self._from_new(new) if new else self._from_old(old)
            if new and old:
                via_old = {c for lc in old for c in self.successors.get(lc.pk, ())}
                if via_old <= set(new) and len(new) == 1:
                    return self._from_new(new)
                both = sorted(set(new) | via_old, key=lambda c: c.name)
                return self._choice(both, warning=WARNING_AMBIGUOUS)
            return self._from_new(new) if new else self._from_old(old)
        return None

    def place(
        self, text: str, province_hint: str = "", commune_hint: str = "", district_hint: str = ""
    ) -> Placement:
        key = (text, province_hint, commune_hint, district_hint)
        return self._memoised(self._memo, key, lambda: self._place(*key))

    def _parts(self, text: str) -> list[str]:
        """The address's parts, country dropped; parsed lazily (street parts rarely are)."""
        parts = _SEPARATORS.split(text)
        if len(parts) == 1 and " - " in parts[0]:
            parts = parts[0].split(" - ")
        parts = [p for p in (part.strip() for part in parts) if p]
        while parts and self._segment(parts[-1]).raw in _COUNTRY:
            parts.pop()
        return parts

    def _memoised(self, memo: dict, key, compute):
        try:
            return memo[key]
        except KeyError:
            if len(memo) > MAX_MEMO:
                memo.clear()
            value = memo[key] = compute()
            return value

    def _place(
        self, text: str, province_hint: str, commune_hint: str, district_hint: str
    ) -> Placement:
        parts = self._parts(text)
        scope = None
        if province_hint:
            scope = self._memoised(
                self._scope_memo, province_hint, lambda: self._province_scope(province_hint)
            )
        if parts:
            in_text = self._memoised(
                self._scope_memo, parts[-1], lambda: self._province_scope(parts[-1])
            )
            if in_text is not None:
                parts.pop()
                scope = scope or in_text

        districts: tuple[LegacyDistrict, ...] = ()
        district_part = None
        if district_hint:
            districts = self._memoised(
                self._district_memo,
                (district_hint, scope),
                lambda: self._districts(self._segment(district_hint), scope),
            )
        elif parts:
            last = self._segment(parts[-1])
            if last.type is not None or len(parts) > 1:
                found = self._memoised(
                    self._district_memo,
                    (parts[-1], scope),
                    lambda: self._districts(last, scope),
                )
                if found:
                    districts, district_part = found, parts.pop()

        tries = [commune_hint] if commune_hint else parts[::-1][:2]
        district_ids = tuple(d.pk for d in districts)
        for part in tries:
            placement = self._memoised(
                self._commune_memo,
                (part, scope, district_ids),
                lambda part=part: self._commune(self._segment(part), scope, districts),
            )
            if placement is not None:
                return placement
        if district_part is not None:
            # The part read as a former district may be today's commune of the same name.
            placement = self._commune(self._segment(district_part), scope, ())
            if placement is not None:
                return placement
        return self._without_commune(scope, districts)

    def _without_commune(
        self, scope: _Scope | None, districts: tuple[LegacyDistrict, ...]
    ) -> Placement:
        islands = {d.successor for d in districts if d.successor is not None}
        if len(islands) == 1:
            commune = islands.pop()
            return Placement(
                status=PlacementStatus.CONVERTED_FROM_OLD,
                commune=commune,
                province=commune.province,
            )
        provinces = {self.provinces[pid] for pid in scope.new} if scope else set()
        if not provinces and districts:
            provinces = {d.province.successor for d in districts if d.province.successor}
        if len(provinces) == 1:
            return Placement(
                status=PlacementStatus.PROVINCE_ONLY,
                province=provinces.pop(),
                warning=WARNING_PROVINCE_ONLY,
            )
        return NOT_FOUND

    def legacy_province_by_cccd_code(self, code: str) -> LegacyProvince | None:
        digits = "".join(ch for ch in code or "" if ch.isdigit())
        if len(digits) == 2:
            digits = digits.zfill(3)
        return self.legacy_by_code.get(digits[:3]) if len(digits) in (3, 12) else None


# Another process (a `load_geography` run) may change the tables; look at most this often.
RECHECK_SECONDS: Final = 60.0

_index: AddressIndex | None = None


def _fingerprint() -> tuple[int, int, int, int]:
    return (
        Province.objects.count(),
        Commune.objects.count(),
        LegacyCommune.objects.count(),
        CommuneSuccession.objects.count(),
    )


def address_index() -> AddressIndex:
    """The process's index of the loaded geography, built on first use.

    Writes in this process drop it at once (see `geography_cache_clear`); a load run by another
    process is noticed within `RECHECK_SECONDS`, by counting rows. A worker forked after the
    index was built (the bulk import's) never queries: it keeps using its parent's index.
    """
    global _index
    if (
        _index is not None
        and _index.pid == os.getpid()
        and time.monotonic() - _index.checked_at > RECHECK_SECONDS
    ):
        if _fingerprint() == _index.fingerprint:
            _index.checked_at = time.monotonic()
        else:
            _index = None
    if _index is None:
        _index = AddressIndex()
    return _index


def geography_cache_clear(*args, **kwargs) -> None:
    """Forget the index (and the memoised answers); the next placement rebuilds it.

    Called after `load_geography` and whenever a geography row is saved or deleted; accepts and
    ignores signal arguments.
    """
    global _index
    _index = None
