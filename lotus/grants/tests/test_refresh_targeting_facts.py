import pytest
from django.core.management import call_command

from lotus.grants.models import TargetingFacts
from lotus.registry.models import Person
from lotus.registry.tests.factories import PersonFactory


@pytest.mark.django_db
def test_refresh_targeting_facts_writes_a_row_per_person(commune_a):
    person = PersonFactory(commune=commune_a)

    call_command("refresh_targeting_facts")

    assert list(TargetingFacts.objects.values_list("person_id", flat=True)) == [person.pk]


@pytest.mark.django_db
def test_refresh_targeting_facts_full_rederives_rows_changed_without_history(commune_a):
    person = PersonFactory(commune=commune_a)
    call_command("refresh_targeting_facts")
    Person.objects.filter(pk=person.pk).update(is_pregnant=True)

    call_command("refresh_targeting_facts", "--full")

    assert TargetingFacts.objects.get(person_id=person.pk).pregnant
