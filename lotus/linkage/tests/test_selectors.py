import datetime as dt

import pytest

from lotus.linkage import selectors, services
from lotus.linkage.tests.factories import CandidatePairFactory, person


@pytest.mark.django_db
def test_pair_list_excludes_pairs_with_a_person_outside_the_scope(
    commune_officer, commune_a, commune_b
):
    inside = CandidatePairFactory(person_l__commune=commune_a)
    CandidatePairFactory(person_l__commune=commune_a, person_r__commune=commune_b)
    assert list(selectors.pair_list(user=commune_officer)) == [inside]


@pytest.mark.django_db
def test_pair_list_puts_the_most_likely_first(central_manager):
    low = CandidatePairFactory(match_probability=0.6)
    high = CandidatePairFactory(match_probability=0.99)
    assert list(selectors.pair_list(user=central_manager)) == [high, low]


@pytest.mark.django_db
def test_pair_list_for_review_leaves_out_pairs_the_reviewer_skipped(commune_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    services.pair_decide(actor=commune_officer, pair=pair, decision="skip")
    assert list(selectors.pair_list_for_review(user=commune_officer)) == []


@pytest.mark.django_db
def test_likely_matches_finds_the_woman_typed_without_tone_marks(commune_officer, commune_a):
    hoa = person("Nguyễn Thị Hoa", commune=commune_a, phone="+84912345001")
    person("Nguyễn Thị Hoa", commune=commune_a, birth_date=dt.date(1990, 1, 2), cccd="")
    services.person_keys_refresh()
    matches = selectors.likely_matches(
        full_name="Nguyen Thi Hoa",
        birth_date=dt.date(1985, 6, 15),
        phone="0912345001",
        commune=commune_a,
        user=commune_officer,
    )
    assert [p for p, _ in matches] == [hoa]


@pytest.mark.django_db
def test_likely_matches_hides_persons_outside_the_scope(commune_officer, commune_a, commune_b):
    person("Nguyễn Thị Hoa", commune=commune_b, cccd="079185000001")
    matches = selectors.likely_matches(
        full_name="Nguyễn Thị Hoa",
        birth_date=dt.date(1985, 6, 15),
        cccd="079185000001",
        commune=commune_a,
        user=commune_officer,
    )
    assert matches == []
