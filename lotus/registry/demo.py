"""Synthetic women and households for demos, training and load tests.

Everything is drawn from one `random.Random(seed)`, so a seed and a reference date give the
same persons, households, CCCDs and phones every time. Frequencies follow public figures
roughly: about 38 % of Vietnamese are Nguyễn; "Thị" is the commonest middle name of women
(less so among the young); the first three CCCD digits are the old (63-province) code of the
province where the birth was registered, so most people of a commune of today's Đồng Tháp
that used to be in Tiền Giang carry 082. Demo rows are marked `source="demo"`.
"""

import datetime as dt
import math
import random
import time
from bisect import bisect
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from lotus.accounts.demo import (
    commune_branches_ensure,
    demo_home_commune,
    demo_province,
    former_tien_giang_communes,
    province_by_number,
)
from lotus.core.db import roomy_sqlite
from lotus.core.text import fold
from lotus.geo.models import Commune, CommuneSuccession
from lotus.registry.models import Consent, Household, Person, RestrictedFact, Sex
from lotus.registry.sensitivity import RestrictedFactKind
from lotus.registry.validators import CCCD_PROVINCE_CODES

DEMO_SOURCE = "demo"
BATCH_SIZE = 5000
REGISTRY_PURPOSE = "registry"
CASH_GRANT_PURPOSE = "cash_grant"
CONSENT_TEXT_VERSIONS = {REGISTRY_PURPOSE: "registry-2025-07", CASH_GRANT_PURPOSE: "cash-2025-09"}
MAX_HOUSEHOLD_SIZE = 6

F, M = Sex.FEMALE, Sex.MALE
Rel = Person.Relationship


class _Weighted:
    """A fixed weighted choice; bisect on cumulative weights is cheap enough for 10⁵ draws."""

    def __init__(self, pairs):
        self.items = [item for item, _ in pairs]
        self.cumulative = []
        total = 0.0
        for _, weight in pairs:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


def _words(text: str, weight: float = 1.0) -> list[tuple[str, float]]:
    return [(word, weight) for word in text.split()]


# Shares in per cent of the population (Lê Trung Hoa's survey and later counts); the south
# says Huỳnh and Võ where the north says Hoàng and Vũ.
_FAMILY_COMMON = [
    ("Nguyễn", 38.4), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Phan", 4.5),
    ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0),
    ("Lý", 0.5), ("Trương", 1.2), ("Đào", 1.0), ("Đoàn", 1.0), ("Lâm", 0.8), ("Mai", 0.8),
    ("Cao", 0.7), ("Lưu", 0.5), ("Tạ", 0.4), ("Châu", 0.5), ("Thái", 0.4), ("Tô", 0.4),
    ("Hà", 0.7), ("Lương", 0.6), ("Kiều", 0.2), ("Quách", 0.2), ("Tăng", 0.2), ("La", 0.2),
]  # fmt: skip
FAMILY_NAMES_SOUTH = _Weighted([*_FAMILY_COMMON, ("Huỳnh", 4.0), ("Hoàng", 1.0), ("Võ", 3.4),
                                ("Vũ", 0.5)])  # fmt: skip
FAMILY_NAMES_NORTH = _Weighted([*_FAMILY_COMMON, ("Hoàng", 4.6), ("Huỳnh", 0.4), ("Vũ", 3.4),
                                ("Võ", 0.5)])  # fmt: skip
# Ethnic groups whose family names differ from the Kinh ones (codes of ETHNIC_GROUPS).
FAMILY_NAMES_BY_ETHNICITY = {
    "05": _Weighted(_words("Thạch Sơn Kim Danh Lâm Huỳnh Chau Lý")),  # Khơ-me
    "04": _Weighted(_words("Lâm Lý Trương Quách Châu Tăng Mã La Hứa Lưu")),  # Hoa
    "02": _Weighted(_words("Hoàng Nông Ma Lộc Lương Triệu Vi Hà Nguyễn")),  # Tày
    "07": _Weighted(_words("Hoàng Nông Lục Vi Lăng Chu Hà")),  # Nùng
    "09": _Weighted(_words("Triệu Bàn Lý Đặng Phùng")),  # Dao
    "18": _Weighted(_words("Trần Diệp Lam Lục Voòng")),  # Sán Dìu
    "15": _Weighted(_words("Hoàng Lương Trần Lâm")),  # Sán Chay
    "06": _Weighted(_words("Đinh Bùi Quách Hà Xa")),  # Mường
}

