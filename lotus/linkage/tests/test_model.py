"""The Python scorer (used for one record on a form) must agree with Splink's SQL."""

import datetime as dt
import itertools

import pytest

from lotus.linkage.engine import predict_duplicates
from lotus.linkage.features import person_features
from lotus.linkage.model import (
    COMPARISONS,
    load_parameters,
    prior_probability,
    score_pair,
    tf_tables,
    within_one_edit,
)

PEOPLE = [
    ("Nguyễn Thị Hoa", dt.date(1985, 6, 15), "079185000001", "0912345678", 1, 1),
    ("Nguyen Thi Hoa", dt.date(1985, 6, 15), "", "0912345678", 2, 1),
    ("Nguyễn Thị Hòa", dt.date(1985, 15 - 9, 15), "079185000002", "", 1, 1),
    ("Nguyễn Hoa", None, "079185000001", "01662345678", None, 1),
    ("Ngyuen Thi Hoa", dt.date(1985, 6, 15), "079185000011", "", 1, 1),
    ("Trần Thị Lan", dt.date(1985, 6, 15), "", "0912345678", 1, 1),
    ("Nguyễn Thị Hoa", dt.date(1985, 5, 6), "", "", 3, 2),
]


@pytest.fixture
def records():
    rows = []
    for i, (name, birth, cccd, phone, commune, province) in enumerate(PEOPLE, start=1):
        rows.append(
            person_features(
                {
                    "id": i, "full_name": name, "birth_date": birth,
                    "birth_year": birth.year if birth else 1985, "sex": "F", "cccd": cccd,
                    "cmnd": "", "phone": phone, "commune_id": commune, "province_id": province,
                    "commune_candidates": [2] if commune is None else [],
                }
            )
        )  # fmt: skip
    return rows


def test_within_one_edit_counts_a_swap_of_neighbours_as_one():
    assert within_one_edit("hoa", "hao") and not within_one_edit("hoa", "ahh")


def test_shipped_parameters_match_the_comparison_levels():
    parameters = load_parameters()
    assert set(parameters.m) == {c.name for c in COMPARISONS}


def test_score_pair_agrees_with_splink(records):
    predictions = predict_duplicates(records, threshold=0.0, backend="duckdb")
    tf = tf_tables(records)
    prior = prior_probability(partners=len(records) - 1)
    by_id = {r["unique_id"]: r for r in records}
    assert predictions
    for prediction in predictions:
        score = score_pair(by_id[prediction.id_l], by_id[prediction.id_r], prior=prior, tf=tf)
        assert [f.level for f in score.fields] == [f.level for f in prediction.fields]
        assert score.match_weight == pytest.approx(prediction.match_weight, abs=1e-6)


def test_score_pair_is_symmetric(records):
    tf = tf_tables(records)
    for left, right in itertools.combinations(records, 2):
        there = score_pair(left, right, prior=1e-5, tf=tf).match_weight
        back = score_pair(right, left, prior=1e-5, tf=tf).match_weight
        assert there == pytest.approx(back)
