import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
import python_calamine

from lotus.imports.reports import (
    LOTUS_ID_HEADER,
    REASON_HEADER,
    error_report_lines,
    write_fix_file,
)
from lotus.imports.services import import_job_create, import_job_run
from lotus.imports.tests.files import GOOD_ROW, HEADERS, row, write_csv
from lotus.registry.models import Person

pytestmark = pytest.mark.django_db
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def job(geography, tmp_path):
    rows = [
        GOOD_ROW,
        row(**{"Họ và tên": "", "STT": "2"}),
        row(**{"Số điện thoại": "12", "STT": "3", "Họ và tên": "Trần Thị Lan"}),
    ]
    path = write_csv(tmp_path / "ds.csv", rows)
    job = import_job_create(actor=None, path=path, enqueue=False)
    import_job_run(job=job, path=path, workers=0)
    return job


def _fills(path) -> dict[str, str]:
    """Cell reference → fill colour of the first sheet (calamine reads no formatting)."""
    with zipfile.ZipFile(path) as archive:
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    fills = []
    for fill in styles.find("m:fills", NS):
        colour = fill.find("m:patternFill/m:fgColor", NS)
        fills.append(colour.get("rgb") if colour is not None else "")
    xfs = [int(xf.get("fillId", 0)) for xf in styles.find("m:cellXfs", NS)]
    found = {}
    for cell in sheet.iter(f"{{{NS['m']}}}c"):
        colour = fills[xfs[int(cell.get("s", 0))]]
        if colour:
            found[cell.get("r")] = colour
    return found


def test_error_report_lists_each_problem_in_both_languages(job):
    text = "".join(error_report_lines(job))

    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0][0] == "Dòng / Row"
    problems = {(line[0], line[1]) for line in lines[1:]}
    assert problems == {("3", "Họ và tên"), ("4", "Số điện thoại")}
    phone = next(line for line in lines[1:] if line[1] == "Số điện thoại")
    assert phone[2] == "12"
    assert phone[4].startswith("Số điện thoại không hợp lệ")
    assert phone[5].startswith("Not a valid phone number")


def test_fix_file_holds_the_rejected_and_warned_rows_with_reasons(job, tmp_path):
    target = tmp_path / "fix.xlsx"

    write_fix_file(job, str(target))

    sheet = python_calamine.load_workbook(str(target)).get_sheet_by_index(0).to_python()
    assert sheet[0] == [*HEADERS, REASON_HEADER, LOTUS_ID_HEADER]
    assert [r[0] for r in sheet[1:]] == ["2", "3"]
    assert "Không có họ tên" in sheet[1][len(HEADERS)]
    assert "Not a valid phone number" in sheet[2][len(HEADERS)]
    stored = Person.objects.get(full_name="Trần Thị Lan")
    assert sheet[2][-1] == str(stored.pk)
    assert sheet[1][-1] == ""


def test_fix_file_highlights_the_bad_cells(job, tmp_path):
    target = tmp_path / "fix.xlsx"

    write_fix_file(job, str(target))

    fills = {
        ref: colour
        for ref, colour in _fills(target).items()
        if re.fullmatch(r"[A-H]\d+", ref) and ref[1:] != "1"
    }
    name_col = "ABCDEFGH"[HEADERS.index("Họ và tên")]
    phone_col = "ABCDEFGH"[HEADERS.index("Số điện thoại")]
    assert fills == {f"{name_col}2": "FFF8C9CE", f"{phone_col}3": "FFFFE699"}
