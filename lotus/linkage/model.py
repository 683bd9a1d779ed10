"""The linkage model: comparisons, blocking rules and the shipped parameters.

The comparisons are written once, here, in two forms that must agree (a test checks it):
Splink comparison levels (SQL, for DuckDB or Spark) and plain Python predicates (for scoring
one record against a few candidates without starting a database, see `score_pair`).

The m and u probabilities were estimated once (`manage.py train_linkage_model`) and are
shipped in `model/splink_model.json`. What depends on the data linked is set at each run:

- the prior, "probability that two random records match", from the number of records
  compared and the shipped rate of duplicates per record, so a file of 500 rows and a
  registry of a million get the same evidence threshold per record;
- term frequencies of given, middle and family names and of phones, counted in the data
  and blended with a national prior (`vn_names`), so a rare name weighs more than "Hoa"
  and "Nguyễn" or "Thị" carry little, even in a small file.
"""

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from lotus.linkage.vn_names import PRIOR_SHARES, UNLISTED_SHARE

MODEL_PATH = Path(__file__).resolve().parent / "model" / "splink_model.json"
MODEL_VERSION = "2026.1"

# Columns whose exact agreement is adjusted by how common the value is.
TF_COLUMNS = ("given", "family", "middle", "phone")
# Weight, in records, of the national prior against the counts of the data linked.
TF_PRIOR_RECORDS = 20_000
# A rare value can not make an exact agreement weigh more than this u would.
TF_MINIMUM_U = 1e-6


# --- Python twins of the SQL conditions -------------------------------------------------


def within_one_edit(a: str | None, b: str | None) -> bool:
    """Damerau-Levenshtein distance ≤ 1: one letter added, dropped, changed or two swapped."""
    if a is None or b is None:
        return False
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and (a[diff[1]] == b[diff[0]])
        )
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _null(col: str) -> Callable[[Mapping, Mapping], bool]:
    return lambda a, b: a[col] is None or b[col] is None


def _eq(col: str, col_r: str | None = None) -> Callable[[Mapping, Mapping], bool]:
    other = col_r or col
    return lambda a, b: a[col] is not None and a[col] == b[other]


def _edit1(col: str) -> Callable[[Mapping, Mapping], bool]:
    return lambda a, b: within_one_edit(a[col], b[col])


def _contains_words(left: Mapping, right: Mapping) -> bool:
    a, b = left["middle"], right["middle"]
    if a is None or b is None:
        return False
    return f" {b} " in f" {a} " or f" {a} " in f" {b} "


def _always(left: Mapping, right: Mapping) -> bool:
    return True


@dataclass(frozen=True)
class Level:
    label: str
    sql: str  # portable SQL, or "dl1:<col>" / "intersect:<col>" built per dialect
    test: Callable[[Mapping, Mapping], bool]
    tf: str | None = None
    null: bool = False


@dataclass(frozen=True)
class Comparison:
    name: str
    description: Any
    levels: tuple[Level, ...]


ELSE = "ELSE"

COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "given",
        _("Given name"),
        (
            Level("missing", "given_l IS NULL OR given_r IS NULL", _null("given"), null=True),
            Level("same, same tone marks", "given_t_l = given_t_r", _eq("given_t"), tf="given"),
            Level(
                "same letters, other tone marks",
                "given_l = given_r AND given_t_l IS NOT NULL AND given_t_r IS NOT NULL",
                lambda a, b: (
                    a["given"] == b["given"]
                    and a["given_t"] is not None
                    and b["given_t"] is not None
                ),
            ),
            Level("same without tone marks", "given_l = given_r", _eq("given"), tf="given"),
            Level("one letter apart", "dl1:given", _edit1("given")),
            Level("different", ELSE, _always),
        ),
    ),
    Comparison(
        "family",
        _("Family name"),
        (
            Level("missing", "family_l IS NULL OR family_r IS NULL", _null("family"), null=True),
            Level("same", "family_l = family_r", _eq("family"), tf="family"),
            Level("one letter apart", "dl1:family", _edit1("family")),
            Level("different", ELSE, _always),
        ),
    ),
    Comparison(
        "middle",
        _("Middle name"),
        (
            Level("missing", "middle_l IS NULL OR middle_r IS NULL", _null("middle"), null=True),
            Level("same", "middle_l = middle_r", _eq("middle"), tf="middle"),
            Level(
                "one holds the other",
                "instr(' ' || middle_l || ' ', ' ' || middle_r || ' ') > 0 "
                "OR instr(' ' || middle_r || ' ', ' ' || middle_l || ' ') > 0",
                _contains_words,
            ),
            Level("one letter apart", "dl1:middle", _edit1("middle")),
            Level("different", ELSE, _always),
        ),
    ),
    Comparison(
        "dob",
        _("Date of birth"),
        (
            Level("same date", "dob_l = dob_r", _eq("dob")),
            Level(
                "day and month swapped",
                "dob_l = dob_swap_r OR dob_swap_l = dob_r",
                lambda a, b: _eq("dob", "dob_swap")(a, b) or _eq("dob_swap", "dob")(a, b),
            ),
            Level("one digit apart", "dl1:dob", _edit1("dob")),
            Level(
                "same year, one has the year only",
                "(dob_l IS NULL OR dob_r IS NULL) AND birth_year_l = birth_year_r",
                lambda a, b: (
                    (a["dob"] is None or b["dob"] is None) and a["birth_year"] == b["birth_year"]
                ),
            ),
            Level("same year", "birth_year_l = birth_year_r", _eq("birth_year")),
            Level("different", ELSE, _always),
        ),
    ),
    Comparison(
        "cccd",
        _("Citizen ID (CCCD)"),
        (
            Level("missing", "cccd_l IS NULL OR cccd_r IS NULL", _null("cccd"), null=True),
            Level("same", "cccd_l = cccd_r", _eq("cccd")),
            Level("one digit apart", "dl1:cccd", _edit1("cccd")),
            Level("different", ELSE, _always),
        ),
    ),
    Comparison(
        "cmnd",
        _("Former ID card (CMND)"),
        (
            Level("missing", "cmnd_l IS NULL OR cmnd_r IS NULL", _null("cmnd"), null=True),
            Level("same", "cmnd_l = cmnd_r", _eq("cmnd")),
            Level("different", ELSE, _always),
        ),
    ),
    Comparison(
        "phone",
        _("Phone"),
        (
            Level("missing", "phone_l IS NULL OR phone_r IS NULL", _null("phone"), null=True),
            Level("same", "phone_l = phone_r", _eq("phone"), tf="phone"),
            Level("one digit apart", "dl1:phone", _edit1("phone")),
            Level("different", ELSE, _always),
        ),
    ),
    Comparison(
        "place",
        _("Commune"),
        (
            Level("same commune", "commune_l = commune_r", _eq("commune")),
            Level(
                "old address may lie in the commune",
                "intersect:communes",
                lambda a, b: bool(set(a["communes"] or ()) & set(b["communes"] or ())),
            ),
            Level("same province", "province_l = province_r", _eq("province")),
            Level("different province", ELSE, _always),
        ),
    ),
    Comparison(
        "sex",
        _("Sex"),
        (
            Level("missing", "sex_l IS NULL OR sex_r IS NULL", _null("sex"), null=True),
            Level("same", "sex_l = sex_r", _eq("sex")),
            Level("different", ELSE, _always),
        ),
    ),
)

COMPARISON_BY_NAME = {c.name: c for c in COMPARISONS}

# Level labels are keys of the shipped model; these are what reviewers read.
LEVEL_DISPLAY = {
    "day and month swapped": _("day and month swapped"),
    "different": _("different"),
    "different province": _("different province"),
    "missing": _("missing"),
    "old address may lie in the commune": _("old address may lie in the commune"),
    "one digit apart": _("one digit apart"),
    "one holds the other": _("one holds the other"),
    "one letter apart": _("one letter apart"),
    "same": _("same"),
    "same commune": _("same commune"),
    "same date": _("same date"),
    "same letters, other tone marks": _("same letters, other tone marks"),
    "same province": _("same province"),
    "same without tone marks": _("same without tone marks"),
    "same year": _("same year"),
    "same year, one has the year only": _("same year, one has the year only"),
    "same, same tone marks": _("same, same tone marks"),
}

