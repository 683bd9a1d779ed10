import csv
import io

import pytest
from django.core.management import CommandError, call_command

from lotus.linkage.services import EXPORT_HEADER
from lotus.linkage.tests.factories import person


@pytest.mark.django_db
def test_find_duplicates_writes_pairs_with_source_ids_and_clusters(tmp_path, commune_a):
    first = person("Nguyễn Thị Hoa", commune=commune_a, cccd="079185000001", source_id="A-1")
    second = person("Nguyen Thi Hoa", commune=commune_a, cccd="079185000001")
    third = person("Nguyễn Thị Hoa", commune=commune_a, cccd="079185000001", phone="")
    person("Trần Thị Lan", commune=commune_a, cccd="")
    out = tmp_path / "pairs.csv"
    call_command("find_duplicates", export=str(out), threshold=0.9, stdout=io.StringIO())
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert tuple(rows[0]) == EXPORT_HEADER
    assert {(r[0], r[1]) for r in rows[1:]} == {
        ("A-1", f"person:{second.pk}"),
        ("A-1", f"person:{third.pk}"),
        (f"person:{second.pk}", f"person:{third.pk}"),
    }
    assert {r[3] for r in rows[1:]} == {str(first.pk)}


@pytest.mark.django_db
def test_find_duplicates_rejects_a_threshold_above_one():
    with pytest.raises(CommandError):
        call_command("find_duplicates", "--threshold", "1.5", stderr=io.StringIO())
