import pytest

from lotus.accounts.roles import Role
from lotus.accounts.selectors import communes_in_scope, scope_for, user_list
from lotus.accounts.tests.factories import CommuneBranchFactory, UserFactory


@pytest.mark.django_db
def test_scope_for_a_commune_officer_covers_only_her_commune(
    commune_officer, commune_a, commune_a2
):
    scope = scope_for(commune_officer)
    assert scope.covers(province_id=commune_a.province_id, commune_id=commune_a.pk)
    assert not scope.covers(province_id=commune_a2.province_id, commune_id=commune_a2.pk)


@pytest.mark.django_db
def test_scope_for_a_province_officer_covers_her_province(province_officer, commune_a2, commune_b):
    scope = scope_for(province_officer)
    assert scope.covers(province_id=commune_a2.province_id, commune_id=commune_a2.pk)
    assert not scope.covers(province_id=commune_b.province_id, commune_id=commune_b.pk)


@pytest.mark.django_db
def test_scope_for_the_central_office_covers_everything(central_manager, commune_b):
    assert scope_for(central_manager).everything


@pytest.mark.django_db
def test_scope_for_an_inactive_user_covers_nothing(commune_officer, commune_a):
    commune_officer.is_active = False
    assert not scope_for(commune_officer).covers(
        province_id=commune_a.province_id, commune_id=commune_a.pk
    )


@pytest.mark.django_db
def test_communes_in_scope_of_a_commune_officer_is_her_commune(
    commune_officer, commune_a, commune_a2
):
    assert list(communes_in_scope(scope_for(commune_officer))) == [commune_a]


@pytest.mark.django_db
def test_communes_in_scope_of_a_province_officer_excludes_other_provinces(
    province_officer, commune_a, commune_a2, commune_b
):
    communes = set(communes_in_scope(scope_for(province_officer)))
    assert communes == {commune_a, commune_a2}


@pytest.mark.django_db
def test_communes_in_scope_of_the_central_office_is_every_commune(
    central_manager, commune_a, commune_b
):
    communes = set(communes_in_scope(scope_for(central_manager)))
    assert {commune_a, commune_b} <= communes


@pytest.mark.django_db
def test_user_list_for_a_province_officer_excludes_other_provinces(
    province_officer, commune_officer, outsider_officer
):
    assert list(user_list(user=province_officer)) == [commune_officer]


@pytest.mark.django_db
def test_user_list_for_a_province_officer_excludes_province_colleagues(
    province_officer, province_a
):
    from lotus.accounts.tests.factories import ProvinceBranchFactory

    UserFactory(role=Role.PROVINCE_OFFICER, branch=ProvinceBranchFactory(province=province_a))
    assert not user_list(user=province_officer).exists()


@pytest.mark.django_db
def test_user_list_counts_commune_accounts_of_her_province(province_officer, commune_a2):
    UserFactory(branch=CommuneBranchFactory(commune=commune_a2))
    assert user_list(user=province_officer).count() == 1