# Blocking: only pairs agreeing on one of these are compared. Each is selective enough for a
# million records (no rule on birth date or on name + province alone), and together they
# find a duplicate that kept its CCCD, its phone, or its given name and birth year, or its
# date of birth and commune, even when the rest was typed differently.
BLOCKING_RULES: tuple[str, ...] = (
    "l.cccd = r.cccd",
    "l.phone = r.phone",
    "l.cmnd = r.cmnd",
    "l.given = r.given AND l.birth_year = r.birth_year AND l.province = r.province",
    "l.full = r.full AND l.birth_year = r.birth_year",
    "l.dob = r.dob AND l.commune = r.commune",
    "l.given = r.given AND l.dob = r.dob",
    "l.given = r.given AND l.dob_swap = r.dob",
    "l.family = r.family AND l.dob = r.dob AND l.province = r.province",
)


# --- Splink settings ----------------------------------------------------------------------


def _splink_level(level: Level, m: float | None, u: float | None):
    import splink.comparison_level_library as cll

    if level.sql == ELSE:
        creator = cll.ElseLevel()
    elif level.sql.startswith("dl1:"):
        creator = cll.DamerauLevenshteinLevel(level.sql[4:], 1)
    elif level.sql.startswith("intersect:"):
        creator = cll.ArrayIntersectLevel(level.sql[10:], 1)
    else:
        creator = cll.CustomLevel(level.sql)
    options: dict[str, Any] = {"label_for_charts": level.label}
    if level.null:
        options["is_null_level"] = True
    if level.tf:
        options["tf_adjustment_column"] = level.tf
        options["tf_minimum_u_value"] = TF_MINIMUM_U
    if m is not None:
        options["m_probability"] = m
    if u is not None:
        options["u_probability"] = u
    return creator.configure(**options)


@dataclass(frozen=True)
class Parameters:
    """Shipped m and u per comparison level, and the duplicates-per-record rate."""

    m: dict[str, list[float | None]]
    u: dict[str, list[float | None]]
    duplicate_rate: float

    def weight(self, comparison: str, index: int) -> float:
        m, u = self.m[comparison][index], self.u[comparison][index]
        if m is None or u is None:
            return 0.0
        return math.log2(m / u)


@cache
def load_parameters(path: Path = MODEL_PATH) -> Parameters:
    """Read m/u per level from the shipped Splink model, checking the levels still match."""
    data = json.loads(path.read_text())
    m: dict[str, list[float | None]] = {}
    u: dict[str, list[float | None]] = {}
    for comparison in data["comparisons"]:
        name = comparison["output_column_name"]
        levels = comparison["comparison_levels"]
        expected = [lvl.label for lvl in COMPARISON_BY_NAME[name].levels]
        found = [lvl.get("label_for_charts") for lvl in levels]
        if found != expected:
            raise ValueError(f"Shipped model levels for {name} are {found}, expected {expected}")
        m[name] = [lvl.get("m_probability") for lvl in levels]
        u[name] = [lvl.get("u_probability") for lvl in levels]
    return Parameters(m=m, u=u, duplicate_rate=data["lotus"]["duplicate_rate"])


# The u probabilities were estimated on a national population this large: a smaller file is
# scored as a part of such a population (two women of one commune agreeing on the commune
# is no coincidence in a file of one commune, but u says 1 in 3,000), which keeps a small
# file from pairing namesakes while its true duplicates, agreeing on much more, still pair.
MIN_PARTNERS = 100_000


def prior_probability(*, partners: int, duplicate_rate: float | None = None) -> float:
    """Probability that two records match, when each is compared with `partners` others.

    `duplicate_rate` is the expected number of other records of the same person per record.
    """
    rate = load_parameters().duplicate_rate if duplicate_rate is None else duplicate_rate
    return min(0.5, rate / max(partners, MIN_PARTNERS))


