"""Write the messy sample lists officers can try the import with (run from the repo root).

    .venv/bin/python samples/make_samples.py

- danh-sach-hoi-vien-mau.csv: a title line above the header, UTF-8 lines and lines saved by
  an old Excel in Windows-1258, one name typed in TCVN3 (.VnTime) and one in VNI, former
  addresses (Tiền Giang, before July 2025), a split former ward, IDs and phones that lost their
  leading zero, numbers with dots and spaces, dates as serial numbers or with odd separators,
  a bad CCCD, a bad phone, a row without a name and one without a place.
- danh-sach-hoi-vien-mau.xlsx: the same kind of list as Excel keeps it: IDs and phones stored
  as numbers, dates as dates or serial numbers, a TCVN3 name.
- kobo-mau.json: a KoboToolbox export of two submissions with group-prefixed keys.
"""

import datetime as dt
import json
import sys
import unicodedata
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from lotus.imports import legacy  # noqa: E402

TITLE = "DANH SÁCH HỘI VIÊN CHI HỘI PHỤ NỮ ẤP 3 (cập nhật 2024)"
HEADERS = [
    "STT", "Mã", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Số điện thoại", "Địa chỉ",
    "Xã/Phường", "Huyện/Quận", "Tỉnh/Thành phố", "Dân tộc",
]  # fmt: skip
# (row, how the line is saved): "utf8", "cp1258", or typed with a "tcvn3" or "vni" font.
CSV_ROWS = [
    (["1", "HV001", "Nguyễn Thị Hoa", "15/06/1985", "Nữ", "082185000123", "0912345678",
      "Ấp 3", "Xã Kim Sơn", "", "Đồng Tháp", "Kinh"], "utf8"),
    (["2", "HV002", "Trần Thị Lan", "02-03-1990", "Nữ", "82190004567", "912345679",
      "Ấp 3", "Xã Song Thuận", "Huyện Châu Thành", "Tỉnh Tiền Giang", "Kinh"], "utf8"),
    (["3", "HV003", "Lê Thị Mai", "32874", "Nữ", "082 190 001 235", "0913.456.780",
      "Ấp 2", "Xã Song Thuận", "", "Đồng Tháp", "Kinh"], "cp1258"),
    (["4", "HV004", "Nguyễn Thị Thu Hằng", "ngày 5 tháng 9 năm 1978", "Nữ", "082178009876",
      "01689123456", "Tổ 1", "Xã Kim Sơn", "", "Tỉnh Đồng Tháp", "Kinh"], "tcvn3"),
    (["5", "HV005", "Lê Thị Mai Hương", "1982", "Nữ", "", "0987654321", "Ấp 4",
      "Xã Kim Sơn", "", "Đồng Tháp", "Khơ-me"], "vni"),
    (["6", "HV006", "Phạm Thị Ngọc", "12/12/1988", "Nữ", "082188", "0912", "Ấp 3",
      "Xã Kim Sơn", "", "Đồng Tháp", "Kinh"], "utf8"),
    (["7", "HV007", "Võ Thị Bích", "20/11/1975", "Nữ", "", "0903123456",
      "12 Nguyễn Huệ", "Phường Đa Kao", "Quận 1", "TP HCM", "Hoa"], "utf8"),
    (["8", "HV008", "", "01/01/1980", "Nữ", "082180001111", "0912000111", "Ấp 3",
      "Xã Kim Sơn", "", "Đồng Tháp", "Kinh"], "utf8"),
    (["9", "HV009", "Đặng Thị Kim", "14/02/1992", "Nữ", "082192002222", "0912000222", "",
      "", "", "", "Kinh"], "utf8"),
    (["10", "HV010", "Bùi Thị Yến", "15/13/1986", "Nữ", "082186003333", "0912000333",
      "Ấp 5", "Xã Kim Sơn", "", "Đồng Tháp", "Kinh"], "cp1258"),
]  # fmt: skip


