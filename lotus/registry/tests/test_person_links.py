import pytest
from django.urls import reverse

from lotus.accounts.roles import Capability
from lotus.registry import person_links
from lotus.registry.person_links import person_links as links_for
from lotus.registry.person_links import register_person_link
from lotus.registry.tests.factories import PersonFactory


@pytest.fixture(autouse=True)
def own_links(monkeypatch):
    """Each test starts from the links the installed apps registered, and leaves them so."""
    monkeypatch.setattr(person_links, "_LINKS", dict(person_links._LINKS))


@pytest.fixture
def person(commune_a):
    return PersonFactory(commune=commune_a)


@pytest.fixture
def history_link():
    register_person_link(
        label="Sensitive history",
        url_name="registry:person_history",
        capability=Capability.READ_SENSITIVE,
    )


@pytest.mark.django_db
def test_person_links_give_a_registered_link_to_a_role_holding_its_capability(
    person, case_worker, history_link
):
    links = links_for(user=case_worker, person=person)

    assert ("Sensitive history", reverse("registry:person_history", args=[person.pk])) in links


@pytest.mark.django_db
def test_person_links_leave_out_a_link_the_role_may_not_use(person, commune_officer, history_link):
    links = links_for(user=commune_officer, person=person)

    assert "Sensitive history" not in [label for label, _url in links]


@pytest.mark.django_db
def test_register_person_link_again_replaces_the_earlier_link(person, case_worker, history_link):
    register_person_link(
        label="History", url_name="registry:person_history", capability=Capability.READ
    )

    labels = [label for label, _url in links_for(user=case_worker, person=person)]

    assert "History" in labels
    assert "Sensitive history" not in labels


@pytest.mark.django_db
def test_person_detail_shows_the_links_the_viewer_may_use(
    client, person, case_worker, history_link
):
    client.force_login(case_worker)

    response = client.get(reverse("registry:person_detail", args=[person.pk]))

    url = reverse("registry:person_history", args=[person.pk])
    assert f'href="{url}">Sensitive history</a>' in response.content.decode()