def splink_settings(*, prior: float, parameters: Parameters | None = None, link_type="dedupe_only"):
    """A Splink SettingsCreator for the model, with shipped (or given) m and u."""
    import splink.comparison_library as cl
    from splink import SettingsCreator

    comparisons = []
    for comparison in COMPARISONS:
        levels = []
        for index, level in enumerate(comparison.levels):
            m = parameters.m[comparison.name][index] if parameters else None
            u = parameters.u[comparison.name][index] if parameters else None
            levels.append(_splink_level(level, m, u))
        comparisons.append(
            cl.CustomComparison(
                comparison_levels=levels,
                output_column_name=comparison.name,
                comparison_description=str(comparison.description),
            )
        )
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )


# --- term frequencies -----------------------------------------------------------------------


def _prior_share(column: str, value: str, parameters: Parameters) -> float:
    if column == "phone":
        # No national list of phones: a phone is as common as two random records agreeing.
        index = [lvl.tf for lvl in COMPARISON_BY_NAME["phone"].levels].index("phone")
        return parameters.u["phone"][index] or UNLISTED_SHARE
    return PRIOR_SHARES[column].get(value, UNLISTED_SHARE)


def blended_tf(*, column: str, counts: Mapping[str, int], total: int) -> dict[str, float]:
    """Term frequency of each value: counts in the data blended with the national prior."""
    parameters = load_parameters()
    return {
        value: (n + TF_PRIOR_RECORDS * _prior_share(column, value, parameters))
        / (total + TF_PRIOR_RECORDS)
        for value, n in counts.items()
    }


def tf_tables(records: Iterable[Mapping[str, Any]], *, total: int | None = None) -> dict:
    """{column: {value: tf}} for TF_COLUMNS, counted in `records`.

    `total` is the number of records the counts come from when `records` is only a part
    of them (e.g. the candidates of a single-record search with counts fetched separately).
    """
    rows = list(records)
    counts = {col: Counter(r[col] for r in rows if r[col] is not None) for col in TF_COLUMNS}
    n = total if total is not None else len(rows)
    return {col: blended_tf(column=col, counts=counts[col], total=n) for col in TF_COLUMNS}


# --- scoring one pair in Python ------------------------------------------------------------------


@dataclass(frozen=True)
class FieldWeight:
    """How much one comparison added (positive) or took away (negative), in bits."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True)
class Score:
    match_weight: float
    match_probability: float
    fields: tuple[FieldWeight, ...]


def probability_from_weight(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = 2.0**weight
    return odds / (1 + odds)


def level_index(comparison: Comparison, left: Mapping, right: Mapping) -> int:
    for index, level in enumerate(comparison.levels):
        if level.test(left, right):
            return index
    raise AssertionError("every comparison ends with an ELSE level")


def score_pair(
    left: Mapping[str, Any],
    right: Mapping[str, Any],
    *,
    prior: float,
    tf: Mapping[str, Mapping[str, float]],
) -> Score:
    """Score two feature records with the shipped parameters, as Splink would."""
    parameters = load_parameters()
    total = math.log2(prior / (1 - prior))
    fields = []
    for comparison in COMPARISONS:
        index = level_index(comparison, left, right)
        level = comparison.levels[index]
        weight = parameters.weight(comparison.name, index)
        if level.tf and not level.null:
            values = [tf[level.tf].get(v) for v in (left[level.tf], right[level.tf])]
            values = [v for v in values if v is not None]
            if values:
                exact = [
                    lvl.tf == level.tf and lvl.sql == f"{level.tf}_l = {level.tf}_r"
                    for lvl in comparison.levels
                ].index(True)
                u_exact = parameters.u[comparison.name][exact]
                weight += math.log2(u_exact) - math.log2(max(*values, TF_MINIMUM_U))
        total += weight
        fields.append(FieldWeight(comparison.name, level.label, weight))
    return Score(total, probability_from_weight(total), tuple(fields))