def _cp1258(text: str) -> bytes:
    """As Windows-1258 saves text: letters with their hats precomposed, tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        tone = "".join(c for c in parts if c in tones)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones)) + tone)
    return "".join(out).encode("cp1258")


def _typed(text: str, kind: str) -> str:
    """Text as typed with a TCVN3 or VNI font (its Windows-1252 reading)."""
    if kind == "tcvn3":
        table = {ch: legacy._CP1252_CHARS[b] for b, ch in legacy._TCVN3_BYTES.items()}
        return "".join(table.get(ch, ch) for ch in text)
    pairs = sorted(legacy._VNI_PAIRS.items(), key=lambda p: -len(p[0]))
    table = {letter: sequence for sequence, letter in pairs}
    return "".join(table.get(ch, ch) for ch in text)


def _csv_line(cells: list[str]) -> str:
    return ",".join(f'"{c}"' if "," in c else c for c in cells) + "\r\n"


def write_csv(path: Path) -> None:
    data = _csv_line([TITLE]).encode("utf-8") + _csv_line(HEADERS).encode("utf-8")
    for cells, saved in CSV_ROWS:
        if saved in ("tcvn3", "vni"):
            # The whole line was typed with the legacy font, and saved as an "ANSI" file.
            data += _typed(_csv_line(cells), saved).encode("cp1252")
        elif saved == "cp1258":
            data += _cp1258(_csv_line(cells))
        else:
            data += _csv_line(cells).encode("utf-8")
    path.write_bytes(data)


def write_xlsx(path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Danh sách")
    title = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(0, 0, TITLE, title)
    sheet.write_row(2, 0, HEADERS, title)
    rows = [
        # Numbers as Excel keeps them: the CCCD lost its 0, the phone too.
        [1, "HV101", "Nguyễn Thị Lài", dt.datetime(1983, 4, 2), "Nữ", 82183004444.0,
         912555666.0, "Ấp 6", "Xã Kim Sơn", "", "Đồng Tháp", "Kinh"],
        [2, "HV102", _typed("Trần Thị Thu", "tcvn3"), 30777, "Nữ", "082184005555",
         "0912 555 777", "Ấp 6", "Xã Song Thuận", "Huyện Châu Thành", "Tiền Giang", "Kinh"],
        [3, "HV103", "Huỳnh Thị Sen", "1979", "Nữ", "7.9179001234E+10", 912555888.0, "Ấp 7",
         "Xã Kim Sơn", "", "Đồng Tháp", "Kinh"],
        [4, "HV104", "Lý Thị Mơ", dt.datetime(1995, 8, 30), "Nữ", 82195006666.0, 123.0,
         "Ấp 7", "Xã Kim Sơn", "", "Đồng Tháp", "Kinh"],
        [5, "HV105", "Ngô Thị Quế", dt.datetime(1968, 1, 1), "Nam nữ", "", "0912555999", "",
         "Phường Sài Gòn", "", "Thành phố Hồ Chí Minh", "Kinh"],
        [6, "HV106", "Dương Thị Hậu", "", "Nữ", "", "0912556000", "Ấp 8", "Xã Kim Sơn", "",
         "Đồng Tháp", "Kinh"],
    ]  # fmt: skip
    for r, cells in enumerate(rows, start=3):
        for c, value in enumerate(cells):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, day)
            else:
                sheet.write(r, c, value)
    sheet.set_column(0, len(HEADERS), 16)
    workbook.close()


def write_kobo(path: Path) -> None:
    submissions = [
        {
            "start": "2025-03-01T08:00:00.000+07:00",
            "thong_tin/ho_ten": "Nguyễn Thị Nhàn",
            "thong_tin/ngay_sinh": "1987-07-21",
            "thong_tin/gioi_tinh": "nu",
            "thong_tin/so_dien_thoai": "0912777888",
            "dia_ban/xa_phuong": "Xã Kim Sơn",
            "dia_ban/tinh_thanh_pho": "Đồng Tháp",
            "meta/instanceID": "uuid:5b0e7f6a-9c41-4c7d-8a59-1f1f2a0c0001",
            "_id": 1001,
            "_uuid": "5b0e7f6a-9c41-4c7d-8a59-1f1f2a0c0001",
            "_submission_time": "2025-03-01T01:05:00",
        },
        {
            "start": "2025-03-01T09:00:00.000+07:00",
            "thong_tin/ho_ten": "Phan Thị Oanh",
            "thong_tin/ngay_sinh": "1991-12-03",
            "thong_tin/gioi_tinh": "nu",
            "dia_ban/xa_phuong": "Xã Song Thuận",
            "dia_ban/tinh_thanh_pho": "Tiền Giang",
            "meta/instanceID": "uuid:5b0e7f6a-9c41-4c7d-8a59-1f1f2a0c0002",
            "_id": 1002,
            "_uuid": "5b0e7f6a-9c41-4c7d-8a59-1f1f2a0c0002",
            "_submission_time": "2025-03-01T02:10:00",
        },
    ]
    data = {"count": 2, "next": None, "previous": None, "results": submissions}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    write_csv(HERE / "danh-sach-hoi-vien-mau.csv")
    write_xlsx(HERE / "danh-sach-hoi-vien-mau.xlsx")
    write_kobo(HERE / "kobo-mau.json")
    print("Samples written to", HERE)
