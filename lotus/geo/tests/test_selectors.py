import time

import pytest

from lotus.geo.models import Commune
from lotus.geo.selectors import (
    WARNING_AMBIGUOUS,
    WARNING_PROVINCE_ONLY,
    WARNING_SPLIT,
    PlacementStatus,
    commune_list,
    communes_for_search,
    legacy_province_by_cccd_code,
    place_address,
    province_list,
)

# These tests only read: the geography is loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_geography")]

KIM_SON = "28582"  # Xã Kim Sơn, Đồng Tháp: took in the former Xã Song Thuận (Tiền Giang)
SAI_GON = "26740"  # Phường Sài Gòn, Ho Chi Minh City: took in the former Phường Bến Nghé


def test_place_address_places_address_of_today():
    placement = place_address("Xã Kim Sơn, Tỉnh Đồng Tháp")

    assert placement.status == PlacementStatus.EXACT_NEW
    assert placement.commune.code == KIM_SON
    assert placement.province.code == "82"
    assert placement.warning == ""


def test_place_address_converts_former_three_tier_address():
    placement = place_address("Xã Song Thuận, Huyện Châu Thành, Tỉnh Tiền Giang")

    assert placement.status == PlacementStatus.CONVERTED_FROM_OLD
    assert placement.commune.code == KIM_SON
    assert placement.legacy_commune.name == "Xã Song Thuận"
    assert placement.province.name == "Đồng Tháp"


def test_place_address_reads_text_without_tone_marks():
    placement = place_address("xa song thuan, huyen chau thanh, tinh tien giang")

    assert placement.commune.code == KIM_SON


def test_place_address_places_former_commune_beside_province_of_today():
    placement = place_address("Xã Song Thuận, Tỉnh Đồng Tháp")

    assert placement.status == PlacementStatus.CONVERTED_FROM_OLD
    assert placement.commune.code == KIM_SON


def test_place_address_places_commune_of_today_beside_former_province():
    placement = place_address("Xã Kim Sơn, Tỉnh Tiền Giang")

    assert placement.status == PlacementStatus.EXACT_NEW
    assert placement.commune.code == KIM_SON


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Song Thuận, H. Châu Thành, T. Tiền Giang", KIM_SON),
        ("P. Bến Nghé, Q.1, TP HCM", SAI_GON),
        ("P. Bến Nghé, Q1, TP. Hồ Chí Minh", SAI_GON),
        ("Phường Bến Nghé, Quận 1, TPHCM", SAI_GON),
        ("phuong ben nghe, quan 1, tp.hcm", SAI_GON),
        ("Phường Sài Gòn, Sài Gòn", SAI_GON),
        ("P5, TP. Mỹ Tho, T. Tiền Giang", "28249"),
        ("F.05, Mỹ Tho, Tiền Giang", "28249"),
        ("Phường 2, TX Gò Công, Tiền Giang", "28297"),
        ("TT Tân Hiệp, H. Châu Thành, Tiền Giang", "28519"),
    ],
)
def test_place_address_reads_common_abbreviations(text, code):
    assert place_address(text).commune.code == code


def test_place_address_ignores_street_and_country():
    placement = place_address("Số 12 Lê Lợi, P. Bến Nghé, Q.1, TP HCM, Việt Nam")

    assert placement.commune.code == SAI_GON


def test_place_address_reads_separate_columns():
    placement = place_address(
        "", province_hint="Tiền Giang", district_hint="Châu Thành", commune_hint="Song Thuận"
    )

    assert placement.commune.code == KIM_SON


def test_place_address_lists_parts_of_split_commune_without_choosing():
    placement = place_address("Phường Đa Kao, Quận 1, TP HCM")

    assert placement.status == PlacementStatus.SPLIT_NEEDS_CHOICE
    assert placement.commune is None
    assert {c.name for c in placement.candidates} == {"Phường Sài Gòn", "Phường Tân Định"}
    assert placement.suggested.name == "Phường Sài Gòn"
    assert placement.legacy_commune.name == "Phường Đa Kao"
    assert placement.province.code == "79"
    assert placement.warning == WARNING_SPLIT


