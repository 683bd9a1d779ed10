import pytest
from django.db import transaction

from lotus.geo.placement import geography_cache_clear
from lotus.geo.tests.factories import load_small_geography


@pytest.fixture(autouse=True)
def fresh_address_index(request):
    """Each test places addresses against its own rows, not an index of a rolled-back test's.

    Tests sharing `module_geography` share its index too.
    """
    if "module_geography" not in request.fixturenames:
        geography_cache_clear()


@pytest.fixture
def small_geography(db):
    """The real Đồng Tháp (with the former Tiền Giang) and Ho Chi Minh City, old and new."""
    yield load_small_geography()
    # The rows go with the test's transaction; the index of them must go too.
    geography_cache_clear()


@pytest.fixture(scope="module")
def module_geography(django_db_setup, django_db_blocker):
    """`small_geography` loaded once for a module of tests that only read it.

    The load runs in a transaction around the whole module (each test nests its own inside)
    and is rolled back after the module's last test, so no other module sees it.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield load_small_geography()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            geography_cache_clear()