WOMEN_MIDDLE_OLDER = _Weighted([
    ("Thị", 72), ("Ngọc", 6), ("Thanh", 4), ("Thu", 3), ("Kim", 4), ("Mỹ", 2), ("Bích", 2),
    ("Hồng", 2), ("Thị Ngọc", 1), ("Thị Thu", 1), ("Thị Kim", 1), ("", 2),
])  # fmt: skip
# Born 1995 or later: "Thị" is far less common.
WOMEN_MIDDLE_YOUNGER = _Weighted([
    ("Thị", 32), ("Ngọc", 14), ("Thanh", 7), ("Thu", 6), ("Kim", 5), ("Mỹ", 5), ("Bích", 3),
    ("Hồng", 3), ("Thùy", 5), ("Minh", 4), ("Khánh", 3), ("Bảo", 3), ("Gia", 2),
    ("Thị Ngọc", 2), ("Thị Thu", 2), ("", 4),
])  # fmt: skip
WOMEN_GIVEN = _Weighted([
    *_words("Hoa Lan Hương Mai Linh Trang Thảo Hà Ngọc Phương Hạnh Thủy Hằng", 3.0),
    *_words("Nhung Yến Loan Dung Tuyết Nga Hiền Oanh Vân Quyên Diễm Huyền Giang Liên", 2.0),
    *_words("Thu Hồng Nhi Anh Vy Châu Nhàn Xuân Thắm Lệ Cúc Đào Hậu Thư Ngân Trinh", 1.0),
    *_words("Uyên Tâm Hạnh Thương Duyên Tiên Lý Bé Út Sen Hiếu My Kiều Diệu Hân", 0.6),
])  # fmt: skip
MEN_MIDDLE = _Weighted([
    ("Văn", 45), ("Hữu", 8), ("Đức", 8), ("Minh", 10), ("Quốc", 6), ("Thanh", 5),
    ("Công", 5), ("Hoàng", 4), ("Ngọc", 3), ("Xuân", 3), ("Gia", 3),
])  # fmt: skip
MEN_GIVEN = _Weighted([
    *_words("Hùng Dũng Tuấn Nam Long Phúc Tài Hải Sơn Thắng Minh Quang", 3.0),
    *_words("Huy Trung Hiếu Thành Tâm Lộc Phong Khoa Đạt Kiên Vinh Cường Bình An", 2.0),
    *_words("Khang Bảo Tú Toàn Thịnh Hòa Lợi Nghĩa Tín Trí Hậu Tùng Việt Hưng", 1.0),
])  # fmt: skip

# Ethnic mix by today's province number; the default fits the Mekong delta.
ETHNICITY_DEFAULT = _Weighted([("01", 97.5), ("05", 1.5), ("04", 1.0)])
ETHNICITY_BY_PROVINCE = {
    79: _Weighted([("01", 93.0), ("04", 5.0), ("05", 1.2), ("17", 0.3), ("02", 0.5)]),
    1: _Weighted([("01", 98.5), ("06", 0.8), ("02", 0.4), ("04", 0.3)]),
    19: _Weighted(
        [
            ("01", 71.0),
            ("02", 11.0),
            ("07", 5.5),
            ("18", 3.5),
            ("09", 3.0),
            ("15", 2.5),
            ("04", 1.0),
            ("08", 1.0),
            ("06", 1.5),
        ]
    ),
}

# Where people living in a place were born (old 63-province CCCD codes): most locally,
# the rest from the Mekong delta, the centre and the north.
BIRTH_CODES_ELSEWHERE = _Weighted([
    ("087", 6), ("082", 6), ("083", 4), ("086", 3), ("089", 3), ("080", 4), ("079", 5),
    ("001", 5), ("038", 3), ("040", 3), ("034", 2), ("036", 2), ("019", 2), ("006", 1),
    ("024", 2), ("096", 2), ("094", 2), ("092", 2), ("052", 1), ("048", 1), ("074", 2),
])  # fmt: skip
# The first digits of the 9-digit CMND by old province (the card's own numbering, not the
# CCCD's); only the provinces the demo uses are listed, others fall back to "0" + 2 digits.
CMND_PREFIX = {"001": "01", "079": "02", "082": "31", "087": "34", "019": "09", "006": "09"}

