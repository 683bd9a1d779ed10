import pytest
from django.urls import reverse

from lotus.geo.models import LegacyCommune

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["province", "commune", "legacydistrict", "legacycommune"])
def test_geo_admin_lists_units_for_superuser(admin_client, small_geography, model):
    response = admin_client.get(reverse(f"admin:geo_{model}_changelist"))

    assert response.status_code == 200


def test_geo_admin_shows_former_commune_with_its_successors(admin_client, small_geography):
    da_kao = LegacyCommune.objects.get(code="26737")

    response = admin_client.get(reverse("admin:geo_legacycommune_change", args=[da_kao.pk]))

    assert "Phường Tân Định" in response.content.decode()


def test_geo_admin_is_read_only_for_staff(client, django_user_model, small_geography):
    client.force_login(django_user_model.objects.create_user(username="staff", is_staff=True))

    response = client.get(reverse("admin:geo_commune_add"))

    assert response.status_code == 403
