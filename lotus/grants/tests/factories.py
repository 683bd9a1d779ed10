import datetime as dt

import factory

from lotus.accounts.roles import Role
from lotus.accounts.tests.factories import CentralBranchFactory, UserFactory
from lotus.grants.criteria import EMPTY_CRITERIA
from lotus.grants.models import Cycle, PayoutAccount, Programme
from lotus.registry.tests.factories import ConsentFactory

PURPOSE = "grants-covid-2023"


class ManagerFactory(UserFactory):
    role = Role.PROGRAMME_MANAGER
    branch = factory.SubFactory(CentralBranchFactory)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = "Emergency response and recovery"
    lead_agency = "UN Women"
    donors = "Government of Australia"
    consent_purpose = PURPOSE
    starts_on = dt.date(2023, 1, 1)
    ends_on = dt.date(2024, 12, 31)
    created_by = factory.SubFactory(ManagerFactory)


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    name = "Cycle 1"
    amount_per_person = 5_500_000
    grant_count = 10
    reference_date = dt.date(2023, 10, 1)
    criteria = factory.LazyFunction(lambda: dict(EMPTY_CRITERIA, items=[]))
    weights = factory.LazyFunction(dict)
    created_by = factory.SelfAttribute("programme.created_by")

    @factory.post_generation
    def provinces(self, create, extracted, **kwargs):
        if create and extracted:
            self.provinces.set(extracted)


class GrantConsentFactory(ConsentFactory):
    purpose = PURPOSE
    given_on = dt.date(2023, 5, 1)


class PayoutAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayoutAccount

    channel = "bank"
    provider = "Agribank"
    account_number = factory.Sequence(lambda n: f"7100{n:08d}")
    holder_name = factory.LazyAttribute(lambda o: o.person.full_name)