# Mobile prefixes after 2018 (Viettel, VinaPhone, MobiFone, Vietnamobile) by market share.
MOBILE_PREFIXES = _Weighted([
    ("96", 6), ("97", 8), ("98", 8), ("86", 5), ("32", 3), ("33", 3), ("34", 3), ("35", 3),
    ("36", 3), ("37", 3), ("38", 3), ("39", 3), ("91", 6), ("94", 5), ("88", 3), ("81", 2),
    ("82", 2), ("83", 2), ("84", 2), ("85", 2), ("90", 4), ("93", 4), ("70", 3),
    ("76", 1), ("77", 1), ("78", 1), ("79", 1), ("92", 2), ("56", 1), ("58", 1), ("59", 1),
])  # fmt: skip

# Washington Group domains, weighted by how often each is the one with difficulty.
WG_DOMAINS = _Weighted([
    ("wg_walking", 35), ("wg_seeing", 25), ("wg_hearing", 15), ("wg_cognition", 12),
    ("wg_selfcare", 8), ("wg_communication", 5),
])  # fmt: skip
CHILD_COUNTS = _Weighted([(0, 10), (1, 30), (2, 38), (3, 16), (4, 6)])
WG_FIELDS = ("wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_selfcare",
             "wg_communication")  # fmt: skip


@dataclass
class DemoReport:
    """What a demo run made, for the command's summary."""

    persons: int = 0
    women: int = 0
    households: int = 0
    woman_headed_households: int = 0
    communes: int = 0
    provinces: int = 0
    union_members: int = 0
    pregnant: int = 0
    with_disability: int = 0
    migrant_workers: int = 0
    consents: int = 0
    restricted_facts: int = 0
    seconds: float = 0.0
    family_names: Counter = field(default_factory=Counter)

    def add(self, row: dict) -> None:
        """Count one person (a row of Person column values)."""
        self.persons += 1
        self.women += row["sex"] == F
        self.union_members += "union_branch_id" in row
        self.pregnant += row.get("is_pregnant", False)
        self.with_disability += row.get("has_disability", False)
        self.migrant_workers += row.get("is_migrant_worker", False)
        self.family_names[row["family_name"]] += 1

    def lines(self) -> list[str]:
        share = self.family_names.get("Nguyễn", 0) / self.persons if self.persons else 0.0
        return [
            f"{self.persons} persons ({self.women} women) in {self.households} households "
            f"({self.woman_headed_households} headed by a woman)",
            f"{self.communes} communes of {self.provinces} provinces",
            f"{self.union_members} union members, {self.pregnant} pregnant, "
            f"{self.with_disability} with a disability, {self.migrant_workers} migrant workers",
            f"{self.consents} consents, {self.restricted_facts} restricted facts",
            f"Nguyễn: {share:.1%}; generated in {self.seconds:.1f} s",
        ]


@dataclass
class _Place:
    commune: Commune
    province_number: int
    birth_code: str
    branch_id: int | None
    hamlet_word: str
    hamlets: int
    ethnicities: _Weighted
    south: bool


@dataclass(frozen=True)
class _Extras:
    """What is drawn for a person but saved in other tables."""

    registry_consent: bool
    cash_grant_consent: bool
    hiv: bool
    gbv_survivor: bool
    consent_days_ago: int
    consent_roll: float  # picks how the consent was given


@dataclass
class _Member:
    relationship: str
    sex: str
    age: int
    family_name: str
    ethnicity: str


