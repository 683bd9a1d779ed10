"""Eligibility criteria and priority categories as data, turned into ORM filters by Lotus.

A criteria tree is plain JSON, stored on the cycle and versioned:

    {"op": "all", "items": [
        {"fact": "sex", "cmp": "is", "value": "F"},
        {"fact": "age", "cmp": "gte", "value": 18},
        {"op": "any", "items": [{"fact": "woman_headed", "cmp": "is", "value": true}, ...]}
    ]}

A group is {"op": "all"|"any", "items": [...]}; a condition is {"fact", "cmp", "value"}.
Nothing stored is ever executed: each fact below maps a (comparator, value) pair to a Django
`Q` over lotus.grants.models.TargetingFacts (the registry's facts, one narrow row per
person, household facts included) through a small Python function, so the whole tree
becomes one WHERE clause on one table. Restricted facts are an IN over the registry's own
table of them, read only when a criterion or a weight uses them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lotus.geo.models import Commune, Province
from lotus.registry.models import RestrictedFact, Sex
from lotus.registry.sensitivity import RestrictedFactKind

MAX_DEPTH = 4
MAX_CONDITIONS = 40
MAX_WEIGHT = 100

CMP_LABELS = {
    "is": _("is"),
    "is_not": _("is not"),
    "gte": _("at least"),
    "lte": _("at most"),
}


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_key_before(ref: dt.date, years: int) -> int:
    """The age key (yyyymmdd) of the day `years` before `ref`: born on or before it, aged N."""
    day = years_before(ref, years)
    return day.year * 10000 + day.month * 100 + day.day


def age_at_least(n: int, ref: dt.date, field: str = "age_key") -> Q:
    """Aged `n` or more on `ref`; a birth known only by its year counts as 1 January.

    So in the year she turns `n`, a woman whose birth is known only by its year is `n`
    from 1 January on, and one with a full date from her birthday on.
    """
    return Q(**{f"{field}__lte": age_key_before(ref, n)})


def age_below(n: int, ref: dt.date, field: str = "age_key") -> Q:
    """Younger than `n` on `ref` (the exact opposite of age_at_least)."""
    return Q(**{f"{field}__gt": age_key_before(ref, n)})


def _restricted(kind: str) -> Q:
    """She (a facts row's person_id) has a restricted fact of `kind` in the registry.

    Read from the registry by the runs that use it, never copied into the facts table.
    SQLite reads the kind's rows once into a temporary index (an IN list), far cheaper than
    looking each woman up. PostgreSQL probes per woman (EXISTS on an index): inside a CASE,
    an IN list larger than its work memory would be read again for every woman.
    """
    rows = RestrictedFact.objects.filter(kind=kind)
    if connection.vendor == "sqlite":
        return Q(person_id__in=rows.values("person_id"))
    return Q(Exists(rows.filter(person_id=OuterRef("person_id"))))


@dataclass(frozen=True)
class Context:
    reference_date: dt.date


@dataclass(frozen=True)
class Fact:
    key: str
    label: Any
    kind: str  # "bool", "choice", "int", "money", "province", "commune"
    group: Any
    # Bool facts: build(ctx) is the Q for "yes"; place and choice facts: build(ctx, value).
    # Age and income have comparators and are handled in condition_q.
    build: Callable[..., Q] | None
    restricted: bool = False
    category: bool = False  # usable as a priority category

    @property
    def comparators(self) -> tuple[str, ...]:
        if self.kind in ("int", "money"):
            return ("gte", "lte")
        if self.kind == "bool":
            return ("is",)
        return ("is", "is_not")


PERSON = _("Person")
HOUSEHOLD = _("Household")
VULNERABILITY = _("Vulnerability")
RESTRICTED = _("Restricted (HIV, violence)")
PLACE = _("Place")
INCOME = _("Income")

FACTS: dict[str, Fact] = {
    f.key: f
    for f in [
        Fact("sex", _("Sex"), "choice", PERSON, lambda c, v: Q(sex=v)),
        Fact("age", _("Age on the reference date"), "int", PERSON, None),
        Fact(
            "over_60",
            _("Woman aged 60 or over"),
            "bool",
            PERSON,
            lambda c: age_at_least(60, c.reference_date),
            category=True,
        ),
        Fact("province", _("Province"), "province", PLACE, lambda c, v: Q(province_id=v)),
        Fact("commune", _("Commune"), "commune", PLACE, lambda c, v: Q(commune_id=v)),
        Fact(
            "woman_headed",
            _("Woman-headed household"),
            "bool",
            HOUSEHOLD,
            lambda c: Q(woman_headed=True),
            category=True,
        ),
        Fact(
            "child_under_2",
            _("Child under 2 in the household"),
            "bool",
            HOUSEHOLD,
            lambda c: age_below(2, c.reference_date, "household_youngest"),
            category=True,
        ),
        Fact(
            "household_over_60",
            _("Person aged 60 or over in the household"),
            "bool",
            HOUSEHOLD,
            lambda c: age_at_least(60, c.reference_date, "household_oldest"),
        ),
        Fact(
            "pregnant",
            _("Pregnant"),
            "bool",
            VULNERABILITY,
            lambda c: Q(pregnant=True),
            category=True,
        ),
        Fact(
            "disability",
            _("Disability"),
            "bool",
            VULNERABILITY,
            lambda c: Q(disability=True),
            category=True,
        ),
        Fact(
            "migrant_worker",
            _("Migrant worker"),
            "bool",
            VULNERABILITY,
            lambda c: Q(migrant_worker=True),
            category=True,
        ),
        Fact("income", _("Monthly income (VND)"), "money", INCOME, None),
        Fact(
            "hiv",
            _("Living with HIV"),
            "bool",
            RESTRICTED,
            lambda c: _restricted(RestrictedFactKind.HIV_STATUS),
            restricted=True,
            category=True,
        ),
        Fact(
            "gbv_survivor",
            _("Survivor of gender-based violence"),
            "bool",
            RESTRICTED,
            lambda c: _restricted(RestrictedFactKind.GBV_SURVIVOR),
            restricted=True,
            category=True,
        ),
    ]
}

# Priority categories in a fixed order: bit i of Candidate.flags is CATEGORIES[i].
CATEGORIES: tuple[str, ...] = (
    "woman_headed",
    "pregnant",
    "child_under_2",
    "disability",
    "migrant_worker",
    "over_60",
    "hiv",
    "gbv_survivor",
)
CATEGORY_BIT = {key: 1 << i for i, key in enumerate(CATEGORIES)}
RESTRICTED_MASK = sum(CATEGORY_BIT[k] for k in CATEGORIES if FACTS[k].restricted)
SEX_LABELS = dict(Sex.choices)

EMPTY_CRITERIA: dict = {"op": "all", "items": []}


# --- validation -------------------------------------------------------------------------


def _validate_node(node: Any, depth: int, counter: list[int], allow_restricted: bool) -> dict:
    if not isinstance(node, dict):
        raise ValidationError(_("The criteria are not in the expected form."))
    if "op" in node:
        if node["op"] not in ("all", "any"):
            raise ValidationError(_("A group must be 'all of' or 'any of'."))
        if depth >= MAX_DEPTH:
            raise ValidationError(_("Groups can be nested at most %(n)s deep.") % {"n": MAX_DEPTH})
        items = node.get("items", [])
        if not isinstance(items, list):
            raise ValidationError(_("The criteria are not in the expected form."))
        return {
            "op": node["op"],
            "items": [_validate_node(i, depth + 1, counter, allow_restricted) for i in items],
        }
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise ValidationError(_("At most %(n)s conditions.") % {"n": MAX_CONDITIONS})
    fact = FACTS.get(node.get("fact"))
    if fact is None:
        raise ValidationError(_("Unknown fact in the criteria."))
    if fact.restricted and not allow_restricted:
        raise ValidationError(
            _("Only a role that may read restricted facts can use “%(fact)s”.")
            % {"fact": fact.label}
        )
    cmp = node.get("cmp")
    if cmp not in fact.comparators:
        raise ValidationError(_("“%(fact)s” cannot be compared that way.") % {"fact": fact.label})
    return {"fact": fact.key, "cmp": cmp, "value": _clean_value(fact, node.get("value"))}


def _clean_value(fact: Fact, value: Any) -> Any:
    bad = ValidationError(_("“%(fact)s” needs a valid value.") % {"fact": fact.label})
    if fact.kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise bad
    if fact.kind in ("int", "money"):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise bad from None
        if number < 0 or (fact.kind == "int" and number > 150):
            raise bad
        return number
    if fact.kind == "choice":
        if value not in SEX_LABELS:
            raise bad
        return value
    if fact.kind == "province":
        if not Province.objects.filter(code=value).exists():
            raise bad
        return str(value)
    if fact.kind == "commune":
        if not Commune.objects.filter(code=value).exists():
            raise bad
        return str(value)
    raise bad


def validate_criteria(tree: Any, *, allow_restricted: bool) -> dict:
    """Return a clean copy of `tree` or raise ValidationError naming the first problem."""
    if not tree:
        return dict(EMPTY_CRITERIA, items=[])
    clean = _validate_node(tree, 0, [0], allow_restricted)
    if "op" not in clean:
        clean = {"op": "all", "items": [clean]}
    return clean


def validate_weights(weights: Any, *, allow_restricted: bool) -> dict[str, int]:
    """Integer weights 0–100 per category; restricted categories only for permitted roles."""
    if not isinstance(weights, dict):
        raise ValidationError(_("Weights are not in the expected form."))
    clean: dict[str, int] = {}
    for key, value in weights.items():
        if key not in CATEGORY_BIT:
            raise ValidationError(_("Unknown priority category."))
        try:
            weight = int(value)
        except (TypeError, ValueError):
            raise ValidationError(_("Weights must be whole numbers.")) from None
        if not 0 <= weight <= MAX_WEIGHT:
            raise ValidationError(_("Weights go from 0 to %(n)s.") % {"n": MAX_WEIGHT})
        if weight and FACTS[key].restricted and not allow_restricted:
            raise ValidationError(
                _("Only a role that may read restricted facts can weigh “%(fact)s”.")
                % {"fact": FACTS[key].label}
            )
        if weight:
            clean[key] = weight
    return clean


# --- compilation to Q -------------------------------------------------------------------


def _province_id(code: str) -> int | None:
    return Province.objects.filter(code=code).values_list("pk", flat=True).first()


def _commune_id(code: str) -> int | None:
    return Commune.objects.filter(code=code).values_list("pk", flat=True).first()


def condition_q(node: dict, ctx: Context) -> Q:
    """The Q of one condition."""
    fact = FACTS[node["fact"]]
    cmp, value = node["cmp"], node["value"]
    if fact.key == "age":
        ref = ctx.reference_date
        # "at most N" means younger than N + 1 on the reference date.
        return age_at_least(value, ref) if cmp == "gte" else age_below(value + 1, ref)
    if fact.key == "income":
        return Q(income__gte=value) if cmp == "gte" else Q(income__lte=value)
    if fact.kind == "bool":
        q = fact.build(ctx)
        return q if value else ~q
    if fact.kind == "province":
        value = _province_id(value)
    elif fact.kind == "commune":
        value = _commune_id(value)
    q = fact.build(ctx, value)
    return q if cmp == "is" else ~q


def criteria_q(tree: dict, ctx: Context) -> Q:
    """The Q of a whole tree; an empty group matches everyone."""
    if "op" not in tree:
        return condition_q(tree, ctx)
    parts = [criteria_q(item, ctx) for item in tree.get("items", [])]
    if not parts:
        return Q()
    result = parts[0]
    for part in parts[1:]:
        result = (result & part) if tree["op"] == "all" else (result | part)
    return result


def category_q(key: str, ctx: Context) -> Q:
    return FACTS[key].build(ctx)


def flags_expression(ctx: Context, keys: tuple[str, ...] = CATEGORIES):
    """SUM of CASE WHEN <category> THEN bit ELSE 0: the categories a woman belongs to."""
    expression = None
    for key in keys:
        term = Case(
            When(category_q(key, ctx), then=Value(CATEGORY_BIT[key])),
            default=Value(0),
            output_field=IntegerField(),
        )
        expression = term if expression is None else expression + term
    return expression if expression is not None else Value(0, output_field=IntegerField())


# --- reading the tree -------------------------------------------------------------------


def iter_conditions(tree: dict):
    if "op" in tree:
        for item in tree.get("items", []):
            yield from iter_conditions(item)
    else:
        yield tree


def restricted_facts_used(tree: dict, weights: dict) -> list[str]:
    """The restricted facts (sorted keys) a criteria tree tests or its weights weigh."""
    in_tree = {
        c["fact"] for c in iter_conditions(tree or EMPTY_CRITERIA) if FACTS[c["fact"]].restricted
    }
    weighed = {k for k, w in (weights or {}).items() if w and FACTS[k].restricted}
    return sorted(in_tree | weighed)


def uses_restricted(tree: dict, weights: dict) -> bool:
    return bool(restricted_facts_used(tree, weights))


def _value_label(fact: Fact, value: Any) -> str:
    if fact.kind == "bool":
        return gettext("yes") if value else gettext("no")
    if fact.kind == "choice":
        return str(SEX_LABELS.get(value, value))
    if fact.kind == "money":
        return f"{value:,}".replace(",", ".") + " đ"
    if fact.kind == "province":
        return Province.objects.filter(code=value).values_list("name", flat=True).first() or value
    if fact.kind == "commune":
        return Commune.objects.filter(code=value).values_list("name", flat=True).first() or value
    return str(value)


def describe_condition(node: dict) -> str:
    fact = FACTS[node["fact"]]
    if fact.kind == "bool":
        if node["value"]:
            return str(fact.label)
        return gettext("not: %(fact)s") % {"fact": fact.label}
    return f"{fact.label} {CMP_LABELS[node['cmp']]} {_value_label(fact, node['value'])}"


def describe_lines(tree: dict, depth: int = 0) -> list[str]:
    """The tree as indented sentences, one per line: used for display and for diffs."""
    lines: list[str] = []
    if "op" not in tree:
        return ["  " * depth + describe_condition(tree)]
    heading = gettext("All of:") if tree["op"] == "all" else gettext("Any of:")
    lines.append("  " * depth + heading)
    for item in tree.get("items", []):
        lines.extend(describe_lines(item, depth + 1))
    return lines


def category_label(key: str) -> str:
    return str(FACTS[key].label)


def visible_categories(show_restricted: bool) -> list[str]:
    """The category keys a role may see, in CATEGORIES order; restricted ones only if allowed."""
    return [key for key in CATEGORIES if show_restricted or not FACTS[key].restricted]


def categories_in(flags: int, *, show_restricted: bool) -> list[str]:
    return [key for key in visible_categories(show_restricted) if flags & CATEGORY_BIT[key]]


def node_at(tree: dict, path: str) -> dict:
    """The node at a dotted path of item indexes ("" is the root)."""
    node = tree
    for part in filter(None, path.split(".")):
        node = node["items"][int(part)]
    return node
