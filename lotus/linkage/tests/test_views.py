import pytest
from django.urls import reverse

from lotus.linkage.models import CandidatePair
from lotus.linkage.tests.factories import CandidatePairFactory


def _login(client, user):
    client.force_login(user)


@pytest.mark.django_db
def test_pair_list_shows_pairs_in_scope(client, commune_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    _login(client, commune_officer)
    response = client.get(reverse("linkage:pair_list"))
    assert response.status_code == 200
    assert reverse("linkage:pair_detail", args=[pair.pk]) in response.text


@pytest.mark.django_db
def test_pair_list_htmx_returns_only_the_rows(client, commune_officer, commune_a):
    CandidatePairFactory(person_l__commune=commune_a)
    _login(client, commune_officer)
    response = client.get(reverse("linkage:pair_list"), headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="pair-rows">')


@pytest.mark.django_db
def test_pair_detail_is_404_when_one_person_is_out_of_scope(
    client, commune_officer, commune_a, commune_b
):
    pair = CandidatePairFactory(person_l__commune=commune_a, person_r__commune=commune_b)
    _login(client, commune_officer)
    assert client.get(reverse("linkage:pair_detail", args=[pair.pk])).status_code == 404


@pytest.mark.django_db
def test_pair_detail_is_403_without_the_edit_role(client, analyst):
    pair = CandidatePairFactory()
    _login(client, analyst)
    assert client.get(reverse("linkage:pair_detail", args=[pair.pk])).status_code == 403


@pytest.mark.django_db
def test_pair_decide_merges_and_goes_on(client, commune_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    _login(client, commune_officer)
    response = client.post(
        reverse("linkage:pair_decide", args=[pair.pk]),
        {"decision": "same", "survivor": pair.person_r_id},
    )
    pair.refresh_from_db()
    assert response.status_code == 302
    assert pair.status == CandidatePair.Status.MERGED
    assert pair.merges.get().survivor_id == pair.person_r_id


@pytest.mark.django_db
def test_pair_decide_get_is_not_allowed(client, commune_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    _login(client, commune_officer)
    assert client.get(reverse("linkage:pair_decide", args=[pair.pk])).status_code == 405


@pytest.mark.django_db
def test_merge_undo_view_restores_the_pair(client, commune_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    _login(client, commune_officer)
    client.post(reverse("linkage:pair_decide", args=[pair.pk]), {"decision": "same"})
    merge = pair.merges.get()
    response = client.post(reverse("linkage:merge_undo", args=[merge.pk]))
    pair.refresh_from_db()
    assert response.status_code == 302
    assert pair.status == CandidatePair.Status.PENDING


@pytest.mark.django_db
def test_merge_undo_is_404_out_of_scope(client, commune_officer, outsider_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    _login(client, commune_officer)
    client.post(reverse("linkage:pair_decide", args=[pair.pk]), {"decision": "same"})
    _login(client, outsider_officer)
    merge = pair.merges.get()
    assert client.post(reverse("linkage:merge_undo", args=[merge.pk])).status_code == 404
