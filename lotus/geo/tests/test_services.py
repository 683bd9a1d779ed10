import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from lotus.geo.models import (
    Commune,
    LegacyCommune,
    LegacyDistrict,
    LegacyProvince,
    Province,
)
from lotus.geo.services import load_geography
from lotus.geo.sources import read_geography


def test_read_geography_matches_every_new_ward_of_both_packages():
    rec = read_geography().reconciliation

    assert rec.new_wards_in_adminunits == 3321
    assert rec.matched_by_code == 3198
    assert rec.matched_by_province_and_name == 123
    assert rec.unmatched_adminunits_wards == []
    assert rec.communes_without_coordinates == []


def test_read_geography_keeps_vietnam_provinces_name_where_codes_were_swapped():
    # vietnamadminunits gives 01537 to Lý Quốc; vietnam-provinces (the authority) to Vinh Quý.
    source = read_geography()
    communes = {c.code: c for c in source.communes}

    assert "01537" in source.reconciliation.code_name_conflicts
    assert communes["01537"].name == "Xã Vinh Quý"
    # The coordinates follow the name: vietnamadminunits' Vinh Quý row (its code 01561).
    assert (communes["01537"].latitude, communes["01537"].longitude) == (22.6786, 106.619)


def test_read_geography_gives_every_former_commune_a_successor():
    source = read_geography()
    with_successor = {s.legacy_code for s in source.successions}

    assert source.reconciliation.legacy_communes_without_successor == []
    assert {c.code for c in source.legacy_communes} == with_successor


@pytest.mark.django_db
def test_load_geography_subset_loads_named_provinces_and_their_former_provinces(small_geography):
    assert set(Province.objects.values_list("code", flat=True)) == {"82", "79"}
    # Đồng Tháp took in Tiền Giang; Ho Chi Minh City Bình Dương and Bà Rịa - Vũng Tàu.
    assert set(LegacyProvince.objects.values_list("code", flat=True)) == {
        "82",
        "87",
        "79",
        "74",
        "77",
    }
    assert small_geography.communes.created == Commune.objects.count() == 270
    assert not LegacyCommune.objects.filter(successions__isnull=True).exists()


@pytest.mark.django_db
def test_load_geography_subset_second_run_changes_nothing(small_geography):
    report = load_geography(provinces=["82", "79"])

    assert not report.changed


@pytest.mark.django_db
def test_load_geography_puts_back_an_edited_name(small_geography):
    Commune.objects.filter(code="28582").update(name="Xã Sai", name_folded="xa sai")

    report = load_geography(provinces=["82"])

    assert report.communes.updated == 1
    assert Commune.objects.get(code="28582").name == "Xã Kim Sơn"


@pytest.mark.django_db
def test_load_geography_links_former_province_to_province_of_today(small_geography):
    tien_giang = LegacyProvince.objects.get(code="82")

    assert tien_giang.name == "Tỉnh Tiền Giang"
    assert tien_giang.successor.name == "Đồng Tháp"
    assert tien_giang.cccd_code == "082"


@pytest.mark.django_db
def test_load_geography_keeps_main_successor_of_a_split_commune(small_geography):
    da_kao = LegacyCommune.objects.get(code="26737")
    parts = {s.commune.name: s.is_main_successor for s in da_kao.successions.all()}

    assert parts == {"Phường Sài Gòn": True, "Phường Tân Định": False}


@pytest.mark.django_db
def test_load_geography_maps_island_district_to_its_special_zone(small_geography):
    con_dao = LegacyDistrict.objects.get(code="755")

    assert con_dao.successor.name == "Đặc khu Côn Đảo"
    assert not con_dao.communes.exists()


@pytest.mark.django_db
def test_load_geography_rejects_unknown_province_code():
    with pytest.raises(ValidationError):
        load_geography(provinces=["99"])


@pytest.mark.django_db
def test_load_geography_command_loads_named_province(capsys):
    call_command("load_geography", "--province", "82")

    assert Commune.objects.filter(province__code="82").count() == 102
    assert "communes: 102 created" in capsys.readouterr().out


@pytest.mark.django_db
def test_load_geography_command_rejects_unknown_province():
    with pytest.raises(CommandError):
        call_command("load_geography", "--province", "99")
