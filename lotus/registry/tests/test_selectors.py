import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from lotus.registry import selectors
from lotus.registry.models import AccessLog, Person
from lotus.registry.tests.factories import (
    ConsentFactory,
    HouseholdFactory,
    PersonFactory,
    RestrictedFactFactory,
)


@pytest.mark.django_db
def test_person_list_excludes_other_communes_for_a_commune_officer(
    commune_officer, commune_a, commune_a2
):
    mine = PersonFactory(commune=commune_a)
    PersonFactory(commune=commune_a2)
    assert list(selectors.person_list(user=commune_officer)) == [mine]


@pytest.mark.django_db
def test_person_list_covers_the_whole_province_for_a_province_officer(
    province_officer, commune_a, commune_a2, commune_b
):
    PersonFactory(commune=commune_a)
    PersonFactory(commune=commune_a2)
    PersonFactory(commune=commune_b)
    assert selectors.person_list(user=province_officer).count() == 2


@pytest.mark.django_db
def test_person_list_covers_everyone_for_the_central_office(central_manager, commune_a, commune_b):
    PersonFactory(commune=commune_a)
    PersonFactory(commune=commune_b)
    assert selectors.person_list(user=central_manager).count() == 2


@pytest.mark.django_db
def test_person_list_refuses_an_analyst(analyst):
    with pytest.raises(PermissionDenied):
        selectors.person_list(user=analyst)


@pytest.mark.django_db
def test_person_list_search_ignores_tone_marks(commune_officer, commune_a):
    hoa = PersonFactory(commune=commune_a, given_name="Hoa")
    PersonFactory(commune=commune_a, given_name="Lan")
    assert list(selectors.person_list(user=commune_officer, query="nguyen thi hoa")) == [hoa]


@pytest.mark.django_db
def test_person_list_search_matches_word_prefixes(commune_officer, commune_a):
    hong = PersonFactory(commune=commune_a, given_name="Hồng")
    assert list(selectors.person_list(user=commune_officer, query="ng thi ho")) == [hong]


@pytest.mark.django_db
def test_person_list_search_finds_a_cccd(commune_officer, commune_a):
    person = PersonFactory(commune=commune_a)
    PersonFactory(commune=commune_a)
    assert list(selectors.person_list(user=commune_officer, query=person.cccd)) == [person]


@pytest.mark.django_db
def test_person_list_search_finds_a_phone_written_with_leading_zero(commune_officer, commune_a):
    person = PersonFactory(commune=commune_a, phone="+84912345678")
    assert list(selectors.person_list(user=commune_officer, query="0912345678")) == [person]


@pytest.mark.django_db
def test_person_export_rows_leave_out_other_communes(commune_officer, commune_a, commune_b):
    PersonFactory(commune=commune_a)
    other = PersonFactory(commune=commune_b)
    rows = list(selectors.person_export_rows(user=commune_officer))
    assert len(rows) == 2 and other.full_name not in {row[1] for row in rows[1:]}


@pytest.mark.django_db
def test_person_export_rows_leave_out_sensitive_facts_unless_asked(commune_officer, commune_a):
    PersonFactory(commune=commune_a)
    header = next(selectors.person_export_rows(user=commune_officer))
    assert "ethnicity" not in header and "has_disability" not in header


@pytest.mark.django_db
def test_person_export_rows_never_carry_restricted_facts(commune_officer, commune_a):
    RestrictedFactFactory(person=PersonFactory(commune=commune_a))
    header = next(selectors.person_export_rows(user=commune_officer, include_sensitive=True))
    assert not {"hiv_status", "gbv_survivor"} & set(header)


@pytest.mark.django_db
def test_has_consent_is_true_for_an_active_consent(commune_a):
    consent = ConsentFactory(person=PersonFactory(commune=commune_a), purpose="cash_grant")
    assert selectors.has_consent(consent.person, "cash_grant")


@pytest.mark.django_db
def test_has_consent_is_false_after_withdrawal(commune_a):
    consent = ConsentFactory(
        person=PersonFactory(commune=commune_a),
        purpose="cash_grant",
        withdrawn_on=dt.date(2025, 6, 1),
    )
    assert not selectors.has_consent(consent.person, "cash_grant")


@pytest.mark.django_db
def test_has_consent_is_false_for_another_purpose(commune_a):
    consent = ConsentFactory(person=PersonFactory(commune=commune_a), purpose="registry")
    assert not selectors.has_consent(consent.person, "cash_grant")


@pytest.mark.django_db
def test_restricted_facts_read_logs_the_read(case_worker, commune_a):
    fact = RestrictedFactFactory(person=PersonFactory(commune=commune_a), kind="gbv_survivor")
    kinds = selectors.restricted_facts_read(user=case_worker, person=fact.person, context="t")
    assert kinds == ["gbv_survivor"]
    assert AccessLog.objects.get().action == AccessLog.Action.READ


@pytest.mark.django_db
def test_restricted_facts_read_refuses_a_commune_officer(commune_officer, commune_a):
    person = PersonFactory(commune=commune_a)
    with pytest.raises(PermissionDenied):
        selectors.restricted_facts_read(user=commune_officer, person=person, context="t")


def _household_with(commune, head_sex: str, member_birth: dt.date):
    household = HouseholdFactory(commune=commune)
    head = PersonFactory(commune=commune, household=household, sex=head_sex)
    household.head = head
    household.save()
    PersonFactory(commune=commune, household=household, birth_date=member_birth)
    return household, head


@pytest.mark.django_db
def test_household_facts_see_a_woman_headed_household_with_a_baby(commune_a):
    household, _ = _household_with(commune_a, "F", dt.date(2026, 1, 1))
    facts = selectors.household_facts(household, on=dt.date(2026, 11, 25))
    assert facts.woman_headed and facts.child_under_2 and not facts.person_over_60


@pytest.mark.django_db
def test_annotate_household_facts_agrees_with_household_facts(commune_a):
    _, head = _household_with(commune_a, "M", dt.date(1950, 1, 1))
    annotated = selectors.annotate_household_facts(
        Person.objects.filter(pk=head.pk), on=dt.date(2026, 11, 25)
    ).get()
    assert (annotated.woman_headed, annotated.child_under_2, annotated.person_over_60) == (
        False,
        False,
        True,
    )


@pytest.mark.django_db
def test_registry_summary_suppresses_counts_under_five(analyst, commune_a):
    for _ in range(6):
        PersonFactory(commune=commune_a)
    PersonFactory(commune=commune_a, wg_walking=4, has_disability=True)
    (row,) = selectors.registry_summary(user=analyst, on=dt.date(2026, 11, 25))
    assert (row.total, row.women, row.with_disability) == (7, 7, None)


@pytest.mark.django_db
def test_registry_summary_covers_only_the_officers_commune(commune_officer, commune_a, commune_b):
    PersonFactory(commune=commune_b)
    assert selectors.registry_summary(user=commune_officer) == []
