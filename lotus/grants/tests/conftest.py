import datetime as dt

import pytest

from lotus.grants.tests.factories import CycleFactory, GrantConsentFactory
from lotus.registry.models import Household
from lotus.registry.tests.factories import PersonFactory

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def tasks_in_process(settings):
    """Background tasks run at once, and their progress stays in this process's memory."""
    from django.core.cache import caches

    settings.TASKS = IMMEDIATE_TASKS
    settings.CACHES = {
        **settings.CACHES,
        "progress": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    caches["progress"].clear()


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
def sensitive_manager(db):
    """A programme manager whose role may also read restricted facts (HIV, GBV)."""
    from lotus.accounts.roles import Role
    from lotus.accounts.tests.factories import CentralBranchFactory, UserFactory

    return UserFactory(
        username="sensitive_manager",
        role=Role.SENSITIVE_PROGRAMME_MANAGER,
        branch=CentralBranchFactory(),
    )


@pytest.fixture
def finance_officer(db):
    from lotus.accounts.roles import Role
    from lotus.accounts.tests.factories import CentralBranchFactory, UserFactory

    return UserFactory(username="finance", role=Role.FINANCE_OFFICER, branch=CentralBranchFactory())


@pytest.fixture
def second_finance_officer(db):
    from lotus.accounts.roles import Role
    from lotus.accounts.tests.factories import CentralBranchFactory, UserFactory

    return UserFactory(
        username="finance2", role=Role.FINANCE_OFFICER, branch=CentralBranchFactory()
    )


@pytest.fixture
def targeted_cycle(cycle, central_manager, make_woman):
    """A draft cycle with three selected women (one paid by bank) and a run on its inputs."""
    from lotus.grants.services.cycles import cycle_criteria_save
    from lotus.grants.services.targeting import targeting_run
    from lotus.grants.tests.factories import PayoutAccountFactory

    women = [make_woman(birth_date=dt.date(1960 + i, 1, 1)) for i in range(3)]
    PayoutAccountFactory(person=women[0])
    criteria = {"op": "all", "items": [{"fact": "sex", "cmp": "is", "value": "F"}]}
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=criteria, weights={})
    targeting_run(actor=central_manager, cycle=cycle)
    cycle.refresh_from_db()
    cycle.women = women
    return cycle


@pytest.fixture
def issued_cycle(targeted_cycle, central_manager, finance_officer):
    from lotus.grants.services.cycles import cycle_approve, cycle_lock_targeting
    from lotus.grants.services.payments import payment_list_issue

    cycle_lock_targeting(actor=central_manager, cycle=targeted_cycle)
    cycle_approve(actor=finance_officer, cycle=targeted_cycle)
    payment_list_issue(actor=central_manager, cycle=targeted_cycle)
    targeted_cycle.refresh_from_db()
    return targeted_cycle
