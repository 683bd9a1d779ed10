from lotus.grants.criteria import (
    CATEGORIES,
    CATEGORY_BIT,
    FACTS,
    categories_in,
    restricted_facts_used,
    uses_restricted,
    visible_categories,
)


def test_visible_categories_hides_restricted_from_a_role_that_may_not_read_them():
    keys = visible_categories(False)

    assert keys == [k for k in CATEGORIES if not FACTS[k].restricted]
    assert "hiv" not in keys


def test_visible_categories_shows_every_category_to_a_role_that_may_read_restricted():
    assert visible_categories(True) == list(CATEGORIES)


def test_categories_in_keeps_only_set_bits_visible_to_the_role():
    flags = CATEGORY_BIT["hiv"] | CATEGORY_BIT[CATEGORIES[0]]

    assert categories_in(flags, show_restricted=False) == [CATEGORIES[0]]
    assert categories_in(flags, show_restricted=True) == [CATEGORIES[0], "hiv"]


def test_restricted_facts_used_lists_tested_and_weighed_restricted_facts_once_sorted():
    tree = {
        "op": "any",
        "items": [
            {"fact": "hiv", "cmp": "is", "value": True},
            {"fact": "gbv_survivor", "cmp": "is", "value": True},
        ],
    }

    used = restricted_facts_used(tree, {"hiv": 3, "pregnant": 5})

    assert used == ["gbv_survivor", "hiv"]


def test_restricted_facts_used_ignores_a_restricted_weight_of_zero():
    tree = {"op": "all", "items": [{"fact": "age", "cmp": "gte", "value": 18}]}

    assert restricted_facts_used(tree, {"hiv": 0, "pregnant": 5}) == []
    assert not uses_restricted(tree, {"hiv": 0})
    assert uses_restricted(tree, {"gbv_survivor": 1})
