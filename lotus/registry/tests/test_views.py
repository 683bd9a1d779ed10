import pytest
from django.urls import reverse

from lotus.accounts.tests.factories import PASSWORD
from lotus.registry.models import AccessLog, Person
from lotus.registry.tests.factories import PersonFactory, RestrictedFactFactory


@pytest.fixture
def officer_client(client, commune_officer):
    client.force_login(commune_officer)
    return client


@pytest.fixture
def other_person(commune_b):
    return PersonFactory(commune=commune_b, given_name="Xuân")


@pytest.mark.django_db
def test_person_detail_is_404_for_another_communes_person(officer_client, other_person):
    response = officer_client.get(reverse("registry:person_detail", args=[other_person.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_person_edit_is_404_for_another_communes_person(officer_client, other_person):
    response = officer_client.get(reverse("registry:person_edit", args=[other_person.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_person_history_is_404_for_another_communes_person(officer_client, other_person):
    response = officer_client.get(reverse("registry:person_history", args=[other_person.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_person_list_search_does_not_find_another_communes_person(officer_client, other_person):
    response = officer_client.get(reverse("registry:person_list"), {"q": "xuan"})
    assert other_person.full_name not in response.content.decode()


@pytest.mark.django_db
def test_person_export_leaves_out_another_communes_person(officer_client, other_person, commune_a):
    PersonFactory(commune=commune_a, given_name="Lan")
    response = officer_client.get(reverse("registry:person_export"))
    body = b"".join(response.streaming_content).decode()
    assert "Lan" in body and other_person.full_name not in body


@pytest.mark.django_db
def test_person_list_is_403_for_an_analyst(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("registry:person_list")).status_code == 403


@pytest.mark.django_db
def test_person_create_is_403_for_a_finance_officer(client, commune_a):
    from lotus.accounts.tests.factories import UserFactory

    client.force_login(UserFactory(role="finance_officer"))
    assert client.get(reverse("registry:person_create")).status_code == 403


@pytest.mark.django_db
def test_person_list_returns_only_the_results_partial_to_htmx(officer_client, commune_a):
    PersonFactory(commune=commune_a, given_name="Hoa")
    response = officer_client.get(
        reverse("registry:person_list"),
        {"q": "hoa"},
        headers={"HX-Request": "true", "HX-Target": "person-results"},
    )
    body = response.content.decode()
    assert "Nguyễn Thị Hoa" in body and "<html" not in body


@pytest.mark.django_db
def test_person_create_saves_and_redirects(officer_client, commune_a):
    response = officer_client.post(
        reverse("registry:person_create"),
        {
            "full_name": "Lê Thị Thu",
            "birth_date": "03/04/1990",
            "sex": "F",
            "cccd": "082190123456",
            "province": commune_a.province.pk,
            "commune": commune_a.pk,
        },
    )
    person = Person.objects.get(full_name="Lê Thị Thu")
    assert response.status_code == 302
    assert person.birth_date.isoformat() == "1990-04-03"


@pytest.mark.django_db
def test_person_create_shows_the_cccd_error_in_vietnamese(officer_client, commune_a):
    response = officer_client.post(
        reverse("registry:person_create"),
        {
            "full_name": "Lê Thị Thu",
            "birth_date": "03/04/1990",
            "sex": "F",
            "cccd": "082090123456",
            "province": commune_a.province.pk,
            "commune": commune_a.pk,
        },
    )
    assert response.status_code == 200
    assert "Chữ số thứ 4" in response.content.decode()


@pytest.mark.django_db
def test_restricted_facts_view_logs_the_read(client, case_worker, commune_a):
    fact = RestrictedFactFactory(person=PersonFactory(commune=commune_a))
    client.force_login(case_worker)
    response = client.get(reverse("registry:restricted_facts", args=[fact.person.pk]))
    assert response.status_code == 200
    assert AccessLog.objects.filter(person=fact.person, action="read").count() == 1


@pytest.mark.django_db
def test_restricted_facts_view_is_403_for_a_commune_officer(officer_client, commune_a):
    person = PersonFactory(commune=commune_a)
    response = officer_client.get(reverse("registry:restricted_facts", args=[person.pk]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_person_detail_does_not_show_restricted_facts(client, case_worker, commune_a):
    fact = RestrictedFactFactory(person=PersonFactory(commune=commune_a))
    client.force_login(case_worker)
    body = client.get(reverse("registry:person_detail", args=[fact.person.pk])).content.decode()
    assert "HIV" not in body
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_login_page_renders_for_anonymous(client):
    assert client.get(reverse("accounts:login")).status_code == 200


@pytest.mark.django_db
def test_person_list_redirects_anonymous_to_login(client):
    response = client.get(reverse("registry:person_list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_login_with_the_right_password_lands_home(client, commune_officer):
    response = client.post(
        reverse("accounts:login"), {"username": "officer_a", "password": PASSWORD}
    )
    assert response.status_code == 302


def _new_person_post(commune, **extra):
    return {
        "full_name": "Nguyen Thi Hoa",
        "birth_date": "15/06/1985",
        "sex": "F",
        "cccd": "",
        "province": commune.province.pk,
        "commune": commune.pk,
    } | extra


@pytest.mark.django_db
def test_person_create_shows_a_likely_existing_match_before_saving(officer_client, commune_a):
    existing = PersonFactory(commune=commune_a, given_name="Hoa")
    response = officer_client.post(
        reverse("registry:person_create"), _new_person_post(commune_a, cccd=existing.cccd)
    )
    assert response.status_code == 200
    assert reverse("registry:person_detail", args=[existing.pk]) in response.content.decode()
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_person_create_saves_when_the_officer_confirms_a_new_person(officer_client, commune_a):
    existing = PersonFactory(commune=commune_a, given_name="Hoa")
    response = officer_client.post(
        reverse("registry:person_create"),
        _new_person_post(commune_a, cccd=existing.cccd, confirm_new="1"),
    )
    assert response.status_code == 302
    assert Person.objects.count() == 2
