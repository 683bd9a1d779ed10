import pytest

from lotus.imports.columns import guess_mapping
from lotus.imports.services import SYSTEM_SCOPE
from lotus.imports.validation import PERSON_FIELDS, RowValidator

pytestmark = pytest.mark.django_db

HEADERS = [
    "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Số CMND", "Số điện thoại", "Địa chỉ",
    "Xã/Phường", "Tỉnh/Thành phố", "Dân tộc",
]  # fmt: skip


def _validator() -> RowValidator:
    return RowValidator(headers=HEADERS, mapping=guess_mapping(HEADERS), scope=SYSTEM_SCOPE)


@pytest.mark.parametrize(
    "cells",
    [
        ["Nguyễn Thị Hoa", "15/06/1985", "Nữ", "082185000123", "", "0912345678", "Ấp 3",
         "Xã Kim Sơn", "Đồng Tháp", "Kinh"],
        ["Lê Thị Lan", "1990", "", "82190000124", "023456789", "912345678", "",
         "Phường Đa Kao, Quận 1", "TP HCM", "Khơ-me"],
    ],
)  # fmt: skip
def test_row_validator_sets_only_fields_the_writer_stores(geography, cells):
    outcome = _validator()._validate(2, cells)

    assert outcome.values
    assert set(outcome.values) <= set(PERSON_FIELDS)


def test_row_validator_keys_the_same_person_alike_however_her_cells_were_written(geography):
    validator = _validator()
    typed = ["Nguyễn Thị Hoa", "15/06/1985", "Nữ", "082185000123", "", "0912345678", "",
             "Xã Kim Sơn", "Đồng Tháp", ""]  # fmt: skip
    excel = [*typed[:3], 82185000123, "", 912345678.0, *typed[6:]]

    assert validator.validate(2, typed).key == validator.validate(3, excel).key
    assert validator.validate(2, typed).key.startswith("hash:")


def test_row_validator_keys_two_persons_apart(geography):
    validator = _validator()
    hoa = ["Nguyễn Thị Hoa", "15/06/1985", "Nữ", "", "", "", "", "Xã Kim Sơn", "Đồng Tháp", ""]
    lan = ["Nguyễn Thị Lan", *hoa[1:]]

    assert validator.validate(2, hoa).key != validator.validate(3, lan).key
