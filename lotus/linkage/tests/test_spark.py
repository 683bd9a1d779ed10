"""The same model on Spark (run by `make test-spark`; left out of the default run)."""

import datetime as dt

import pytest

from lotus.linkage.engine import predict_duplicates
from lotus.linkage.features import person_features

pytestmark = pytest.mark.spark


def _record(i, name, birth, cccd, phone, commune):
    return person_features(
        {
            "id": i, "full_name": name, "birth_date": birth, "birth_year": birth.year,
            "sex": "F", "cccd": cccd, "cmnd": "", "phone": phone, "commune_id": commune,
            "province_id": 1, "commune_candidates": [],
        }
    )  # fmt: skip


RECORDS = [
    _record(1, "Nguyễn Thị Hoa", dt.date(1985, 6, 15), "079185000001", "0912345001", 1),
    _record(2, "Ngyuen Thi Hoa", dt.date(1985, 6, 15), "", "0987654321", 1),
    _record(3, "Nguyễn Thị Hoa", dt.date(1992, 2, 3), "", "0912345002", 1),
    _record(4, "Tran Thi Lanf", dt.date(1970, 3, 4), "079170000004", "", 2),
    _record(5, "Trần Thị Lan", dt.date(1970, 4, 3), "079170000004", "01662345678", 2),
]


def test_spark_linkage_gives_the_duckdb_pairs_and_probabilities(spark_backend):
    on_spark = predict_duplicates(RECORDS, threshold=0.01, backend=spark_backend)
    on_duckdb = predict_duplicates(RECORDS, threshold=0.01, backend="duckdb")
    assert [(p.id_l, p.id_r) for p in on_spark] == [(p.id_l, p.id_r) for p in on_duckdb]
    assert {(p.id_l, p.id_r) for p in on_spark if p.match_probability > 0.9} == {(1, 2), (4, 5)}
    for spark_pair, duck_pair in zip(on_spark, on_duckdb, strict=True):
        assert spark_pair.match_probability == pytest.approx(duck_pair.match_probability)
        assert [f.level for f in spark_pair.fields] == [f.level for f in duck_pair.fields]
