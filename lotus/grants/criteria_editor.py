"""The criteria editor's form: a criteria tree to and from plain POST fields.

Each node of the tree is posted in document order as `n=<path>` (dotted item indexes, the
root is ""), with `kind-<path>` = group or cond, `op-<path>` for groups and `fact-<path>`,
`cmp-<path>`, `value-<path>` for conditions. Buttons post `action=add_cond:<path>`,
`add_group:<path>`, `remove:<path>` or `save`. The server rebuilds the tree, applies the
action, and renders the editor again with the eligible counts: no JavaScript of our own.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from lotus.geo.models import Commune
from lotus.grants.criteria import CMP_LABELS, FACTS, SEX_LABELS, Fact, node_at
from lotus.grants.models import Cycle

DEFAULT_CONDITION = {"fact": "sex", "cmp": "is", "value": "F"}
DEFAULTS = {"bool": True, "int": 18, "money": 0, "choice": "F"}


def _coerce(fact: Fact, cmp: str, value: Any) -> tuple[str, Any]:
    if cmp not in fact.comparators:
        cmp = fact.comparators[0]
    if fact.kind == "bool":
        value = value not in (False, "false", "False", "0")
    elif fact.kind in ("int", "money"):
        text = str(value).replace(".", "").replace(",", "").strip()
        value = int(text) if text.isdigit() else DEFAULTS[fact.kind]
    elif fact.kind == "choice":
        value = value if value in SEX_LABELS else "F"
    else:
        value = str(value or "")
    return cmp, value


def tree_from_post(post) -> dict:
    """Rebuild the criteria tree from the editor's fields, coercing values to each fact."""
    root_op = post.get("op-", "all")
    root: dict = {"op": root_op if root_op in ("all", "any") else "all", "items": []}
    groups: dict[str, dict] = {"": root}
    for path in post.getlist("n"):
        parent = groups.get(path.rpartition(".")[0])
        if parent is None:
            continue
        if post.get(f"kind-{path}") == "group":
            op = post.get(f"op-{path}", "all")
            node: dict = {"op": op if op in ("all", "any") else "all", "items": []}
            groups[path] = node
        else:
            fact = FACTS.get(post.get(f"fact-{path}", "")) or FACTS["sex"]
            cmp, value = _coerce(fact, post.get(f"cmp-{path}", ""), post.get(f"value-{path}"))
            node = {"fact": fact.key, "cmp": cmp, "value": value}
        parent["items"].append(node)
    return root


def apply_action(tree: dict, action: str) -> dict:
    """Add a condition or a group under a group, or remove a node."""
    verb, _sep, path = action.partition(":")
    try:
        node = node_at(tree, path)
    except (IndexError, KeyError, ValueError):
        return tree
    if verb == "add_cond" and "items" in node:
        node["items"].append(dict(DEFAULT_CONDITION))
    elif verb == "add_group" and "items" in node and path.count(".") < 2:
        node["items"].append({"op": "any", "items": [dict(DEFAULT_CONDITION)]})
    elif verb == "remove" and path:
        parent_path, _sep, index = path.rpartition(".")
        node_at(tree, parent_path)["items"].pop(int(index))
    return tree


def _value_choices(fact: Fact, cycle: Cycle) -> list[tuple[str, str]] | None:
    if fact.kind == "bool":
        return [("true", str(_("yes"))), ("false", str(_("no")))]
    if fact.kind == "choice":
        return [(k, str(v)) for k, v in SEX_LABELS.items()]
    if fact.kind == "province":
        return list(cycle.provinces.order_by("name_folded").values_list("code", "name"))
    if fact.kind == "commune":
        communes = cycle.communes.all()
        if not communes.exists():
            communes = Commune.objects.filter(province__in=cycle.provinces.all())
        return list(communes.order_by("name_folded").values_list("code", "name"))
    return None


def editor_rows(tree: dict, *, cycle: Cycle, allow_restricted: bool) -> list[dict]:
    """The tree flattened for the template, one row per group or condition."""
    facts = [
        (key, str(fact.label))
        for key, fact in FACTS.items()
        if allow_restricted or not fact.restricted
    ]
    rows: list[dict] = []

    def walk(node: dict, path: str, depth: int) -> None:
        if "op" in node:
            if path:
                rows.append({"kind": "group", "path": path, "depth": depth, "op": node["op"]})
            for index, item in enumerate(node.get("items", [])):
                walk(item, f"{path}.{index}" if path else str(index), depth + 1)
            if path:
                rows.append({"kind": "end", "path": path, "depth": depth})
            return
        fact = FACTS[node["fact"]]
        choices = list(facts)
        if fact.restricted and not allow_restricted:
            choices.append((fact.key, str(fact.label)))
        value = node["value"]
        if fact.kind == "bool":
            value = "true" if value else "false"
        rows.append(
            {
                "kind": "cond",
                "path": path,
                "depth": depth,
                "fact": fact.key,
                "facts": choices,
                "cmp": node["cmp"],
                "cmps": [(c, str(CMP_LABELS[c])) for c in fact.comparators],
                "value": str(value),
                "values": _value_choices(fact, cycle),
                "restricted": fact.restricted,
            }
        )

    walk(tree, "", 0)
    return rows
