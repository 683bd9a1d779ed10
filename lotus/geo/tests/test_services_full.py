"""The whole country: loaded once for this module (a few seconds), rolled back after it."""

import pytest
from django.db import transaction

from lotus.geo.models import (
    Commune,
    CommuneSuccession,
    LegacyCommune,
    LegacyDistrict,
    LegacyProvince,
    Province,
)
from lotus.geo.placement import geography_cache_clear
from lotus.geo.selectors import place_address
from lotus.geo.services import load_geography

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def first_run(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield load_geography()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            geography_cache_clear()


def test_load_geography_loads_the_whole_country():
    assert Province.objects.count() == 34
    assert Commune.objects.count() == 3321
    assert LegacyProvince.objects.count() == 63
    assert LegacyDistrict.objects.count() == 696
    assert LegacyCommune.objects.count() == 10035
    assert CommuneSuccession.objects.count() == 10597


def test_load_geography_gives_every_former_commune_a_successor():
    assert not LegacyCommune.objects.filter(successions__isnull=True).exists()


def test_load_geography_reports_what_the_first_run_created(first_run):
    assert first_run.communes.created == 3321
    assert first_run.successions.created == 10597


def test_load_geography_second_run_changes_nothing():
    report = load_geography()

    assert (report.created, report.updated, report.changed) == (0, 0, False)
    assert report.communes.unchanged == 3321
    assert report.successions.unchanged == 10597


def test_place_address_places_former_address_anywhere_in_the_country():
    placement = place_address("Xã Nà Phặc, Huyện Ngân Sơn, Tỉnh Bắc Kạn")

    assert placement.commune.province.name == "Thái Nguyên"
