import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lotus.imports import services
from lotus.imports.models import ColumnField as F
from lotus.imports.models import ImportJob, ImportRow, MappingProfile
from lotus.imports.services import import_job_create, import_job_run, import_job_set_mapping
from lotus.imports.tests.files import GOOD_ROW, HEADERS, row, write_csv, write_json, write_xlsx
from lotus.registry.models import Person

pytestmark = pytest.mark.django_db


def run(path, actor=None, **kwargs):
    job = import_job_create(actor=actor, path=path, enqueue=False, **kwargs)
    assert job.status == ImportJob.Status.QUEUED
    import_job_run(job=job, path=path, workers=0)
    job.refresh_from_db()
    return job


def only_person():
    (person,) = Person.objects.all()
    return person


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258"])
def test_import_stores_a_person_from_each_encoding(geography, tmp_path, encoding):
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW], encoding=encoding)

    job = run(path)

    person = only_person()
    assert (job.rows_stored, job.rows_warned, job.rows_rejected) == (1, 0, 0)
    assert person.full_name == "Nguyễn Thị Hoa"
    assert person.commune.code == "28582"
    assert (person.cccd, person.cccd_verified) == ("082185000123", True)
    assert (person.phone, person.phone_verified) == ("+84912345678", True)


@pytest.mark.parametrize("font", ["tcvn3", "vni"])
def test_import_reads_a_file_typed_in_a_legacy_font(geography, tmp_path, font):
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW], encoding=font)

    job = run(path)

    person = only_person()
    assert person.full_name == "Nguyễn Thị Hoa"
    assert person.commune.code == "28582"
    assert job.legacy_cells > 0


def test_import_converts_legacy_font_names_in_xlsx(geography, tmp_path):
    path = write_xlsx(tmp_path / "ds.xlsx", [row(**{"Họ và tên": "NguyÔn ThÞ Hoa"})])

    run(path)

    assert only_person().full_name == "Nguyễn Thị Hoa"


def test_import_reads_vietnamese_headers_without_tone_marks(geography, tmp_path):
    headers = ["ho va ten", "NGAY SINH", "gioi tinh", "so cccd", "sdt", "xa phuong", "tinh"]
    cells = GOOD_ROW[1:]
    path = write_csv(tmp_path / "ds.csv", [cells], headers=headers)

    job = run(path)

    assert job.rows_stored == 1


def test_import_repairs_cells_spreadsheets_damaged(geography, tmp_path):
    cells = row(**{"Số CCCD": 82185000123.0, "Số điện thoại": 912345678.0, "Ngày sinh": 31213})
    path = write_xlsx(tmp_path / "ds.xlsx", [cells])

    job = run(path)

    person = only_person()
    assert (person.cccd, person.cccd_verified) == ("082185000123", True)
    assert (person.phone, person.phone_verified) == ("+84912345678", True)
    assert person.birth_date == dt.date(1985, 6, 15)
    assert job.rows_stored == 1
    assert job.repaired_cells == 3


def test_import_places_a_former_commune_beside_its_old_province(geography, tmp_path):
    cells = row(**{"Xã/Phường": "Xã Song Thuận", "Tỉnh/Thành phố": "Tỉnh Tiền Giang"})
    path = write_csv(tmp_path / "ds.csv", [cells])

    job = run(path)

    assert job.rows_stored == 1
    assert only_person().commune.code == "28582"


def test_import_keeps_a_person_with_faulty_fields_unverified(geography, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [row(**{"Số CCCD": "123", "Số điện thoại": "12"})])

    job = run(path)

    person = only_person()
    assert (job.rows_stored, job.rows_warned) == (0, 1)
    assert (person.cccd, person.cccd_verified) == ("123", False)
    assert (person.phone, person.phone_verified) == ("12", False)
    (issue_row,) = ImportRow.objects.filter(job=job)
    assert issue_row.outcome == ImportRow.Outcome.WARNED
    assert issue_row.person == person
    assert {i["code"] for i in issue_row.issues} == {"cccd_invalid", "phone_invalid"}


