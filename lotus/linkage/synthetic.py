"""Synthetic registries with planted duplicates, for training the model and benchmarking it.

A population of women (and some men) with Vietnamese names, dates of birth, CCCD, CMND,
phones and communes; then a share of them entered a second (or third) time with the errors
officers' lists really carry: tone marks dropped, Telex or VNI keystrokes left in, typos,
all capitals, day and month swapped, the year alone, a moved commune, an old address placed
in two possible communes, a new phone or the old 11-digit form, a CMND instead of the CCCD,
a middle or family name left out. The error rates are parameters: training and the benchmark
use different rates and seeds, so the benchmark does not grade the model on its own data.
"""

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from lotus.linkage.vn_names import (
    FAMILY_SHARES,
    FEMALE_GIVEN,
    FEMALE_MIDDLE,
    MALE_GIVEN,
    MALE_MIDDLE,
)

# Old (63-province) CCCD codes, enough to draw from.
_CCCD_PROVINCES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
).split()
_MOBILE_PREFIXES = "032 033 034 035 036 037 038 039 070 076 077 078 079 081 082 083 084 085 086 088 089 090 091 093 094 096 097 098".split()  # noqa: E501
_OLD_PREFIX = {"032": "0162", "033": "0163", "034": "0164", "035": "0165", "036": "0166",
               "037": "0167", "038": "0168", "039": "0169", "070": "0120", "079": "0121",
               "077": "0122", "076": "0126", "078": "0128", "083": "0123", "084": "0124",
               "085": "0125", "081": "0127", "082": "0129"}  # fmt: skip
_RARE_FAMILY = "Âu Bạch Biện Cù Đàm Giáp Khổng Kha Khúc Lạc Lại Lò Mạc Nghiêm Ninh Nông Phí Quan Sầm Tòng Thạch Ung Vi Viên Yên".split()  # noqa: E501
_SYLLABLES = "an anh bảo bích cẩm châu chi diệp diệu dung duyên giang hà hạ hải hạnh hân hiền hoa hoài hồng huệ hương khánh khuê kiều lam lan liên linh loan ly mai minh my nga ngân ngọc nguyệt nhã nhi nhung oanh phương quế quyên quỳnh sa sen thanh thảo thi thơ thu thư thùy thủy tiên trâm trang trinh tú tuyết uyên vân vi xuân yến".split()  # noqa: E501


@dataclass(frozen=True)
class ErrorRates:
    """Chance that a duplicate entry carries each error (independently)."""

    duplicated: float = 0.10  # share of persons entered more than once
    third_copy: float = 0.15  # of those, share entered a third time
    tones_dropped: float = 0.35
    telex: float = 0.04
    vni: float = 0.03
    all_caps: float = 0.10
    other_tone_placement: float = 0.10
    name_typo: float = 0.10
    middle_missing: float = 0.07
    family_missing: float = 0.02
    day_month_swapped: float = 0.04
    year_only: float = 0.08
    date_typo: float = 0.04
    moved_commune: float = 0.10
    moved_province: float = 0.03
    old_address: float = 0.07
    new_phone: float = 0.20
    phone_missing: float = 0.15
    old_phone_form: float = 0.05
    phone_typo: float = 0.02
    cccd_missing: float = 0.15
    cccd_typo: float = 0.04
    cmnd_instead: float = 0.08


TRAINING_RATES = ErrorRates()
# The benchmark's errors are more frequent than the training data's, some much more.
BENCHMARK_RATES = replace(
    ErrorRates(),
    tones_dropped=0.45,
    telex=0.06,
    vni=0.05,
    name_typo=0.14,
    middle_missing=0.10,
    day_month_swapped=0.06,
    year_only=0.10,
    moved_commune=0.14,
    old_address=0.10,
    new_phone=0.30,
    cccd_missing=0.20,
    cccd_typo=0.06,
    cmnd_instead=0.10,
)


