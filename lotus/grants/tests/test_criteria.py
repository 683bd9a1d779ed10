from lotus.grants.criteria import (
    CATEGORIES,
    CATEGORY_BIT,
    FACTS,
    categories_in,
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