def _spread(items: list, count: int) -> list:
    """`count` items evenly spread over `items` (all of them if there are fewer)."""
    if len(items) <= count:
        return list(items)
    return [items[(i * len(items)) // count] for i in range(count)]


def demo_communes() -> list[Commune]:
    """The communes demo data lives in: Đồng Tháp (mostly the former Tiền Giang, starting
    with the demo officers' commune), Ho Chi Minh City, Hà Nội and Thái Nguyên.

    Raises: lotus.accounts.demo.DemoGeographyMissing when Đồng Tháp is not loaded.
    """
    dong_thap = demo_province()
    home = demo_home_commune()
    former = [c for c in former_tien_giang_communes(dong_thap) if c.pk != home.pk]
    former_ids = {c.pk for c in former} | {home.pk}
    rest_of_dong_thap = [c for c in dong_thap.communes.order_by("code") if c.pk not in former_ids]
    picked = [home, *_spread(former, 13), *_spread(rest_of_dong_thap, 4 if former else 13)]
    for number, count in ((79, 6), (1, 4), (19, 4)):
        province = province_by_number(number)
        if province is not None:
            picked.extend(_spread(list(province.communes.order_by("code")), count))
    return picked


def _birth_codes(communes: list[Commune]) -> dict[int, str]:
    """Each commune's commonest old province code among its predecessors (CCCD digits 1–3)."""
    found: dict[int, Counter] = {}
    rows = CommuneSuccession.objects.filter(
        commune__in=[c.pk for c in communes], is_main_successor=True
    ).values_list("commune_id", "legacy_commune__district__province__code")
    for commune_id, code in rows:
        found.setdefault(commune_id, Counter())[str(code).zfill(3)] += 1
    codes = {}
    for commune in communes:
        counts = found.get(commune.pk, Counter())
        valid = sorted((-n, code) for code, n in counts.items() if code in CCCD_PROVINCE_CODES)
        if valid:
            codes[commune.pk] = valid[0][1]
        elif commune.province.code.zfill(3) in CCCD_PROVINCE_CODES:
            codes[commune.pk] = commune.province.code.zfill(3)
        else:
            codes[commune.pk] = "079"
    return codes


class _Generator:
    def __init__(self, *, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.today = today
        self.seed = seed
        self.cccds: set[str] = set()
        self.cmnds: set[str] = set()
        self.phones: set[str] = set()
        self.folded: dict[str, str] = {}

    # Places ---------------------------------------------------------------------------------
    def places(self, communes: list[Commune], branches: dict[int, object]) -> list[_Place]:
        codes = _birth_codes(communes)
        places = []
        for commune in communes:
            number = int(commune.province.code)
            south = number >= 75
            ward = "phuong" in fold(commune.division_type) or fold(commune.name).startswith(
                "phuong"
            )
            word = ("Khu phố" if ward else "Ấp") if south else ("Tổ" if ward else "Thôn")
            branch = branches.get(commune.pk)
            places.append(
                _Place(
                    commune=commune,
                    province_number=number,
                    birth_code=codes[commune.pk],
                    branch_id=branch.pk if branch is not None else None,
                    hamlet_word=word,
                    hamlets=self.rng.randint(4, 14),
                    ethnicities=ETHNICITY_BY_PROVINCE.get(number, ETHNICITY_DEFAULT),
                    south=south,
                )
            )
        return places

    # Households -----------------------------------------------------------------------------
    def family_name(self, ethnicity: str, place: _Place) -> str:
        table = FAMILY_NAMES_BY_ETHNICITY.get(ethnicity)
        if table is None:
            table = FAMILY_NAMES_SOUTH if place.south else FAMILY_NAMES_NORTH
        return table.pick(self.rng)

    def children(self, *, mother_age: int, count: int, family: str, ethnicity: str):
        rng = self.rng
        oldest = min(mother_age - 18, 30)
        if oldest < 0 or count == 0:
            return []
        ages = [rng.randint(0, oldest) for _ in range(count)]
        # Young mothers often have a baby: the cash-grant scenario targets children under 2.
        if mother_age <= 42 and rng.random() < 0.1:
            ages[0] = rng.randint(0, 1)
        return [_Member(Rel.CHILD, rng.choice((F, M)), age, family, ethnicity) for age in ages]

    def household_members(self, place: _Place) -> list[_Member]:
        rng = self.rng
        ethnicity = place.ethnicities.pick(rng)
        kind = rng.random()
        members: list[_Member] = []
        if kind < 0.50:
            # A couple and their children; about one in six of them names the wife as head.
            husband_age = rng.randint(22, 68)
            wife_age = max(18, husband_age - rng.randint(-2, 7))
            husband = _Member(
                Rel.HEAD, M, husband_age, self.family_name(ethnicity, place), ethnicity
            )
            wife_ethnicity = ethnicity if rng.random() < 0.9 else place.ethnicities.pick(rng)
            wife = _Member(
                Rel.SPOUSE, F, wife_age, self.family_name(wife_ethnicity, place), wife_ethnicity
            )
            if rng.random() < 0.17:
                husband.relationship, wife.relationship = Rel.SPOUSE, Rel.HEAD
                members += [wife, husband]
            else:
                members += [husband, wife]
            members += self.children(
                mother_age=wife_age,
                count=CHILD_COUNTS.pick(rng),
                family=husband.family_name,
                ethnicity=ethnicity,
            )
            if rng.random() < 0.2:
                members.append(self.elderly_parent(members[0], place))
        elif kind < 0.68:
            # A woman heading the household alone: widowed, separated, or the husband gone.
            head_age = rng.randint(22, 72)
            members.append(
                _Member(Rel.HEAD, F, head_age, self.family_name(ethnicity, place), ethnicity)
            )
            father_family = (
                members[0].family_name if rng.random() < 0.1 else self.family_name(ethnicity, place)
            )
            members += self.children(
                mother_age=head_age,
                count=max(1, CHILD_COUNTS.pick(rng)),
                family=father_family,
                ethnicity=ethnicity,
            )
            if rng.random() < 0.2:
                members.append(self.elderly_parent(members[0], place))
        elif kind < 0.80:
            # Three generations under the grandparents' roof.
            head_sex = M if rng.random() < 0.55 else F
            head_age = rng.randint(58, 84)
            head = _Member(
                Rel.HEAD, head_sex, head_age, self.family_name(ethnicity, place), ethnicity
            )
            members.append(head)
            if rng.random() < 0.7:
                members.append(
                    _Member(
                        Rel.SPOUSE,
                        F if head_sex == M else M,
                        max(50, head_age + rng.randint(-6, 4)),
                        self.family_name(ethnicity, place),
                        ethnicity,
                    )
                )
            child_sex = rng.choice((F, M))
            child_age = rng.randint(24, min(48, head_age - 18))
            child_family = head.family_name if head_sex == M else self.family_name(ethnicity, place)
            members.append(_Member(Rel.CHILD, child_sex, child_age, child_family, ethnicity))
            grandchildren_family = child_family
            mother_age = child_age
            if rng.random() < 0.75:
                in_law_family = self.family_name(ethnicity, place)
                in_law_age = max(20, child_age + rng.randint(-4, 4))
                members.append(
                    _Member(
                        Rel.OTHER, M if child_sex == F else F, in_law_age, in_law_family, ethnicity
                    )
                )
                if child_sex == F:
                    grandchildren_family = in_law_family
                else:
                    mother_age = in_law_age
            for grandchild in self.children(
                mother_age=mother_age,
                count=rng.randint(1, 2),
                family=grandchildren_family,
                ethnicity=ethnicity,
            ):
                grandchild.relationship = Rel.GRANDCHILD
                members.append(grandchild)
        elif kind < 0.92:
            # Older people on their own or as a couple.
            head_sex = F if rng.random() < 0.65 else M
            head_age = rng.randint(60, 92)
            members.append(
                _Member(Rel.HEAD, head_sex, head_age, self.family_name(ethnicity, place), ethnicity)
            )
            if rng.random() < 0.4:
                members.append(
                    _Member(
                        Rel.SPOUSE,
                        M if head_sex == F else F,
                        max(58, head_age + rng.randint(-5, 5)),
                        self.family_name(ethnicity, place),
                        ethnicity,
                    )
                )
        else:
            members.append(
                _Member(
                    Rel.HEAD,
                    F if rng.random() < 0.55 else M,
                    rng.randint(20, 60),
                    self.family_name(ethnicity, place),
                    ethnicity,
                )
            )
        return members[:MAX_HOUSEHOLD_SIZE]

    def elderly_parent(self, head: _Member, place: _Place) -> _Member:
        rng = self.rng
        sex = F if rng.random() < 0.7 else M
        age = min(98, max(60, head.age + rng.randint(20, 34)))
        family = head.family_name if sex == M else self.family_name(head.ethnicity, place)
        return _Member(Rel.PARENT, sex, age, family, head.ethnicity)

    # Persons --------------------------------------------------------------------------------
    def name(self, sex: str, birth_year: int, family: str) -> tuple[str, str, str]:
        rng = self.rng
        if sex == F:
            table = WOMEN_MIDDLE_YOUNGER if birth_year >= 1995 else WOMEN_MIDDLE_OLDER
            return family, table.pick(rng), WOMEN_GIVEN.pick(rng)
        return family, MEN_MIDDLE.pick(rng), MEN_GIVEN.pick(rng)

    def birth(self, age: int) -> tuple[dt.date | None, int, str]:
        rng = self.rng
        born = self.today - dt.timedelta(days=age * 365 + age // 4 + rng.randrange(365))
        # Older people's papers often carry the year alone.
        year_only = rng.random() < (0.12 if age >= 60 else 0.015)
        if year_only:
            return None, born.year, Person.BirthDatePrecision.YEAR
        return born, born.year, Person.BirthDatePrecision.DAY

    def cccd(self, sex: str, birth_year: int, place: _Place, age: int) -> str:
        rng = self.rng
        local_share = 0.95 if age < 18 else 0.85
        code = place.birth_code if rng.random() < local_share else BIRTH_CODES_ELSEWHERE.pick(rng)
        century = (birth_year // 100 - 19) * 2 + (1 if sex == F else 0)
        prefix = f"{code}{century}{birth_year % 100:02d}"
        while True:
            number = f"{prefix}{rng.randrange(1_000_000):06d}"
            if number not in self.cccds:
                self.cccds.add(number)
                return number

    def cmnd(self, place: _Place) -> str:
        prefix = CMND_PREFIX.get(place.birth_code, place.birth_code[1:])
        while True:
            number = f"{prefix}{self.rng.randrange(10_000_000):07d}"
            if number not in self.cmnds:
                self.cmnds.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = f"+84{MOBILE_PREFIXES.pick(self.rng)}{self.rng.randrange(10_000_000):07d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def difficulties(self, row: dict, age: int) -> None:
        """Washington Group short set; asked of everyone aged 5 or more."""
        rng = self.rng
        if age < 5:
            return
        if age < 18:
            chance, some = 0.02, 0.03
        elif age < 60:
            chance, some = 0.055, 0.06
        elif age < 75:
            chance, some = 0.17, 0.2
        else:
            chance, some = 0.35, 0.35
        for name in WG_FIELDS:
            row[name] = 2 if rng.random() < some else 1
        if rng.random() < chance:
            for _ in range(1 if rng.random() < 0.7 else 2):
                row[WG_DOMAINS.pick(rng)] = 3 if rng.random() < 0.8 else 4
            row["has_disability"] = True

    def income(self, age: int, place: _Place) -> int | None:
        rng = self.rng
        if age < 18:
            return None
        if age >= 65:
            return rng.randrange(5, 31) * 100_000 if rng.random() < 0.4 else None
        if rng.random() < 0.1:
            return 0
        median = 7_500_000 if place.province_number in (1, 79) else 5_000_000
        amount = rng.lognormvariate(math.log(median), 0.55)
        return min(int(amount) // 100_000 * 100_000, 80_000_000)

    def person(
        self, member: _Member, place: _Place, index: int, address: str
    ) -> tuple[dict, _Extras]:
        """One person as Person column values (by attname), and what goes with her."""
        rng = self.rng
        age = member.age
        birth_date, birth_year, precision = self.birth(age)
        family, middle, given = self.name(member.sex, birth_year, member.family_name)
        full = " ".join(part for part in (family, middle, given) if part)
        row = {
            "full_name": full,
            "family_name": family,
            "middle_name": middle,
            "given_name": given,
            "name_key": self.fold(full),
            "birth_date": birth_date,
            "birth_year": birth_year,
            "birth_date_precision": precision,
            "sex": member.sex,
            "ethnicity": member.ethnicity,
            "commune_id": place.commune.pk,
            "province_id": place.commune.province_id,
            "address_text": address,
            "relationship_to_head": member.relationship,
            "source": DEMO_SOURCE,
            "source_id": f"{self.seed}-{index}",
        }
        # Older women kept the 9-digit CMND; children's personal numbers are on record for
        # most; a few adults have not been given a CCCD yet.
        if member.sex == F and birth_year < 1970 and rng.random() < 0.3:
            row["cmnd"] = self.cmnd(place)
        elif rng.random() < (0.7 if age < 14 else 0.97):
            row["cccd"] = self.cccd(member.sex, birth_year, place, age)
            row["cccd_verified"] = True
        if age >= 16 and rng.random() < (0.5 if age >= 70 else 0.9):
            row["phone"] = self.phone()
            row["phone_verified"] = True
        self.difficulties(row, age)
        row["monthly_income"] = self.income(age, place)
        if 18 <= age <= 59:
            row["is_migrant_worker"] = rng.random() < 0.08
        if member.sex == F and 18 <= age <= 45:
            row["is_pregnant"] = rng.random() < 0.03
        joins = member.sex == F and age >= 18 and place.branch_id is not None
        if joins and rng.random() < (0.45 if age < 30 else 0.68):
            row["union_branch_id"] = place.branch_id
            year = rng.randint(max(birth_year + 18, 1985), self.today.year)
            since = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            row["member_since"] = min(since, self.today)
        extras = _Extras(
            registry_consent=rng.random() < 0.98,
            cash_grant_consent=age >= 16 and rng.random() < 0.85,
            hiv=age >= 15 and rng.random() < 0.005,
            gbv_survivor=member.sex == F and age >= 15 and rng.random() < 0.02,
            consent_days_ago=rng.randint(1, 730),
            consent_roll=rng.random(),
        )
        return row, extras

    def fold(self, text: str) -> str:
        key = self.folded.get(text)
        if key is None:
            key = self.folded[text] = fold(text)
        return key

    def consents(self, person_id: int, row: dict, extras: _Extras) -> list[dict]:
        if not extras.registry_consent:
            return []
        roll = extras.consent_roll
        age = self.today.year - row["birth_year"]
        if age >= 65 and roll < 0.5:
            method = Consent.Method.THUMBPRINT
        elif roll < 0.75:
            method = Consent.Method.WRITTEN
        elif roll < 0.87:
            method = Consent.Method.VERBAL
        else:
            method = Consent.Method.DIGITAL
        purposes = [REGISTRY_PURPOSE] + ([CASH_GRANT_PURPOSE] if extras.cash_grant_consent else [])
        given_on = self.today - dt.timedelta(days=extras.consent_days_ago)
        return [
            {
                "person_id": person_id,
                "purpose": purpose,
                "given_on": given_on,
                "method": method,
                "text_version": CONSENT_TEXT_VERSIONS[purpose],
            }
            for purpose in purposes
        ]


class _Inserter:
    """Plain INSERTs (COPY on PostgreSQL) of ready rows for one model.

    bulk_create spends most of its time preparing each of Person's 45 fields through the
    field API (90 s for 100,000 persons on the demo machine); the demo rows are built
    already clean, so they go straight to the cursor, with only dates and times adapted
    for the database. Derived fields (name_key, has_disability, province) are filled by the
    generator itself, as person_bulk_create would.
    """

    def __init__(self, model, now: dt.datetime):
        ops = connection.ops
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.table = ops.quote_name(model._meta.db_table)
        self.column_list = ", ".join(ops.quote_name(f.column) for f in fields)
        stamp = ops.adapt_datetimefield_value(now)
        # The value of each column when the row leaves it out; auto_now stamps are set here
        # because these INSERTs bypass the fields' pre_save.
        self.defaults = [
            stamp
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
            else f.get_default()
            for f in fields
        ]
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.date_columns = [
            i
            for i, f in enumerate(fields)
            if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
        ]
        marks = ", ".join(["%s"] * len(fields))
        self.insert_sql = f"INSERT INTO {self.table} ({self.column_list}) VALUES ({marks})"
        self.copy_sql = f"COPY {self.table} ({self.column_list}) FROM STDIN"

    def insert(self, rows: list[dict]) -> None:
        adapt = connection.ops.adapt_datefield_value
        index = self.index
        values = []
        for row in rows:
            line = self.defaults.copy()
            for name, value in row.items():
                line[index[name]] = value
            for i in self.date_columns:
                line[i] = adapt(line[i])
            values.append(line)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # executemany costs PostgreSQL a round trip and an executor start per row
                # (2.5 min for 100,000 persons); COPY streams the rows in one statement.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for line in values:
                        copy.write_row(line)
            else:
                # SQLite runs executemany on one prepared statement, its fastest path.
                cursor.executemany(self.insert_sql, values)


def _save_batch(
    pending: list[tuple[Household, list[tuple[dict, _Extras]]]],
    generator: _Generator,
    inserters: dict,
    report: DemoReport,
) -> None:
    """Insert a batch of households with their members, consents and restricted facts."""
    households = [household for household, _ in pending]
    Household.objects.bulk_create(households, batch_size=BATCH_SIZE)
    rows = []
    for household, members in pending:
        for row, _extras in members:
            row["household_id"] = household.pk
            rows.append(row)
    inserters[Person].insert(rows)
    household_ids = [h.pk for h in households]
    # One UPDATE for the batch: each household's head is the member marked head.
    Household.objects.filter(pk__in=household_ids).update(
        head=Subquery(
            Person.all_objects.filter(
                household=OuterRef("pk"), relationship_to_head=Rel.HEAD
            ).values("pk")[:1]
        )
    )
    person_ids = dict(
        Person.all_objects.filter(household__in=household_ids).values_list("source_id", "pk")
    )
    consents: list[dict] = []
    facts: list[RestrictedFact] = []
    for _household, members in pending:
        for row, extras in members:
            person_id = person_ids[row["source_id"]]
            consents += generator.consents(person_id, row, extras)
            if extras.hiv:
                facts.append(
                    RestrictedFact(person_id=person_id, kind=RestrictedFactKind.HIV_STATUS)
                )
            if extras.gbv_survivor:
                facts.append(
                    RestrictedFact(person_id=person_id, kind=RestrictedFactKind.GBV_SURVIVOR)
                )
            report.add(row)
    inserters[Consent].insert(consents)
    RestrictedFact.objects.bulk_create(facts, batch_size=BATCH_SIZE)
    report.households += len(households)
    report.woman_headed_households += sum(1 for _h, members in pending if members[0][0]["sex"] == F)
    report.consents += len(consents)
    report.restricted_facts += len(facts)


def _generate_households(
    generator: _Generator, places: list[_Place], count: int, inserters: dict, report: DemoReport
) -> None:
    """Draw households (a commune, a hamlet, members) until `count` persons, saving in batches."""
    rng = generator.rng
    place_picker = _Weighted([(place, rng.uniform(0.6, 1.4)) for place in places])
    pending: list[tuple[Household, list[tuple[dict, _Extras]]]] = []
    pending_persons = 0
    made = 0
    while made < count:
        place = place_picker.pick(rng)
        members = generator.household_members(place)[: count - made]
        hamlet = f"{place.hamlet_word} {rng.randint(1, place.hamlets)}"
        if rng.random() < 0.4:
            hamlet = f"Số {rng.randint(1, 250)}, {hamlet}"
        address = f"{hamlet}, {place.commune.name}, {place.commune.province.name}"
        household = Household(
            commune=place.commune, province_id=place.commune.province_id, address=address
        )
        rows = []
        for member in members:
            rows.append(generator.person(member, place, made, address))
            made += 1
        pending.append((household, rows))
        pending_persons += len(rows)
        if pending_persons >= BATCH_SIZE:
            _save_batch(pending, generator, inserters, report)
            pending, pending_persons = [], 0
    if pending:
        _save_batch(pending, generator, inserters, report)


@transaction.atomic
def generate_persons(
    *, count: int, seed: int, communes: list[Commune], today: dt.date | None = None
) -> DemoReport:
    """Create `count` synthetic persons in households spread over `communes`.

    Deterministic for a seed and a reference date (`today`, by default the current date):
    ages, and so birth dates and CCCDs, count back from it. Creates the commune union
    branches that are missing. Rows are inserted in bulk, so no edit-history rows are
    written (the history starts with the first real edit).
    """
    started = time.perf_counter()
    report = DemoReport()
    if count <= 0 or not communes:
        return report
    by_id = Commune.objects.select_related("province").in_bulk([c.pk for c in communes])
    communes = [by_id[pk] for pk in dict.fromkeys(c.pk for c in communes)]
    generator = _Generator(seed=seed, today=today or dt.date.today())
    now = timezone.now()
    inserters = {Person: _Inserter(Person, now), Consent: _Inserter(Consent, now)}
    branches = commune_branches_ensure(communes)
    places = generator.places(communes, branches)
    # The page cache only: with the default 2 MB, each batch of persons is slower than the
    # one before as a dozen indexes outgrow the cache.
    with roomy_sqlite(mmap=False):
        _generate_households(generator, places, count, inserters, report)
    report.communes = len(communes)
    report.provinces = len({c.province_id for c in communes})
    report.seconds = time.perf_counter() - started
    return report


def demo_persons_exist() -> bool:
    """Whether demo persons are already in the registry (a second `make demo` skips them)."""
    return Person.all_objects.filter(source=DEMO_SOURCE).exists()
