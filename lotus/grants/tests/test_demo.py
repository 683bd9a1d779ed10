"""The seed's cash-grant scenario that `generate_demo` adds (with small numbers here).

The scenario is built once for the module (it takes a second or two) and read by each test;
a test's own changes are rolled back.
"""

import pytest

from lotus.geo.tests.factories import load_small_geography
from lotus.grants.demo import PROGRAMME_NAME, _fill, generate_grants_demo
from lotus.grants.models import Candidate, Cycle, PaymentLine
from lotus.registry.demo import DEMO_SOURCE, demo_communes, generate_persons
from lotus.registry.models import Person

GRANTS = 60
SEED = 5
# The scenario's first round of added households draws from this seed (demo._fill).
FIRST_FILL_SEED = SEED * 1000 + 1


@pytest.fixture(scope="module")
def demo_cycle_id(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_small_geography()
        # Too few women in the cycle's communes for its grants: the scenario adds some.
        generate_persons(count=150, seed=SEED, communes=demo_communes())
        generate_grants_demo(seed=SEED, grants=GRANTS)
        cycle_id = Cycle.objects.get(programme__name=PROGRAMME_NAME, status="issued").pk
    yield cycle_id
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", "--noinput", verbosity=0)


@pytest.fixture
def demo_cycle(db, demo_cycle_id):
    return Cycle.objects.get(pk=demo_cycle_id)


@pytest.mark.django_db
def test_grants_demo_fills_every_grant(demo_cycle):
    assert demo_cycle.selected_count == GRANTS


@pytest.mark.django_db
def test_grants_demo_leaves_some_selectable_women_below_the_cut(demo_cycle):
    below = Candidate.objects.filter(cycle=demo_cycle, blocked=0, selected=False)

    assert below.exists()


@pytest.mark.django_db
def test_grants_demo_adds_persons_only_in_the_cycle_communes(demo_cycle):
    added = Person.all_objects.filter(source_id__startswith=f"{FIRST_FILL_SEED}-")

    assert added.exists()
    assert set(added.values_list("commune_id", flat=True)) <= set(
        demo_cycle.communes.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_grants_demo_reconciliation_leaves_every_payment_status(demo_cycle):
    statuses = set(PaymentLine.objects.filter(cycle=demo_cycle).values_list("status", flat=True))

    assert statuses == set(PaymentLine.Status.values)
    assert PaymentLine.objects.filter(cycle=demo_cycle, reissued=True).exists()


@pytest.mark.django_db
def test_grants_demo_fill_leaves_a_registry_smaller_than_the_grants_as_it_is(demo_cycle):
    persons = Person.all_objects.count()
    demo_persons = Person.all_objects.filter(source=DEMO_SOURCE).count()

    added = _fill(demo_cycle, seed=SEED + 1, grants=demo_persons + 1)

    assert (added, Person.all_objects.count()) == (0, persons)


@pytest.mark.django_db
def test_grants_demo_run_twice_adds_nothing_the_second_time(demo_cycle):
    persons = Person.all_objects.count()

    message = generate_grants_demo(seed=SEED, grants=GRANTS)

    assert Person.all_objects.count() == persons
    assert "already present" in message
