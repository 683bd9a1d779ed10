import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lotus.registry import merging
from lotus.registry.merging import MergeRefused, person_merge, person_unmerge
from lotus.registry.models import Consent, Household, Person
from lotus.registry.tests.factories import ConsentFactory, HouseholdFactory, PersonFactory


@pytest.fixture
def pair(db):
    return PersonFactory(), PersonFactory()


@pytest.fixture
def hook():
    """Register a temporary hook on Consent for one test, then restore the registry's own."""
    original = merging._REFERENCES[("registry.consent", "person")]

    def install(on_merge=None, on_unmerge=None):
        merging.register_person_reference(
            Consent, "person", on_merge=on_merge, on_unmerge=on_unmerge
        )

    yield install
    merging._REFERENCES[("registry.consent", "person")] = original


def test_person_merge_moves_consents_to_the_survivor(pair):
    survivor, merged = pair
    consent = ConsentFactory(person=merged, purpose="grants")
    person_merge(actor=None, survivor=survivor, merged=merged)
    consent.refresh_from_db()
    assert consent.person_id == survivor.pk


def test_person_merge_retires_the_merged_record(pair):
    survivor, merged = pair
    person_merge(actor=None, survivor=survivor, merged=merged)
    assert not Person.objects.filter(pk=merged.pk).exists()
    assert Person.all_objects.get(pk=merged.pk).merged_into_id == survivor.pk


def test_person_merge_keeps_the_survivors_history_and_records_the_merge(pair):
    survivor, merged = pair
    before = survivor.history.count()
    person_merge(actor=None, survivor=survivor, merged=merged)
    assert survivor.history.count() == before
    assert merged.history.first().merged_into_id == survivor.pk


def test_person_merge_moves_household_headship(pair):
    survivor, merged = pair
    household = HouseholdFactory(head=merged)
    person_merge(actor=None, survivor=survivor, merged=merged)
    assert Household.objects.get(pk=household.pk).head_id == survivor.pk


def test_person_merge_leaves_a_clashing_active_consent_on_the_merged_record(pair):
    survivor, merged = pair
    ConsentFactory(person=survivor, purpose="registry")
    clashing = ConsentFactory(person=merged, purpose="registry")
    person_merge(actor=None, survivor=survivor, merged=merged)
    clashing.refresh_from_db()
    assert clashing.person_id == merged.pk


def test_person_merge_repoints_records_merged_earlier(db):
    survivor, merged, older = PersonFactory(), PersonFactory(), PersonFactory()
    person_merge(actor=None, survivor=merged, merged=older)
    person_merge(actor=None, survivor=survivor, merged=merged)
    assert Person.all_objects.get(pk=older.pk).merged_into_id == survivor.pk


def test_person_merge_rejects_a_record_already_merged(db):
    survivor, merged, third = PersonFactory(), PersonFactory(), PersonFactory()
    person_merge(actor=None, survivor=survivor, merged=merged)
    with pytest.raises(ValidationError):
        person_merge(actor=None, survivor=third, merged=merged)


def test_person_merge_refused_by_a_hook_changes_nothing(pair, hook):
    survivor, merged = pair
    consent = ConsentFactory(person=merged, purpose="grants")
    hook(on_merge=lambda merge: merge.refuse("An open loan on each record."))
    with pytest.raises(MergeRefused):
        person_merge(actor=None, survivor=survivor, merged=merged)
    consent.refresh_from_db()
    assert consent.person_id == merged.pk
    assert Person.objects.filter(pk=merged.pk).exists()


def test_person_merge_hook_records_what_the_merge_means(pair, hook):
    survivor, merged = pair
    ConsentFactory(person=merged, purpose="grants")

    def on_merge(merge):
        both = merge.rows(Consent).count() + merge.survivor_rows(Consent).count()
        merge.record(kind="overpayment", message="Paid twice in cycle 3", cycle=3, rows=both)

    hook(on_merge=on_merge)
    outcome = person_merge(actor=None, survivor=survivor, merged=merged)
    assert outcome.consequences == [
        {
            "app": "registry",
            "kind": "overpayment",
            "message": "Paid twice in cycle 3",
            "data": {"cycle": 3, "rows": 1},
        }
    ]


def test_person_unmerge_gives_back_exactly_what_was_moved(pair):
    survivor, merged = pair
    moved = ConsentFactory(person=merged, purpose="grants")
    kept = ConsentFactory(person=survivor, purpose="loans")
    outcome = person_merge(actor=None, survivor=survivor, merged=merged)
    person_unmerge(
        actor=None,
        survivor=survivor,
        merged=merged,
        moved=outcome.moved,
        consequences=outcome.consequences,
    )
    moved.refresh_from_db()
    kept.refresh_from_db()
    assert (moved.person_id, kept.person_id) == (merged.pk, survivor.pk)
    assert Person.objects.filter(pk=merged.pk).exists()


def test_person_unmerge_keeps_links_made_to_the_survivor_since(pair):
    survivor, merged = pair
    outcome = person_merge(actor=None, survivor=survivor, merged=merged)
    later = ConsentFactory(person=survivor, purpose="grants", given_on=dt.date(2026, 2, 1))
    person_unmerge(
        actor=None, survivor=survivor, merged=merged, moved=outcome.moved, consequences=[]
    )
    later.refresh_from_db()
    assert later.person_id == survivor.pk


def test_person_unmerge_hook_sees_what_its_app_recorded(pair, hook):
    survivor, merged = pair
    seen = []
    hook(
        on_merge=lambda merge: merge.record(kind="overpayment", message="x", amount=500_000),
        on_unmerge=lambda unmerge: seen.extend(unmerge.consequences_of("overpayment")),
    )
    outcome = person_merge(actor=None, survivor=survivor, merged=merged)
    person_unmerge(
        actor=None,
        survivor=survivor,
        merged=merged,
        moved=outcome.moved,
        consequences=outcome.consequences,
    )
    assert [c["data"]["amount"] for c in seen] == [500_000]


def test_register_person_reference_rejects_a_field_that_is_not_a_person(db):
    with pytest.raises(ValueError):
        merging.register_person_reference(Household, "commune")


def test_person_merge_history_names_who_merged(pair):
    from lotus.accounts.tests.factories import UserFactory

    survivor, merged = pair
    officer = UserFactory()
    person_merge(actor=officer, survivor=survivor, merged=merged)
    assert merged.history.first().history_user == officer
