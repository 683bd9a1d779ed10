import pytest

from lotus.imports.columns import guess_mapping, missing_fields, recognise
from lotus.imports.models import ColumnField as F


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Họ và tên", F.FULL_NAME),
        ("HỌ VÀ TÊN", F.FULL_NAME),
        ("ho va ten", F.FULL_NAME),
        ("Họ tên", F.FULL_NAME),
        ("Ngày sinh", F.BIRTH_DATE),
        ("Năm sinh", F.BIRTH_YEAR),
        ("Giới tính", F.SEX),
        ("Số CCCD", F.CCCD),
        ("CCCD/CMND", F.ID_NUMBER),
        ("Số điện thoại", F.PHONE),
        ("SĐT", F.PHONE),
        ("Xã/Phường", F.COMMUNE),
        ("Huyện/Quận", F.DISTRICT),
        ("Tỉnh/Thành phố", F.PROVINCE),
        ("Địa chỉ", F.ADDRESS),
        ("Dân tộc", F.ETHNICITY),
        ("Mã", F.SOURCE_ID),
        ("STT", F.IGNORE),
        ("Số CCCD (12 số)", F.CCCD),
        ("Full name", F.FULL_NAME),
        ("group_info/full_name", F.FULL_NAME),
        ("meta/instanceID", F.SOURCE_ID),
        ("_submission_time", F.IGNORE),
    ],
)
def test_recognise_reads_vietnamese_and_english_headers(header, field):
    assert recognise(header) == field


def test_recognise_leaves_unknown_headers_unknown():
    assert recognise("Hoàn cảnh gia đình") is None


def test_guess_mapping_prefers_a_saved_profile():
    mapping = guess_mapping(["Tên chủ hộ", "Ngày sinh"], saved={"Tên chủ hộ": F.FULL_NAME})
    assert mapping == [F.FULL_NAME, F.BIRTH_DATE]


def test_guess_mapping_gives_a_field_to_its_first_column_only():
    assert guess_mapping(["Mã", "_uuid"]) == [F.SOURCE_ID, F.IGNORE]


def test_missing_fields_names_what_no_row_can_do_without():
    assert missing_fields([F.PHONE]) == [F.FULL_NAME, F.BIRTH_DATE, F.PROVINCE]
