import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lotus.registry import services
from lotus.registry.models import AccessLog, Consent, Person, RestrictedFact
from lotus.registry.tests.factories import ConsentFactory, PersonFactory


def _data(commune, **overrides):
    data = {
        "full_name": "Trần Thị Mai",
        "family_name": "Trần",
        "middle_name": "Thị",
        "given_name": "Mai",
        "birth_date": dt.date(1990, 4, 3),
        "birth_year": 1990,
        "sex": "F",
        "commune": commune,
    }
    return data | overrides


@pytest.mark.django_db
def test_person_create_fills_search_key_and_province(commune_officer, commune_a):
    person = services.person_create(actor=commune_officer, data=_data(commune_a))
    assert person.name_key == "tran thi mai"
    assert person.province == commune_a.province


@pytest.mark.django_db
def test_person_create_refuses_a_commune_outside_the_officers_scope(commune_officer, commune_b):
    with pytest.raises(PermissionDenied):
        services.person_create(actor=commune_officer, data=_data(commune_b))


@pytest.mark.django_db
def test_person_create_refuses_a_role_without_edit(analyst, commune_a):
    with pytest.raises(PermissionDenied):
        services.person_create(actor=analyst, data=_data(commune_a))


@pytest.mark.django_db
def test_person_create_sets_disability_from_washington_group_answers(commune_officer, commune_a):
    person = services.person_create(actor=commune_officer, data=_data(commune_a, wg_walking=3))
    assert person.has_disability


@pytest.mark.django_db
def test_person_update_keeps_old_and_new_values_in_history(commune_officer, commune_a):
    person = services.person_create(actor=commune_officer, data=_data(commune_a))
    services.person_update(actor=commune_officer, person=person, data={"phone": "+84912345678"})
    latest, first = person.history.order_by("-history_date")[:2]
    change = latest.diff_against(first).changes[0]
    assert (change.field, change.old, change.new) == ("phone", "", "+84912345678")
    assert latest.history_user == commune_officer


@pytest.mark.django_db
def test_person_move_keeps_the_former_commune_in_history(province_officer, commune_a, commune_a2):
    person = PersonFactory(commune=commune_a)
    services.person_move(
        actor=province_officer, person=person, commune=commune_a2, address_text="Ấp 3"
    )
    communes = list(person.history.order_by("history_date").values_list("commune", flat=True))
    assert communes[-2:] == [commune_a.pk, commune_a2.pk]


@pytest.mark.django_db
def test_person_move_refuses_a_commune_outside_scope(commune_officer, commune_a, commune_a2):
    person = PersonFactory(commune=commune_a)
    with pytest.raises(PermissionDenied):
        services.person_move(
            actor=commune_officer, person=person, commune=commune_a2, address_text=""
        )


@pytest.mark.django_db
def test_person_mark_deceased_keeps_her_in_the_registry(commune_officer, commune_a):
    person = PersonFactory(commune=commune_a)
    services.person_mark_deceased(
        actor=commune_officer, person=person, deceased_on=dt.date(2026, 1, 5)
    )
    person.refresh_from_db()
    assert person.is_deceased and person.deceased_on == dt.date(2026, 1, 5)


@pytest.mark.django_db
def test_person_mark_deceased_rejects_a_future_date(commune_officer, commune_a):
    person = PersonFactory(commune=commune_a)
    with pytest.raises(ValidationError):
        services.person_mark_deceased(
            actor=commune_officer, person=person, deceased_on=dt.date(2099, 1, 1)
        )


@pytest.mark.django_db
def test_default_manager_hides_merged_persons(commune_a):
    survivor = PersonFactory(commune=commune_a)
    PersonFactory(commune=commune_a, merged_into=survivor)
    assert list(Person.objects.all()) == [survivor]
    assert Person.all_objects.count() == 2


@pytest.mark.django_db
def test_consent_record_refuses_a_second_active_consent_for_the_same_purpose(
    commune_officer, commune_a
):
    person = PersonFactory(commune=commune_a)
    ConsentFactory(person=person, purpose="cash_grant")
    with pytest.raises(ValidationError):
        services.consent_record(
            actor=commune_officer,
            person=person,
            purpose="cash_grant",
            given_on=dt.date(2026, 1, 1),
            method=Consent.Method.WRITTEN,
            text_version="v2",
        )


@pytest.mark.django_db
def test_consent_withdraw_keeps_the_record(commune_officer, commune_a):
    consent = ConsentFactory(person=PersonFactory(commune=commune_a))
    services.consent_withdraw(actor=commune_officer, consent=consent, withdrawn_on=dt.date.today())
    assert Consent.objects.get(pk=consent.pk).withdrawn_on == dt.date.today()


@pytest.mark.django_db
def test_restricted_fact_set_writes_the_access_log(case_worker, commune_a):
    person = PersonFactory(commune=commune_a)
    services.restricted_fact_set(actor=case_worker, person=person, kind="hiv_status", present=True)
    log = AccessLog.objects.get()
    assert (log.actor, log.person, log.action, log.facts) == (
        case_worker,
        person,
        AccessLog.Action.CHANGE,
        "hiv_status",
    )
    assert RestrictedFact.objects.filter(person=person, kind="hiv_status").exists()


@pytest.mark.django_db
def test_restricted_fact_set_refuses_a_commune_officer(commune_officer, commune_a):
    person = PersonFactory(commune=commune_a)
    with pytest.raises(PermissionDenied):
        services.restricted_fact_set(
            actor=commune_officer, person=person, kind="gbv_survivor", present=True
        )
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_access_log_bulk_use_writes_one_row_for_a_run(central_manager):
    services.access_log_bulk_use(
        actor=central_manager, facts=["hiv_status"], persons_count=3388, context="targeting"
    )
    assert AccessLog.objects.get().persons_count == 3388


@pytest.mark.django_db
def test_access_log_rows_cannot_be_changed_or_deleted(central_manager):
    log = services.access_log_bulk_use(
        actor=central_manager, facts=["hiv_status"], persons_count=1, context=""
    )
    with pytest.raises(ValueError):
        log.save()
    with pytest.raises(ValueError):
        log.delete()


@pytest.mark.django_db
def test_household_create_makes_her_the_head(commune_officer, commune_a):
    head = PersonFactory(commune=commune_a)
    household = services.household_create(actor=commune_officer, head=head)
    head.refresh_from_db()
    assert household.head == head and head.relationship_to_head == "head"


@pytest.mark.django_db
def test_person_create_makes_a_member_join_her_communes_branch(commune_officer, commune_a):
    person = services.person_create(
        actor=commune_officer, data=_data(commune_a, member_since=dt.date(2020, 3, 8))
    )
    assert person.union_branch.commune == commune_a
