import io

import pytest
import python_calamine
from django.core.management import CommandError, call_command

from lotus.imports.models import ImportJob
from lotus.imports.services import mapping_profile_save
from lotus.imports.tests.files import GOOD_ROW, HEADERS, row, write_csv
from lotus.registry.models import Person

pytestmark = pytest.mark.django_db


def import_persons(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_persons", *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


def test_import_persons_prints_the_counts(geography, tmp_path):
    path = write_csv(
        tmp_path / "ds.csv", [GOOD_ROW, row(**{"Số CCCD": "1"}), row(**{"Họ và tên": ""})]
    )

    output = import_persons(path)

    assert "Stored: 1\n" in output
    assert "Stored with warnings: 1\n" in output
    assert "Rejected: 1\n" in output
    assert Person.objects.count() == 2


def test_import_persons_writes_the_rows_to_fix(geography, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW, row(**{"Họ và tên": ""})])
    target = tmp_path / "loi.xlsx"

    import_persons(path, "--errors", target)

    sheet = python_calamine.load_workbook(str(target)).get_sheet_by_index(0).to_python()
    assert len(sheet) == 2


def test_import_persons_writes_the_error_report_as_csv(geography, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [row(**{"Họ và tên": ""})])
    target = tmp_path / "loi.csv"

    import_persons(path, "--errors", target)

    assert "Họ và tên" in target.read_text(encoding="utf-8-sig")


def test_import_persons_keys_rows_by_the_id_column(geography, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [row(STT="A-17")])

    import_persons(path, "--source-id-column", "STT")
    output = import_persons(path, "--source-id-column", "STT")

    assert "Already imported: 1" in output
    assert Person.objects.get().source_id == "A-17"


def test_import_persons_uses_a_saved_mapping(geography, tmp_path):
    headers = ["Tên chủ hộ", *HEADERS[2:]]
    mapping_profile_save(actor=None, name="Hộ nghèo", headers=["Tên chủ hộ"], mapping=["full_name"])
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW[1:]], headers=headers)

    import_persons(path, "--mapping", "Hộ nghèo")

    assert Person.objects.get().full_name == "Nguyễn Thị Hoa"


def test_import_persons_names_the_unknown_columns(geography, tmp_path):
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW[1:]], headers=["Tên chủ hộ", *HEADERS[2:]])

    with pytest.raises(CommandError, match="Tên chủ hộ"):
        import_persons(path)

    assert ImportJob.objects.get().status == ImportJob.Status.MAPPING
