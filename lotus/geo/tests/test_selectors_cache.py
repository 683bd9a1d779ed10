import pytest

from lotus.geo import placement
from lotus.geo.selectors import PlacementStatus, place_address
from lotus.geo.services import load_geography
from lotus.geo.tests.factories import CommuneFactory, ProvinceFactory

pytestmark = pytest.mark.django_db

KIM_SON = "28582"


def test_place_address_sees_geography_loaded_after_first_use(db):
    assert place_address("Xã Kim Sơn, Tỉnh Đồng Tháp").status == PlacementStatus.NOT_FOUND

    load_geography(provinces=["82"])

    assert place_address("Xã Kim Sơn, Tỉnh Đồng Tháp").commune.code == KIM_SON


def test_place_address_sees_commune_saved_after_first_use(db):
    province = ProvinceFactory(code="82", name="Đồng Tháp")
    assert place_address("Xã Mới, Đồng Tháp").status == PlacementStatus.PROVINCE_ONLY

    CommuneFactory(province=province, name="Xã Mới")

    assert place_address("Xã Mới, Đồng Tháp").commune.name == "Xã Mới"


def test_place_address_notices_load_by_another_process(db, monkeypatch):
    assert place_address("Xã Kim Sơn, Đồng Tháp").status == PlacementStatus.NOT_FOUND
    # A load in another process cannot drop this process's index: simulate that.
    monkeypatch.setattr("lotus.geo.services.geography_cache_clear", lambda: None)
    load_geography(provinces=["82"])
    monkeypatch.setattr(placement, "RECHECK_SECONDS", 0.0)

    assert place_address("Xã Kim Sơn, Đồng Tháp").commune.code == KIM_SON