def test_import_keeps_a_split_commune_with_its_candidates(geography, tmp_path):
    cells = row(**{"Xã/Phường": "Phường Đa Kao", "Tỉnh/Thành phố": "TP HCM"})
    path = write_csv(tmp_path / "ds.csv", [[*cells[:6], "Phường Đa Kao, Quận 1", "TP HCM"]])

    job = run(path)

    person = only_person()
    assert job.rows_warned == 1
    assert person.commune is None
    assert person.province.code == "79"
    assert {c.name for c in person.commune_candidates.all()} == {
        "Phường Sài Gòn",
        "Phường Tân Định",
    }
    assert person.address_warning


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"Họ và tên": ""}, "name_missing"),
        ({"Ngày sinh": "không rõ"}, "birth_invalid"),
        ({"Xã/Phường": "", "Tỉnh/Thành phố": ""}, "place_missing"),
        ({"Xã/Phường": "Sao Hỏa", "Tỉnh/Thành phố": ""}, "place_not_found"),
    ],
)
def test_import_rejects_a_row_that_cannot_be_a_person(geography, tmp_path, changes, code):
    path = write_csv(tmp_path / "ds.csv", [row(**changes)])

    job = run(path)

    assert job.rows_rejected == 1
    assert not Person.objects.exists()
    (issue_row,) = ImportRow.objects.filter(job=job)
    assert issue_row.outcome == ImportRow.Outcome.REJECTED
    assert issue_row.issues[0]["code"] == code
    assert issue_row.issues[0]["vi"] != issue_row.issues[0]["en"]


def test_import_keeps_the_year_of_an_unreadable_date(geography, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [row(**{"Ngày sinh": "15/13/1985"})])

    job = run(path)

    person = only_person()
    assert (person.birth_date, person.birth_year, person.birth_date_precision) == (
        None,
        1985,
        "year",
    )
    assert job.reasons == {"birth_year_only": 1}


def test_import_again_creates_no_second_copy(geography, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW, row(**{"Họ và tên": "Trần Thị Lan"})])
    run(path)

    again = run(path)

    assert Person.objects.count() == 2
    assert (again.rows_stored, again.rows_skipped) == (0, 2)


def test_import_recognises_rows_by_the_file_id_column(geography, tmp_path):
    first = write_csv(tmp_path / "ds.csv", [row(STT="17")])
    run(first, source="DS Kim Sơn", source_id_column="STT")
    changed = write_csv(tmp_path / "ds2.csv", [row(STT="17", **{"Số điện thoại": "0987654321"})])

    again = run(changed, source="DS Kim Sơn", source_id_column="STT")

    assert again.rows_skipped == 1
    assert only_person().source_id == "17"


def test_import_create_refuses_an_unknown_id_column(geography, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW])

    with pytest.raises(ValidationError):
        import_job_create(actor=None, path=path, source_id_column="Mã", enqueue=False)


def test_import_commits_in_batches(geography, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    rows = [row(**{"Họ và tên": f"Trần Thị Lan {n}"}) for n in "ABCDE"]
    path = write_csv(tmp_path / "ds.csv", rows)
    stored_before_each_batch = []
    save = services.BatchStore.save

    def counting_save(self, outcomes, **kwargs):
        stored_before_each_batch.append(Person.objects.count())
        return save(self, outcomes, **kwargs)

    monkeypatch.setattr(services.BatchStore, "save", counting_save)

    job = run(path)

    assert stored_before_each_batch == [0, 2, 4]
    assert job.rows_stored == 5


def test_import_rejects_rows_outside_the_officer_scope(geography, tmp_path, kim_son_officer):
    rows = [GOOD_ROW, row(**{"Xã/Phường": "Phường Sài Gòn", "Tỉnh/Thành phố": "TP HCM"})]
    path = write_csv(tmp_path / "ds.csv", rows)

    job = run(path, actor=kim_son_officer)

    assert (job.rows_stored, job.rows_rejected) == (1, 1)
    assert job.reasons == {"out_of_scope": 1}


def test_import_needs_the_edit_capability(geography, tmp_path, finance_officer):
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW])

    with pytest.raises(PermissionDenied):
        import_job_create(actor=finance_officer, path=path, enqueue=False)


