import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from lotus.grants.criteria import age_key_before
from lotus.grants.models import TargetingFacts, TargetingFactsState
from lotus.grants.services.facts import facts_mark_changed, facts_refresh
from lotus.registry.merging import person_merge
from lotus.registry.models import Household, Person
from lotus.registry.tests.factories import PersonFactory


def _facts(person):
    return TargetingFacts.objects.get(person_id=person.pk)


def _household(head, *members):
    household = Household.objects.create(commune=head.commune, province=head.province, head=head)
    for person in (head, *members):
        person.household = household
        person.save(update_fields=["household"])
    return household


@pytest.mark.django_db
def test_facts_refresh_builds_a_row_per_person_not_merged_away(commune_a):
    kept = PersonFactory(commune=commune_a)
    merged = PersonFactory(commune=commune_a, merged_into=kept)

    result = facts_refresh()

    assert result.mode == "rebuild"
    assert set(TargetingFacts.objects.values_list("person_id", flat=True)) == {kept.pk}
    assert not TargetingFacts.objects.filter(person_id=merged.pk).exists()


@pytest.mark.django_db
def test_facts_refresh_rebuild_reports_its_rows_and_the_households(commune_a):
    head, member = PersonFactory(commune=commune_a), PersonFactory(commune=commune_a)
    PersonFactory(commune=commune_a, merged_into=head)
    _household(head, member)

    result = facts_refresh(full=True)

    assert (result.persons, result.households) == (2, 1)
    assert TargetingFactsState.objects.get().household_count == 1


@pytest.mark.django_db
def test_facts_age_key_uses_the_full_date_or_1_january_of_the_year(commune_a):
    exact = PersonFactory(commune=commune_a, birth_date=dt.date(1985, 6, 15))
    year_only = PersonFactory(
        commune=commune_a, birth_date=None, birth_year=1985, birth_date_precision="year"
    )

    facts_refresh()

    assert (_facts(exact).age_key, _facts(year_only).age_key) == (19850615, 19850101)


@pytest.mark.django_db
def test_facts_refresh_reads_nothing_when_the_registry_is_unchanged(commune_a):
    PersonFactory(commune=commune_a)
    facts_refresh()
    # As if the last change were older than the watermark (PostgreSQL keeps a margin).
    TargetingFactsState.objects.update(synced_through=timezone.now())

    assert facts_refresh().mode == "none"


@pytest.mark.django_db
def test_facts_refresh_follows_a_saved_change(commune_a):
    woman = PersonFactory(commune=commune_a)
    facts_refresh()
    woman.is_pregnant = True
    woman.save()

    result = facts_refresh()

    assert result.mode == "changes"
    assert _facts(woman).pregnant


@pytest.mark.django_db
def test_facts_refresh_adds_persons_written_without_history(commune_a):
    facts_refresh()
    person = Person.objects.bulk_create([PersonFactory.build(commune=commune_a)])[0]

    facts_refresh()

    assert _facts(person).province_id == commune_a.province_id


@pytest.mark.django_db
def test_facts_refresh_gives_every_member_a_newborn_in_the_household(commune_a):
    mother = PersonFactory(commune=commune_a)
    household = _household(mother)
    facts_refresh()
    baby = PersonFactory(commune=commune_a, birth_date=dt.date(2023, 3, 1))
    baby.household = household
    baby.save()

    facts_refresh()

    assert _facts(mother).household_youngest == 20230301


@pytest.mark.django_db
def test_facts_refresh_updates_the_household_a_member_left(commune_a):
    mother = PersonFactory(commune=commune_a)
    baby = PersonFactory(commune=commune_a, birth_date=dt.date(2023, 3, 1))
    _household(mother, baby)
    facts_refresh()
    baby.household = None
    baby.save()

    facts_refresh()

    assert _facts(mother).household_youngest == _facts(mother).age_key


@pytest.mark.django_db
def test_facts_refresh_updates_members_when_the_head_changes_sex(commune_a):
    head = PersonFactory(commune=commune_a, sex="M")
    wife = PersonFactory(commune=commune_a)
    _household(head, wife)
    facts_refresh()
    assert not _facts(wife).woman_headed
    head.sex = "F"
    head.save()

    facts_refresh()

    assert _facts(wife).woman_headed


@pytest.mark.django_db
def test_facts_refresh_follows_a_merge_of_the_head(commune_a, central_manager):
    head = PersonFactory(commune=commune_a)
    wife = PersonFactory(commune=commune_a)
    household = _household(head, wife)
    survivor = PersonFactory(commune=commune_a, sex="M")
    facts_refresh()

    person_merge(actor=central_manager, survivor=survivor, merged=head)
    facts_refresh()

    household.refresh_from_db()
    assert household.head_id == survivor.pk
    assert not TargetingFacts.objects.filter(person_id=head.pk).exists()
    assert not _facts(wife).woman_headed


@pytest.mark.django_db
def test_facts_refresh_drops_a_deleted_person(commune_a):
    person = PersonFactory(commune=commune_a)
    facts_refresh()
    person.delete()

    facts_refresh()

    assert not TargetingFacts.objects.filter(person_id=person.pk).exists()


@pytest.mark.django_db
def test_facts_refresh_finds_a_row_removed_by_sql(commune_a):
    person = PersonFactory(commune=commune_a)
    PersonFactory(commune=commune_a)
    facts_refresh()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_historicalperson WHERE id = %s", [person.pk])
        cursor.execute("DELETE FROM registry_person WHERE id = %s", [person.pk])

    facts_refresh()

    assert not TargetingFacts.objects.filter(person_id=person.pk).exists()


@pytest.mark.django_db
def test_facts_refresh_updates_members_of_a_deleted_household(commune_a):
    mother = PersonFactory(commune=commune_a)
    baby = PersonFactory(commune=commune_a, birth_date=dt.date(2023, 3, 1))
    household = _household(mother, baby)
    facts_refresh()

    household.delete()  # members are set to no household by SQL, without history
    facts_refresh()

    assert (_facts(mother).household_id, _facts(mother).household_youngest) == (None, None)


@pytest.mark.django_db
def test_facts_mark_changed_covers_an_update_without_history(commune_a):
    woman = PersonFactory(commune=commune_a)
    facts_refresh()
    Person.objects.filter(pk=woman.pk).update(is_migrant_worker=True)

    facts_mark_changed(person_ids=[woman.pk])
    facts_refresh()

    assert _facts(woman).migrant_worker


@pytest.mark.django_db
def test_facts_refresh_full_derives_every_row_again(commune_a):
    woman = PersonFactory(commune=commune_a)
    facts_refresh()
    Person.objects.filter(pk=woman.pk).update(has_disability=True)

    result = facts_refresh(full=True)

    assert result.mode == "rebuild"
    assert _facts(woman).disability


def test_age_key_before_falls_back_to_28_february():
    assert age_key_before(dt.date(2024, 2, 29), 1) == 20230228
