import datetime as dt

import pytest

from lotus.imports.readers import UnreadableFileError, open_source
from lotus.imports.tests.files import GOOD_ROW, HEADERS, csv_text, write_csv, write_json, write_xlsx


def _rows(path):
    reader = open_source(path)
    try:
        return reader, list(reader.rows())
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1258", "windows-1258")],
)
def test_csv_reader_reads_each_encoding(tmp_path, encoding, label):
    path = write_csv(tmp_path / "ds.csv", [GOOD_ROW], encoding=encoding)

    reader, rows = _rows(path)

    assert reader.headers == HEADERS
    assert rows == [(2, GOOD_ROW)]
    assert reader.encoding_label == label


def test_csv_reader_reads_lines_of_mixed_encodings(tmp_path):
    from lotus.imports.tests.files import cp1258_bytes

    text = csv_text([GOOD_ROW])
    extra = "2,Trần Thị Lan,01/01/1990,Nữ,,,Xã Kim Sơn,Đồng Tháp\r\n"
    (tmp_path / "ds.csv").write_bytes(text.encode("utf-8") + cp1258_bytes(extra))

    reader, rows = _rows(tmp_path / "ds.csv")

    assert rows[1][1][1] == "Trần Thị Lan"
    assert reader.encoding_label == "utf-8 + windows-1258"


def test_csv_reader_skips_title_lines_above_the_header(tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text("DANH SÁCH HỘI VIÊN\r\n\r\n" + csv_text([GOOD_ROW]), encoding="utf-8")

    reader, rows = _rows(path)

    assert reader.headers == HEADERS
    assert rows[0][0] == 4


def test_csv_reader_finds_the_semicolon_delimiter(tmp_path):
    path = tmp_path / "ds.csv"
    title = "Danh sách, cập nhật 2024\n"
    path.write_text(title + ";".join(HEADERS) + "\n" + ";".join(GOOD_ROW) + "\n", encoding="utf-8")

    _reader, rows = _rows(path)

    assert rows == [(3, GOOD_ROW)]


def test_xlsx_reader_keeps_cell_types(tmp_path):
    cells = list(GOOD_ROW)
    cells[2] = dt.datetime(1985, 6, 15)
    cells[4] = 82185000123.0
    path = write_xlsx(tmp_path / "ds.xlsx", [cells])

    reader, rows = _rows(path)

    assert reader.format == "xlsx"
    assert reader.headers == HEADERS
    number, read = rows[0]
    assert number == 2
    assert read[1] == "Nguyễn Thị Hoa"
    assert read[2] in (dt.datetime(1985, 6, 15), dt.date(1985, 6, 15))
    assert float(read[4]) == 82185000123.0


def test_json_reader_reads_kobo_group_keys_and_missing_answers(tmp_path):
    submissions = [
        {"group_a/full_name": "Nguyễn Thị Hoa", "_uuid": "u1"},
        {"group_a/full_name": "Trần Thị Lan", "group_a/phone": "0912345678", "_uuid": "u2"},
    ]
    path = write_json(tmp_path / "kobo.json", submissions, wrap="results")

    reader, rows = _rows(path)

    assert reader.headers == ["group_a/full_name", "_uuid", "group_a/phone"]
    assert rows == [(1, ["Nguyễn Thị Hoa", "u1", None]), (2, ["Trần Thị Lan", "u2", "0912345678"])]


def test_json_reader_flattens_odk_central_groups(tmp_path):
    path = write_json(tmp_path / "odk.json", [{"info": {"name": "Hoa"}, "__id": "x"}], wrap="value")

    reader, rows = _rows(path)

    assert reader.headers == ["info/name", "__id"]
    assert rows == [(1, ["Hoa", "x"])]


def test_json_reader_streams_a_bare_list(tmp_path):
    path = write_json(tmp_path / "list.json", [{"name": f"Hoa {n}"} for n in range(5000)])

    _reader, rows = _rows(path)

    assert len(rows) == 5000
    assert rows[-1] == (5000, ["Hoa 4999"])


def test_open_source_refuses_a_broken_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"name": "Hoa"', encoding="utf-8")

    with pytest.raises(UnreadableFileError):
        open_source(path)


# Past the rows read ahead to find the header (HEADER_SEARCH_ROWS): records on two lines, a
# blank line, a stray quote, doubled quotes and a last line without its line break.
MESSY_CSV = (
    "DANH SÁCH HỘI VIÊN\r\n"
    + csv_text([GOOD_ROW] * 25)
    + '2,"Trần Thị\r\nLan",01/01/1990,Nữ,,,"Xã Kim Sơn, ấp 3",Đồng Tháp\r\n'
    + "\r\n"
    + '3,Lê Thị 5" Mai,02/02/1991,Nữ,,,"Xã Kim\r\nSơn",Đồng Tháp\r\n'
    + '4,"Võ Thị ""Út"" Hoa",03/03/1992,Nữ,,,Xã Kim Sơn,Đồng Tháp\r\n'
    + "5,Phạm Thị Hồng,04/04/1993,Nữ,,,Xã Kim Sơn,Đồng Tháp"
)


@pytest.mark.parametrize("lines", [1, 2, 3, 100])
def test_csv_blocks_hold_the_rows_the_reader_gives(tmp_path, lines):
    path = tmp_path / "ds.csv"
    path.write_text(MESSY_CSV, encoding="utf-8", newline="")

    from_blocks = []
    for block in open_source(path).blocks(lines):
        from_blocks.extend(block if isinstance(block, list) else block.rows())

    assert from_blocks == list(open_source(path).rows())
    assert [number for number, _cells in from_blocks[-4:]] == [29, 32, 33, 34]
    assert from_blocks[-3][1][1] == 'Lê Thị 5" Mai'


def test_csv_blocks_end_between_records(tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text(MESSY_CSV, encoding="utf-8", newline="")

    blocks = [b for b in open_source(path).blocks(1) if not isinstance(b, list)]

    assert [(b.first_line, len(b)) for b in blocks][-5:] == [
        (28, 2), (30, 1), (31, 2), (33, 1), (34, 1)
    ]  # fmt: skip
