"""The sample files shipped in samples/ for officers to try the import with stay importable."""

from pathlib import Path

import pytest

from lotus.imports.services import import_job_create, import_job_run
from lotus.registry.models import Person

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def run(name: str, **kwargs):
    path = SAMPLES / name
    job = import_job_create(actor=None, path=path, enqueue=False, **kwargs)
    import_job_run(job=job, path=path, workers=0, link=False)
    job.refresh_from_db()
    return job


def test_sample_csv_imports_with_its_planted_faults(geography):
    job = run("danh-sach-hoi-vien-mau.csv", source_id_column="Mã")

    assert (job.rows_stored, job.rows_warned, job.rows_rejected) == (5, 3, 2)
    assert job.encoding == "utf-8 + TCVN3 + VNI + windows-1258"
    names = set(Person.objects.values_list("full_name", flat=True))
    assert {"Nguyễn Thị Thu Hằng", "Lê Thị Mai Hương", "Lê Thị Mai"} <= names


def test_sample_xlsx_imports_with_its_planted_faults(geography):
    job = run("danh-sach-hoi-vien-mau.xlsx", source_id_column="Mã")

    assert (job.rows_stored, job.rows_warned, job.rows_rejected) == (3, 2, 1)
    assert Person.objects.get(source_id="HV101").cccd == "082183004444"
    assert Person.objects.get(source_id="HV102").full_name == "Trần Thị Thu"


def test_sample_kobo_export_imports(geography):
    job = run("kobo-mau.json")

    assert job.rows_stored == 2