def test_import_waits_for_a_mapping_of_unknown_headers(geography, tmp_path, manager):
    headers = ["Tên chủ hộ", *HEADERS[2:]]
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW[1:]], headers=headers)

    job = import_job_create(actor=manager, path=path, enqueue=False)

    assert job.status == ImportJob.Status.MAPPING
    assert job.mapping[0] is None


def test_import_set_mapping_saves_a_profile_and_queues(geography, tmp_path, manager):
    headers = ["Tên chủ hộ", *HEADERS[2:]]
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW[1:]], headers=headers)
    job = import_job_create(actor=manager, path=path, enqueue=False)

    mapping = [F.FULL_NAME, *job.mapping[1:]]
    import_job_set_mapping(
        actor=manager, job=job, mapping=mapping, profile_name="Hộ nghèo", enqueue=False
    )

    assert job.status == ImportJob.Status.QUEUED
    assert MappingProfile.objects.get(name="Hộ nghèo").mapping["Tên chủ hộ"] == F.FULL_NAME
    import_job_run(job=job, path=path, workers=0)
    assert only_person().full_name == "Nguyễn Thị Hoa"


def test_import_set_mapping_refuses_a_mapping_without_a_name(geography, tmp_path, manager):
    headers = ["Tên chủ hộ", *HEADERS[2:]]
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW[1:]], headers=headers)
    job = import_job_create(actor=manager, path=path, enqueue=False)

    with pytest.raises(ValidationError):
        import_job_set_mapping(actor=manager, job=job, mapping=["", *job.mapping[1:]])


def test_import_reads_a_kobo_export(geography, tmp_path):
    submissions = [
        {
            "group_info/full_name": "Nguyễn Thị Hoa",
            "group_info/dob": "1985-06-15",
            "group_info/sex": "female",
            "group_info/phone": "0912345678",
            "group_place/commune": "Xã Kim Sơn",
            "group_place/province": "Đồng Tháp",
            "_uuid": "2f0c…",
            "_submission_time": "2025-01-10T08:00:00",
        }
    ]
    path = write_json(tmp_path / "kobo.json", submissions, wrap="results")

    job = run(path)

    person = only_person()
    assert job.rows_stored == 1
    assert person.birth_date == dt.date(1985, 6, 15)
    assert person.source_id == "2f0c…"


def test_import_corrects_stored_rows_from_the_file_to_fix(geography, tmp_path):
    from lotus.imports.reports import write_fix_file

    path = write_csv(tmp_path / "ds.csv", [row(**{"Số điện thoại": "12"})])
    job = run(path)
    fix = tmp_path / "ds.errors.xlsx"
    write_fix_file(job, str(fix))
    import python_calamine

    sheet = python_calamine.load_workbook(str(fix)).get_sheet_by_index(0).to_python()
    corrected = [*sheet[1][: len(HEADERS)], "", sheet[1][-1]]
    corrected[HEADERS.index("Số điện thoại")] = "0912345678"
    write_xlsx(tmp_path / "ds.errors.xlsx", [corrected], headers=sheet[0])

    again = run(tmp_path / "ds.errors.xlsx")

    person = only_person()
    assert again.rows_updated == 1
    assert again.source == job.source
    assert (person.phone, person.phone_verified) == ("+84912345678", True)


def test_import_hands_new_persons_to_the_linkage(geography, tmp_path, monkeypatch):
    handed = []
    monkeypatch.setattr(services, "_link_new_persons", lambda ids, actor: handed.extend(ids))
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW])

    run(path)

    assert handed == [only_person().pk]


def test_import_marks_an_unreadable_file_failed(geography, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW])
    job = import_job_create(actor=None, path=path, enqueue=False)
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    job.original_name = "broken.json"

    import_job_run(job=job, path=broken, workers=0)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error


def test_import_recognises_the_same_list_saved_as_xlsx(geography, tmp_path):
    run(write_csv(tmp_path / "ds.csv", [GOOD_ROW]))
    as_excel_keeps_it = row(**{"Số CCCD": 82185000123.0, "Ngày sinh": 31213})

    again = run(write_xlsx(tmp_path / "ds.xlsx", [as_excel_keeps_it]))

    assert again.rows_skipped == 1
    assert Person.objects.count() == 1
