import datetime as dt

import pytest

from lotus.grants.tests.factories import CycleFactory, GrantConsentFactory
from lotus.registry.models import Household
from lotus.registry.tests.factories import PersonFactory


@pytest.fixture
def cycle(commune_a, central_manager):
    return CycleFactory(
        provinces=[commune_a.province], programme__created_by=central_manager, grant_count=10
    )


@pytest.fixture
def make_woman(commune_a):
    """A woman in commune A (by default) who consented to the programme's purpose."""

    def make(*, commune=None, consent=True, birth_date=dt.date(1985, 6, 15), **fields):
        person = PersonFactory(commune=commune or commune_a, birth_date=birth_date, **fields)
        if consent:
            GrantConsentFactory(person=person)
        return person

    return make


@pytest.fixture
def make_household():
    def make(head, *members):
        household = Household.objects.create(
            commune=head.commune, province=head.province, head=head
        )
        for person in (head, *members):
            person.household = household
            person.save(update_fields=["household"])
        return household

    return make


@pytest.fixture
def sensitive_manager(monkeypatch):
    """A programme manager whose role may also read restricted facts.

    No role in today's table holds both capabilities, so the test widens the manager's.
    """
    from lotus.accounts.roles import ROLE_CAPABILITIES, Capability, Role
    from lotus.accounts.tests.factories import CentralBranchFactory, UserFactory

    monkeypatch.setitem(
        ROLE_CAPABILITIES,
        Role.PROGRAMME_MANAGER,
        ROLE_CAPABILITIES[Role.PROGRAMME_MANAGER] | {Capability.READ_SENSITIVE},
    )
    return UserFactory(
        username="sensitive_manager", role=Role.PROGRAMME_MANAGER, branch=CentralBranchFactory()
    )
