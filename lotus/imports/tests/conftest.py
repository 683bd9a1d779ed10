import pytest
from django.db import transaction

from lotus.accounts.roles import Role
from lotus.accounts.tests.factories import (
    CentralBranchFactory,
    CommuneBranchFactory,
    ProvinceBranchFactory,
    UserFactory,
)
from lotus.geo.models import Commune, Province
from lotus.geo.placement import geography_cache_clear
from lotus.geo.tests.factories import load_small_geography

KIM_SON = "28582"  # Xã Kim Sơn, Đồng Tháp: took in the former Xã Song Thuận (Tiền Giang)
SAI_GON = "26740"  # Phường Sài Gòn, Ho Chi Minh City


@pytest.fixture(scope="module")
def geography(django_db_setup, django_db_blocker):
    """The real Đồng Tháp and Ho Chi Minh City, old and new, loaded once per module.

    Loaded in a transaction around the module (each test nests its own inside it) and rolled
    back after the module's last test.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        geography_cache_clear()
        try:
            yield load_small_geography()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            geography_cache_clear()


@pytest.fixture
def kim_son(geography, db):
    return Commune.objects.get(code=KIM_SON)


@pytest.fixture
def sai_gon(geography, db):
    return Commune.objects.get(code=SAI_GON)


@pytest.fixture
def dong_thap(geography, db):
    return Province.objects.get(code="82")


@pytest.fixture
def manager(geography, db):
    """A central programme manager: imports anywhere."""
    return UserFactory(
        username="import_manager", role=Role.PROGRAMME_MANAGER, branch=CentralBranchFactory()
    )


@pytest.fixture
def kim_son_officer(kim_son):
    return UserFactory(
        username="kim_son_officer",
        role=Role.COMMUNE_OFFICER,
        branch=CommuneBranchFactory(commune=kim_son),
    )


@pytest.fixture
def dong_thap_officer(dong_thap):
    return UserFactory(
        username="dong_thap_officer",
        role=Role.PROVINCE_OFFICER,
        branch=ProvinceBranchFactory(province=dong_thap),
    )


@pytest.fixture
def sai_gon_officer(sai_gon):
    return UserFactory(
        username="sai_gon_officer",
        role=Role.COMMUNE_OFFICER,
        branch=CommuneBranchFactory(commune=sai_gon),
    )


@pytest.fixture
def finance_officer(kim_son):
    """Reads persons but may not create them."""
    return UserFactory(
        username="finance_kim_son",
        role=Role.FINANCE_OFFICER,
        branch=CommuneBranchFactory(commune=kim_son),
    )
