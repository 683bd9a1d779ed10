import datetime as dt

import pytest

from lotus.registry.tests.factories import PersonFactory
from lotus.registry.validators import clean_cccd


@pytest.mark.django_db
def test_person_factory_makes_a_cccd_that_passes_its_checks():
    person = PersonFactory(sex="M", birth_date=dt.date(2001, 2, 3))
    assert clean_cccd(person.cccd, sex=person.sex, birth_year=person.birth_year) == person.cccd
