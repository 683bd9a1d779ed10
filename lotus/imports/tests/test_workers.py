"""The worker pool: rows validated in forked processes come back complete and in order."""

import contextlib

import pytest
from django.db import connection

from lotus.geo.models import Commune
from lotus.geo.placement import geography_cache_clear
from lotus.geo.tests.factories import load_small_geography
from lotus.imports import services
from lotus.imports.models import ImportRow
from lotus.imports.services import import_job_create, import_job_run
from lotus.imports.tests.files import row, write_csv
from lotus.registry.bulk_load import person_indexes_set_aside
from lotus.registry.models import Person
from lotus.registry.tests.factories import PersonFactory


@pytest.mark.django_db(transaction=True)
def test_import_with_workers_stores_every_row_in_file_order(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 7)
    monkeypatch.setattr(services, "BATCH_SIZE", 20)
    geography_cache_clear()
    load_small_geography()
    rows = [row(STT=str(n), **{"Họ và tên": f"Trần Thị Lan {n}"}) for n in range(1, 61)]
    rows[40] = row(STT="41", **{"Họ và tên": ""})
    path = write_csv(tmp_path / "ds.csv", rows)
    job = import_job_create(actor=None, path=path, source_id_column="STT", enqueue=False)

    import_job_run(job=job, path=path, workers=2, link=False)

    job.refresh_from_db()
    assert (job.rows_stored, job.rows_rejected) == (59, 1)
    stored = list(Person.objects.order_by("pk").values_list("source_id", flat=True))
    assert stored == [str(n) for n in range(1, 61) if n != 41]
    assert ImportRow.objects.get().row_number == 42
    geography_cache_clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("encoding", ["tcvn3", "cp1258"])
def test_import_with_workers_reads_a_legacy_file_as_one_process_does(
    tmp_path, monkeypatch, encoding
):
    monkeypatch.setattr(services, "CHUNK_SIZE", 7)
    monkeypatch.setattr(services, "BATCH_SIZE", 20)
    geography_cache_clear()
    load_small_geography()
    names = ["Trần Thị Lan", "Nguyễn Thị Hoa", "Lê Thị Hồng Nhung", "Đỗ Thị Ánh"]
    lines = [row(STT=str(n), **{"Họ và tên": f"{names[n % 4]} {n}"}) for n in range(1, 61)]
    path = write_csv(tmp_path / "ds.csv", lines, encoding=encoding)
    stored = []
    for workers in (0, 2):
        job = import_job_create(
            actor=None, path=path, source=f"w{workers}", source_id_column="STT", enqueue=False
        )
        import_job_run(job=job, path=path, workers=workers, link=False)
        job.refresh_from_db()
        persons = Person.objects.filter(source=f"w{workers}").order_by("pk")
        stored.append(([p.full_name for p in persons], job.legacy_cells, job.encoding))

    assert stored[0] == stored[1]
    assert stored[1][0][:2] == ["Nguyễn Thị Hoa 1", "Lê Thị Hồng Nhung 2"]
    geography_cache_clear()


def _import_with_workers(tmp_path, monkeypatch, *, rows: int, ids: list[int] | None = None):
    monkeypatch.setattr(services, "CHUNK_SIZE", 7)
    monkeypatch.setattr(services, "BATCH_SIZE", 20)
    monkeypatch.setattr(services, "BULK_LOAD_MIN_ROWS", 10)
    set_aside = []

    @contextlib.contextmanager
    def watched():
        with person_indexes_set_aside():
            set_aside.append(Person.objects.count())
            yield

    monkeypatch.setattr(services, "person_indexes_set_aside", watched)
    geography_cache_clear()
    if not Commune.objects.exists():
        load_small_geography()
    ids = ids or list(range(1, rows + 1))
    lines = [row(STT=str(n), **{"Họ và tên": f"Trần Thị Lan {n}"}) for n in ids]
    path = write_csv(tmp_path / "ds.csv", lines)
    job = import_job_create(actor=None, path=path, source_id_column="STT", enqueue=False)
    import_job_run(job=job, path=path, workers=2, link=False)
    geography_cache_clear()
    return set_aside


def _declared_indexes_present() -> bool:
    with connection.cursor() as cursor:
        present = connection.introspection.get_constraints(cursor, Person._meta.db_table)
    return all(index.name in present for index in Person._meta.indexes)


@pytest.mark.django_db(transaction=True)
def test_large_import_into_a_small_registry_builds_person_indexes_after_loading(
    tmp_path, monkeypatch
):
    set_aside = _import_with_workers(tmp_path, monkeypatch, rows=60)

    assert set_aside == [0]  # before the first batch was stored
    assert Person.objects.count() == 60
    assert _declared_indexes_present()


@pytest.mark.django_db(transaction=True)
def test_import_smaller_than_the_registry_keeps_person_indexes(tmp_path, monkeypatch):
    PersonFactory.create_batch(70)

    assert _import_with_workers(tmp_path, monkeypatch, rows=60) == []


@pytest.mark.django_db(transaction=True)
def test_bulk_load_of_a_file_imported_before_stores_no_second_copy(tmp_path, monkeypatch):
    _import_with_workers(tmp_path, monkeypatch, rows=60)

    set_aside = _import_with_workers(tmp_path, monkeypatch, rows=60)

    assert set_aside == [60]
    assert Person.objects.count() == 60
    assert _declared_indexes_present()


@pytest.mark.django_db(transaction=True)
def test_bulk_load_stores_a_row_repeated_in_a_later_batch_once(tmp_path, monkeypatch):
    ids = [*range(1, 61), 5]

    set_aside = _import_with_workers(tmp_path, monkeypatch, rows=61, ids=ids)

    assert set_aside == [0]
    assert Person.objects.filter(source_id="5").count() == 1
    assert Person.objects.count() == 60
