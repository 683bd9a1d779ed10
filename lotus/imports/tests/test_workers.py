"""The worker pool: rows validated in forked processes come back complete and in order."""

import pytest

from lotus.geo.placement import geography_cache_clear
from lotus.geo.tests.factories import load_small_geography
from lotus.imports import services
from lotus.imports.models import ImportRow
from lotus.imports.services import import_job_create, import_job_run
from lotus.imports.tests.files import row, write_csv
from lotus.registry.models import Person


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