@dataclass
class Population:
    records: list[dict[str, Any]] = field(default_factory=list)
    # person number of each record: records of one person share it
    truth: dict[int, int] = field(default_factory=dict)

    def true_pairs(self) -> set[tuple[int, int]]:
        by_person: dict[int, list[int]] = {}
        for record_id, person in self.truth.items():
            by_person.setdefault(person, []).append(record_id)
        pairs = set()
        for ids in by_person.values():
            ids.sort()
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    pairs.add((a, b))
        return pairs


_TELEX_MOD = {"â": "aa", "ê": "ee", "ô": "oo", "ă": "aw", "ơ": "ow", "ư": "uw", "đ": "dd"}
_VNI_MOD = {"â": "a6", "ê": "e6", "ô": "o6", "ă": "a8", "ơ": "o7", "ư": "u7", "đ": "d9"}
_TONES = {"\u0301": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0323": 4}


def _keystrokes(word: str, *, vni: bool) -> str:
    """A word as typed on a Telex or VNI keyboard with the input method switched off."""
    tone = None
    letters = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            letters.append(ch)
    base = unicodedata.normalize("NFC", "".join(letters))
    table = _VNI_MOD if vni else _TELEX_MOD
    out = "".join(
        table.get(ch.lower(), ch) if not ch.isupper() else table.get(ch.lower(), ch).capitalize()
        for ch in base
    )
    if tone is not None:
        out += "12345"[tone] if vni else "sfrxj"[tone]
    return out


def _strip_tones(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.replace("đ", "d").replace("Đ", "D")


def _old_tone_placement(text: str) -> str:
    """Hòa → Hoà style (tone on the last vowel of oa/oe/uy), in NFD."""
    swaps = {"òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "úy": "uý",
             "ùy": "uỳ", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ"}  # fmt: skip
    for new, old in swaps.items():
        text = text.replace(new, old)
    return unicodedata.normalize("NFD", text)


def _typo(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    index = rng.randrange(len(words))
    word = words[index]
    if len(word) < 3:
        return text
    pos = rng.randrange(1, len(word))
    op = rng.random()
    letter = rng.choice("aeioumnhtgcl")
    if op < 0.3:
        word = word[:pos] + word[pos + 1 :]
    elif op < 0.55:
        word = word[:pos] + letter + word[pos:]
    elif op < 0.85:
        word = word[:pos] + letter + word[pos + 1 :]
    elif pos < len(word) - 1:
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    words[index] = word
    return " ".join(words)


def _cumulative(n: int, exponent: float) -> list[float]:
    total = 0.0
    out = []
    for rank in range(1, n + 1):
        total += 1 / rank**exponent
        out.append(total)
    return out


class Generator:
    def __init__(self, *, seed: int, provinces: int = 34, communes_per_province: int = 98):
        self.rng = random.Random(seed)
        self.provinces = list(range(1, provinces + 1))
        self.communes = {
            p: [p * 1000 + k for k in range(1, communes_per_province + 1)] for p in self.provinces
        }
        families = list(FAMILY_SHARES)
        self._family_names = [self._display_family(f) for f in families] + _RARE_FAMILY
        weights = list(FAMILY_SHARES.values())
        rest = max(0.0, 1 - sum(weights))
        self._family_weights = weights + [rest / len(_RARE_FAMILY)] * len(_RARE_FAMILY)
        self._female_given = FEMALE_GIVEN + [s.capitalize() for s in _SYLLABLES]
        self._female_given_cum = _cumulative(len(self._female_given), 0.7)
        self._male_given = MALE_GIVEN
        self._male_given_cum = _cumulative(len(self._male_given), 0.7)
        self._middle_cum = _cumulative(len(FEMALE_MIDDLE), 0.9)
        self._male_middle_cum = _cumulative(len(MALE_MIDDLE), 0.9)
        self._commune_cum = _cumulative(communes_per_province, 0.3)

    @staticmethod
    def _display_family(folded: str) -> str:
        names = {"nguyen": "Nguyễn", "tran": "Trần", "le": "Lê", "pham": "Phạm",
                 "hoang": "Hoàng", "huynh": "Huỳnh", "phan": "Phan", "vu": "Vũ", "vo": "Võ",
                 "dang": "Đặng", "bui": "Bùi", "do": "Đỗ", "ho": "Hồ", "ngo": "Ngô",
                 "duong": "Dương", "ly": "Lý", "dinh": "Đinh", "doan": "Đoàn", "lam": "Lâm",
                 "mai": "Mai", "trinh": "Trịnh", "truong": "Trương", "luong": "Lương",
                 "cao": "Cao", "ha": "Hà", "ta": "Tạ", "luu": "Lưu", "thai": "Thái",
                 "chau": "Châu", "quach": "Quách", "kieu": "Kiều", "vuong": "Vương",
                 "to": "Tô", "dao": "Đào", "la": "La", "than": "Thân", "trieu": "Triệu",
                 "tu": "Từ", "luc": "Lục", "phung": "Phùng", "hua": "Hứa", "diep": "Diệp",
                 "tang": "Tăng", "lo": "Lò", "nong": "Nông", "vi": "Vi"}  # fmt: skip
        return names[folded]

    def _pick(self, items: list, cumulative: list[float]):
        return self.rng.choices(items, cum_weights=cumulative)[0]

    def person(self, number: int) -> dict[str, Any]:
        rng = self.rng
        female = rng.random() < 0.85
        family = rng.choices(self._family_names, self._family_weights)[0]
        if female:
            middle = "Thị" if rng.random() < 0.55 else self._pick(FEMALE_MIDDLE, self._middle_cum)
            if rng.random() < 0.10:
                middle = f"{middle} {self._pick(FEMALE_MIDDLE, self._middle_cum)}"
            given = self._pick(self._female_given, self._female_given_cum)
        else:
            middle = (
                "Văn" if rng.random() < 0.45 else self._pick(MALE_MIDDLE, self._male_middle_cum)
            )
            given = self._pick(self._male_given, self._male_given_cum)
        year = rng.randint(1940, 2007)
        birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        year_only = rng.random() < 0.06
        province = rng.choice(self.provinces)
        commune = self._pick(self.communes[province], self._commune_cum)
        cccd_province = rng.choice(_CCCD_PROVINCES)
        century = (year // 100 - 19) * 2 + (1 if female else 0)
        cccd = f"{cccd_province}{century}{year % 100:02d}{rng.randrange(1_000_000):06d}"
        cmnd = f"{rng.randrange(10_000_000, 399_999_999):09d}"
        phone = f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10_000_000):07d}"
        return {
            "id": number,
            "full_name": f"{family} {middle} {given}",
            "birth_date": None if year_only else birth,
            "birth_year": year,
            "sex": "F" if female else "M",
            "cccd": cccd if rng.random() < 0.85 else "",
            "cmnd": cmnd if rng.random() < 0.12 else "",
            "_cmnd": cmnd,
            "phone": phone if rng.random() < 0.80 else "",
            "commune_id": commune,
            "province_id": province,
            "commune_candidates": [],
        }

    def duplicate(self, original: dict[str, Any], number: int, rates: ErrorRates) -> dict:
        rng = self.rng
        record = dict(original, id=number)
        name = record["full_name"]
        words = name.split(" ")
        if len(words) > 2 and rng.random() < rates.middle_missing:
            name = f"{words[0]} {words[-1]}"
        elif len(words) > 2 and rng.random() < rates.family_missing:
            name = " ".join(words[1:])
        if rng.random() < rates.name_typo:
            name = _typo(rng, name)
        roll = rng.random()
        if roll < rates.telex:
            name = " ".join(_keystrokes(w, vni=False) for w in name.split(" "))
        elif roll < rates.telex + rates.vni:
            name = " ".join(_keystrokes(w, vni=True) for w in name.split(" "))
        elif rng.random() < rates.tones_dropped:
            name = _strip_tones(name)
        elif rng.random() < rates.other_tone_placement:
            name = _old_tone_placement(name)
        if rng.random() < rates.all_caps:
            name = name.upper()
        record["full_name"] = name

        birth = original["birth_date"]
        if birth is not None:
            if rng.random() < rates.year_only:
                birth = None
            elif (
                birth.day <= 12
                and birth.day != birth.month
                and (rng.random() < rates.day_month_swapped)
            ):
                birth = dt.date(birth.year, birth.day, birth.month)
            elif rng.random() < rates.date_typo:
                day = min(28, max(1, birth.day + rng.choice((-10, -1, 1, 10))))
                birth = dt.date(birth.year, birth.month, day)
        record["birth_date"] = birth
        record["birth_year"] = birth.year if birth else original["birth_year"]

        if rng.random() < rates.moved_province:
            record["province_id"] = rng.choice(self.provinces)
            record["commune_id"] = rng.choice(self.communes[record["province_id"]])
        elif rng.random() < rates.moved_commune:
            record["commune_id"] = rng.choice(self.communes[record["province_id"]])
        elif record["commune_id"] is not None and rng.random() < rates.old_address:
            # An old commune split between today's: placed in neither, both are candidates.
            other = rng.choice(self.communes[record["province_id"]])
            record["commune_candidates"] = sorted({record["commune_id"], other})
            record["commune_id"] = None

        phone = original["phone"]
        if rng.random() < rates.new_phone:
            phone = f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10_000_000):07d}"
        elif rng.random() < rates.phone_missing:
            phone = ""
        elif phone and rng.random() < rates.old_phone_form and phone[:3] in _OLD_PREFIX:
            phone = _OLD_PREFIX[phone[:3]] + phone[3:]
        elif phone and rng.random() < rates.phone_typo:
            pos = rng.randrange(3, 10)
            phone = phone[:pos] + str((int(phone[pos]) + 1) % 10) + phone[pos + 1 :]
        record["phone"] = phone

        cccd = original["cccd"]
        former_id = original.get("_cmnd") or original.get("cmnd")
        if former_id and rng.random() < rates.cmnd_instead:
            record["cmnd"] = former_id
            cccd = ""
        elif rng.random() < rates.cccd_missing:
            cccd = ""
        elif cccd and rng.random() < rates.cccd_typo:
            pos = rng.randrange(6, 12)
            cccd = cccd[:pos] + str((int(cccd[pos]) + rng.randint(1, 9)) % 10) + cccd[pos + 1 :]
        record["cccd"] = cccd
        return record

    def household_member(self, person: dict[str, Any], number: int) -> dict[str, Any]:
        """A relative in the same commune sharing the phone: a near miss, not a duplicate."""
        relative = self.person(number)
        family = person["full_name"].split(" ")[0]
        relative["full_name"] = f"{family} {relative['full_name'].split(' ', 1)[1]}"
        relative.update(
            commune_id=person["commune_id"],
            province_id=person["province_id"],
            phone=person["phone"],
        )
        return relative


def generate(n: int, *, seed: int, rates: ErrorRates = TRAINING_RATES) -> Population:
    """About `n` records: persons, their relatives, and duplicates of some of them."""
    gen = Generator(seed=seed)
    population = Population()
    number = 0
    while number < n:
        number += 1
        person = gen.person(number)
        person_number = number
        population.records.append(person)
        population.truth[number] = person_number
        if gen.rng.random() < rates.duplicated:
            copies = 2 if gen.rng.random() < rates.third_copy else 1
            for _ in range(copies):
                number += 1
                population.records.append(gen.duplicate(person, number, rates))
                population.truth[number] = person_number
        if person["phone"] and gen.rng.random() < 0.08:
            number += 1
            population.records.append(gen.household_member(person, number))
            population.truth[number] = number
    for record in population.records:
        record.pop("_cmnd", None)
    return population