def test_place_address_offers_split_commune_parts_as_form_choices():
    placement = place_address("Phường Đa Kao, Quận 1, TP HCM")

    assert [label for _pk, label in placement.candidate_choices] == [
        "Phường Sài Gòn, Thành phố Hồ Chí Minh",
        "Phường Tân Định, Thành phố Hồ Chí Minh",
    ]


def test_place_address_lists_communes_when_former_name_repeats_in_province():
    # Mỹ Tho, Gò Công and Cai Lậy each had a Phường 1.
    placement = place_address("Phường 1, Tỉnh Tiền Giang")

    assert placement.status == PlacementStatus.SPLIT_NEEDS_CHOICE
    assert placement.commune is None
    assert {c.name for c in placement.candidates} == {
        "Phường Mỹ Tho",
        "Phường Gò Công",
        "Phường Mỹ Phước Tây",
    }
    assert placement.warning == WARNING_AMBIGUOUS


def test_place_address_places_island_district_in_special_zone():
    placement = place_address("Huyện Côn Đảo, Tỉnh Bà Rịa - Vũng Tàu")

    assert placement.commune.name == "Đặc khu Côn Đảo"


def test_place_address_keeps_province_when_commune_unknown():
    placement = place_address("Ấp 3, Xã Không Có, Tỉnh Đồng Tháp")

    assert placement.status == PlacementStatus.PROVINCE_ONLY
    assert placement.commune is None
    assert placement.province.code == "82"
    assert placement.warning == WARNING_PROVINCE_ONLY


def test_place_address_reports_unknown_place():
    placement = place_address("Sao Hỏa")

    assert placement.status == PlacementStatus.NOT_FOUND
    assert (placement.commune, placement.province, placement.candidates) == (None, None, ())


def test_place_address_memoises_by_input():
    text = "Xã Song Thuận, Huyện Châu Thành, Tỉnh Tiền Giang"

    assert place_address(text) is place_address(text)


def test_place_address_is_fast_once_warm():
    place_address("Xã Kim Sơn, Tỉnh Đồng Tháp")
    texts = [f"Số {n}, Xã Song Thuận, Huyện Châu Thành, Tỉnh Tiền Giang" for n in range(10_000)]

    started = time.perf_counter()
    for text in texts:
        place_address(text)

    # Microseconds a row; the bound is loose because test machines are shared.
    assert time.perf_counter() - started < 5.0


def test_province_list_lists_loaded_provinces():
    assert [p.code for p in province_list()] == ["82", "79"]


def test_commune_list_keeps_to_province():
    communes = commune_list(province=Commune.objects.get(code=KIM_SON).province)

    assert communes.count() == 102
    assert {c.province.code for c in communes} == {"82"}


def test_communes_for_search_ignores_tone_marks():
    assert [c.code for c in communes_for_search("kim son")] == [KIM_SON]


def test_communes_for_search_finds_commune_by_former_name():
    assert [c.code for c in communes_for_search("Song Thuận")] == [KIM_SON]


def test_communes_for_search_returns_nothing_for_empty_query():
    assert communes_for_search("  ") == []


@pytest.mark.parametrize(
    ("code", "name"), [("082", "Tỉnh Tiền Giang"), ("079", "Thành phố Hồ Chí Minh")]
)
def test_legacy_province_by_cccd_code_finds_former_province(code, name):
    assert legacy_province_by_cccd_code(code).name == name


def test_legacy_province_by_cccd_code_reads_whole_cccd():
    assert legacy_province_by_cccd_code("082190000123").code == "82"


def test_legacy_province_by_cccd_code_rejects_unknown_code():
    assert legacy_province_by_cccd_code("999") is None
