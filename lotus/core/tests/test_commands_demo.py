from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lotus.accounts.demo import DEMO_LOGINS, DEMO_PASSWORD
from lotus.accounts.models import User
from lotus.accounts.tests.test_demo import build_demo_geography
from lotus.registry.demo import DEMO_SOURCE
from lotus.registry.models import Household, Person


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Seven logins hashed with PBKDF2 take seconds; the hashing itself is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def geography(db):
    return build_demo_geography()


@pytest.mark.django_db
def test_generate_demo_creates_the_persons_asked_for(geography):
    output = _run("generate_demo", "--persons", "60", "--seed", "3")

    assert Person.all_objects.filter(source=DEMO_SOURCE).count() == 60
    assert Household.objects.exists()
    assert "60 persons" in output


@pytest.mark.django_db
def test_generate_demo_skips_when_demo_persons_exist(geography):
    _run("generate_demo", "--persons", "40")

    output = _run("generate_demo", "--persons", "40")

    assert Person.all_objects.count() == 40
    assert "already exist" in output


@pytest.mark.django_db
def test_generate_demo_needs_the_geography():
    with pytest.raises(CommandError):
        _run("generate_demo", "--persons", "10")


@pytest.mark.django_db
def test_create_demo_users_prints_every_login_and_the_password(geography):
    output = _run("create_demo_users")

    assert DEMO_PASSWORD in output
    assert all(login.username in output for login in DEMO_LOGINS)
    assert User.objects.count() == len(DEMO_LOGINS)


@pytest.mark.django_db
def test_create_demo_users_twice_keeps_one_login_per_role(geography):
    _run("create_demo_users")

    _run("create_demo_users")

    assert User.objects.count() == len(DEMO_LOGINS)


@pytest.mark.django_db
def test_create_demo_users_needs_the_geography():
    with pytest.raises(CommandError):
        _run("create_demo_users")
