import datetime as dt

import factory

from lotus.core.text import fold
from lotus.geo.tests.factories import CommuneFactory
from lotus.registry.models import Consent, Household, Person, RestrictedFact, Sex


def _cccd_for(n: int, sex: str, year: int) -> str:
    century_digit = (year // 100 - 19) * 2 + (1 if sex == Sex.FEMALE else 0)
    return f"079{century_digit}{year % 100:02d}{n % 1_000_000:06d}"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    commune = factory.SubFactory(CommuneFactory)
    province = factory.LazyAttribute(lambda o: o.commune.province)
    address = "Ấp 1"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    family_name = "Nguyễn"
    middle_name = "Thị"
    given_name = factory.Iterator(["Hoa", "Lan", "Mai", "Hương", "Thảo", "Linh"])
    full_name = factory.LazyAttribute(lambda o: f"{o.family_name} {o.middle_name} {o.given_name}")
    name_key = factory.LazyAttribute(lambda o: fold(o.full_name))
    sex = Sex.FEMALE
    birth_date = dt.date(1985, 6, 15)
    birth_year = factory.LazyAttribute(lambda o: o.birth_date.year if o.birth_date else 1985)
    cccd = factory.LazyAttributeSequence(lambda o, n: _cccd_for(n, o.sex, o.birth_year))
    cccd_verified = True
    phone = factory.Sequence(lambda n: f"+8491{n % 10_000_000:07d}")
    phone_verified = True
    ethnicity = "01"
    commune = factory.SubFactory(CommuneFactory)
    province = factory.LazyAttribute(lambda o: o.commune.province)
    address_text = "Ấp 2"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = "registry"
    given_on = dt.date(2025, 1, 10)
    method = Consent.Method.WRITTEN
    text_version = "2025-01"


class RestrictedFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RestrictedFact

    person = factory.SubFactory(PersonFactory)
    kind = "hiv_status"
