import pytest
from django.urls import reverse

from lotus.registry.tests.factories import PersonFactory


@pytest.fixture
def person(commune_a):
    return PersonFactory(commune=commune_a)


@pytest.mark.django_db
def test_person_page_links_to_the_payout_account_for_a_role_that_may_edit(
    client, person, commune_officer
):
    client.force_login(commune_officer)

    response = client.get(reverse("registry:person_detail", args=[person.pk]))

    assert reverse("grants:payout_account_edit", args=[person.pk]) in response.content.decode()


@pytest.mark.django_db
def test_person_page_has_no_payout_account_link_for_a_role_that_may_not_edit(
    client, person, finance_officer
):
    client.force_login(finance_officer)

    response = client.get(reverse("registry:person_detail", args=[person.pk]))

    assert response.status_code == 200
    assert reverse("grants:payout_account_edit", args=[person.pk]) not in (
        response.content.decode()
    )
