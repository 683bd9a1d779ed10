import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lotus.imports.models import ImportJob
from lotus.imports.services import import_job_create
from lotus.imports.tests.files import GOOD_ROW, HEADERS, csv_text, row
from lotus.registry.models import Person

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def media_and_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE


def upload(text: str, name: str = "ds.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def post_upload(client, text, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("imports:import_job_create"), {"file": upload(text), **data})


def test_import_job_create_runs_the_import_and_shows_the_job(
    client, kim_son_officer, django_capture_on_commit_callbacks
):
    client.force_login(kim_son_officer)
    rows = [GOOD_ROW, row(**{"Họ và tên": ""})]

    response = post_upload(client, csv_text(rows), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:import_job_detail", args=[job.pk])
    assert job.status == ImportJob.Status.DONE
    assert (job.rows_stored, job.rows_rejected) == (1, 1)
    page = client.get(response.url)
    assert page.status_code == 200
    assert "<progress" in page.content.decode()
    assert reverse("imports:import_job_fix_file", args=[job.pk]) in page.content.decode()


def test_import_job_detail_returns_the_progress_fragment_to_htmx(client, kim_son_officer, tmp_path):
    client.force_login(kim_son_officer)
    path = tmp_path / "ds.csv"
    path.write_text(csv_text([GOOD_ROW]), encoding="utf-8")
    job = import_job_create(actor=kim_son_officer, path=path, enqueue=False)

    response = client.get(
        reverse("imports:import_job_detail", args=[job.pk]), headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="job-progress"')
    assert 'hx-trigger="every 1s"' in body
    assert "<progress" in body
    assert "<html" not in body


def test_import_job_detail_stops_polling_once_done(
    client, kim_son_officer, django_capture_on_commit_callbacks
):
    client.force_login(kim_son_officer)
    post_upload(client, csv_text([GOOD_ROW]), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()

    response = client.get(
        reverse("imports:import_job_detail", args=[job.pk]), headers={"HX-Request": "true"}
    )

    assert "hx-trigger" not in response.content.decode()


def test_import_job_create_asks_for_unknown_columns(
    client, kim_son_officer, django_capture_on_commit_callbacks
):
    client.force_login(kim_son_officer)
    text = csv_text([GOOD_ROW[1:]], headers=["Tên chủ hộ", *HEADERS[2:]])

    response = post_upload(client, text, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert response.url == reverse("imports:import_job_mapping", args=[job.pk])
    assert job.status == ImportJob.Status.MAPPING


def test_import_job_mapping_starts_the_import(
    client, kim_son_officer, django_capture_on_commit_callbacks
):
    client.force_login(kim_son_officer)
    text = csv_text([GOOD_ROW[1:]], headers=["Tên chủ hộ", *HEADERS[2:]])
    post_upload(client, text, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    data = {f"column_{i}": (m or "") for i, m in enumerate(job.mapping)}
    data["column_0"] = "full_name"
    data["profile_name"] = "Hộ nghèo Kim Sơn"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:import_job_mapping", args=[job.pk]), data)

    job.refresh_from_db()
    assert response.status_code == 302
    assert job.status == ImportJob.Status.DONE
    assert Person.objects.get().full_name == "Nguyễn Thị Hoa"


def test_import_job_mapping_shows_the_form_again_when_the_name_is_missing(
    client, kim_son_officer, django_capture_on_commit_callbacks
):
    client.force_login(kim_son_officer)
    text = csv_text([GOOD_ROW[1:]], headers=["Tên chủ hộ", *HEADERS[2:]])
    post_upload(client, text, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    data = {f"column_{i}": (m or "") for i, m in enumerate(job.mapping)}

    response = client.post(reverse("imports:import_job_mapping", args=[job.pk]), data)

    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()


def test_import_job_downloads_hold_the_rows_to_fix(
    client, kim_son_officer, django_capture_on_commit_callbacks
):
    client.force_login(kim_son_officer)
    post_upload(
        client, csv_text([row(**{"Số điện thoại": "12"})]), django_capture_on_commit_callbacks
    )
    job = ImportJob.objects.get()

    report = client.get(reverse("imports:import_job_errors", args=[job.pk]))
    fix = client.get(reverse("imports:import_job_fix_file", args=[job.pk]))

    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "Số điện thoại" in text and "12" in text
    assert fix["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(fix.streaming_content)[:2] == b"PK"


def test_import_job_pages_are_hidden_from_other_places(
    client, kim_son_officer, sai_gon_officer, tmp_path
):
    path = tmp_path / "ds.csv"
    path.write_text(csv_text([GOOD_ROW]), encoding="utf-8")
    job = import_job_create(actor=kim_son_officer, path=path, enqueue=False)
    client.force_login(sai_gon_officer)

    for name in ("import_job_detail", "import_job_errors", "import_job_fix_file"):
        assert client.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 404


def test_import_job_list_shows_a_province_officer_her_communes_jobs(
    client, kim_son_officer, dong_thap_officer, tmp_path
):
    path = tmp_path / "ds.csv"
    path.write_text(csv_text([GOOD_ROW]), encoding="utf-8")
    import_job_create(actor=kim_son_officer, path=path, original_name="kim-son.csv", enqueue=False)
    client.force_login(dong_thap_officer)

    response = client.get(reverse("imports:import_job_list"))

    assert "kim-son.csv" in response.content.decode()


def test_import_pages_need_the_edit_capability(client, finance_officer):
    client.force_login(finance_officer)

    assert client.get(reverse("imports:import_job_list")).status_code == 403
    assert client.get(reverse("imports:import_job_create")).status_code == 403


def test_import_job_create_reports_an_unreadable_file(client, kim_son_officer):
    client.force_login(kim_son_officer)

    response = client.post(
        reverse("imports:import_job_create"),
        {"file": SimpleUploadedFile("ds.json", b"[{", content_type="application/json")},
    )

    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    assert 'class="errorlist"' in response.content.decode()
