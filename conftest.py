"""The shared cast (after healthchecks): officers in commune A, a reader there, and outsiders."""

import pytest

from lotus.accounts.roles import Role
from lotus.accounts.tests.factories import (
    CentralBranchFactory,
    CommuneBranchFactory,
    ProvinceBranchFactory,
    UserFactory,
)
from lotus.geo.placement import geography_cache_clear
from lotus.geo.tests.factories import CommuneFactory, ProvinceFactory

pytest_plugins = ["lotus.browser_testing"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 costs a second per account made; tests need no real hashing strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_address_index(request):
    """A rolled-back test must not leave its geography in the address index of the next."""
    if "module_geography" not in request.fixturenames:
        geography_cache_clear()


@pytest.fixture
def province_a(db):
    return ProvinceFactory(code="82", name="Tỉnh Đồng Tháp", name_folded="tinh dong thap")


@pytest.fixture
def commune_a(province_a):
    return CommuneFactory(province=province_a, code="28249", name="Xã Song Thuận")


@pytest.fixture
def commune_a2(province_a):
    return CommuneFactory(province=province_a, code="28250", name="Xã Bình Đức")


@pytest.fixture
def commune_b(db):
    province = ProvinceFactory(code="79", name="Thành phố Hồ Chí Minh")
    return CommuneFactory(province=province, code="26734", name="Phường Sài Gòn")


@pytest.fixture
def commune_officer(commune_a):
    return UserFactory(
        username="officer_a",
        role=Role.COMMUNE_OFFICER,
        branch=CommuneBranchFactory(commune=commune_a),
    )


@pytest.fixture
def province_officer(province_a):
    return UserFactory(
        username="province_a",
        role=Role.PROVINCE_OFFICER,
        branch=ProvinceBranchFactory(province=province_a),
    )


@pytest.fixture
def central_manager(db):
    return UserFactory(
        username="manager", role=Role.PROGRAMME_MANAGER, branch=CentralBranchFactory()
    )


@pytest.fixture
def case_worker(commune_a):
    return UserFactory(
        username="case_a", role=Role.CASE_WORKER, branch=CommuneBranchFactory(commune=commune_a)
    )


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", role=Role.ANALYST, branch=CentralBranchFactory())


@pytest.fixture
def outsider_officer(commune_b):
    return UserFactory(
        username="officer_b",
        role=Role.COMMUNE_OFFICER,
        branch=CommuneBranchFactory(commune=commune_b),
    )
