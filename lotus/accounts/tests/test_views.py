import pytest
from django.urls import reverse

from lotus.accounts.models import User


@pytest.mark.django_db
def test_user_edit_is_404_for_an_account_of_another_province(
    client, province_officer, outsider_officer
):
    client.force_login(province_officer)
    response = client.get(reverse("accounts:user_edit", args=[outsider_officer.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_user_list_is_403_for_a_commune_officer(client, commune_officer):
    client.force_login(commune_officer)
    assert client.get(reverse("accounts:user_list")).status_code == 403


@pytest.mark.django_db
def test_user_create_makes_a_commune_account(client, province_officer, commune_a2):
    client.force_login(province_officer)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "xa_binh_duc",
            "first_name": "Hoa",
            "last_name": "Lê",
            "role": "commune_officer",
            "commune": commune_a2.pk,
            "password": "a-long-pass-2026",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="xa_binh_duc").branch.commune == commune_a2


@pytest.mark.django_db
def test_admin_person_list_is_scoped_for_a_province_administrator(
    client, province_officer, commune_a, commune_b
):
    from lotus.registry.tests.factories import PersonFactory

    PersonFactory(commune=commune_a, given_name="Trong")
    PersonFactory(commune=commune_b, given_name="Ngoai")
    province_officer.is_staff = True
    province_officer.is_superuser = False
    province_officer.save()
    from django.contrib.auth.models import Permission

    province_officer.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(province_officer)
    body = client.get(reverse("admin:registry_person_changelist")).content.decode()
    assert "Trong" in body and "Ngoai" not in body
