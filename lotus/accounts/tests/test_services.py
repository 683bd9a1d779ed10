import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lotus.accounts import services
from lotus.accounts.models import Branch
from lotus.accounts.roles import Role
from lotus.accounts.tests.factories import CommuneBranchFactory, UserFactory


def _create(actor, branch, role=Role.COMMUNE_OFFICER, username="new_officer"):
    return services.user_create(
        actor=actor,
        username=username,
        first_name="Mai",
        last_name="Lê",
        email="",
        role=role,
        branch=branch,
        password="a-long-pass-2026",
    )


@pytest.mark.django_db
def test_province_officer_creates_a_commune_officer_in_her_province(province_officer, commune_a):
    user = _create(province_officer, services.commune_branch_for(commune_a))
    assert user.role == Role.COMMUNE_OFFICER and user.created_by == province_officer


@pytest.mark.django_db
def test_province_officer_cannot_create_an_account_in_another_province(province_officer, commune_b):
    with pytest.raises(PermissionDenied):
        _create(province_officer, services.commune_branch_for(commune_b))


@pytest.mark.django_db
def test_province_officer_cannot_grant_a_programme_manager_role(province_officer, commune_a):
    with pytest.raises(PermissionDenied):
        _create(province_officer, services.commune_branch_for(commune_a), Role.PROGRAMME_MANAGER)


@pytest.mark.django_db
def test_commune_officer_cannot_create_accounts(commune_officer, commune_a):
    with pytest.raises(PermissionDenied):
        _create(commune_officer, services.commune_branch_for(commune_a))


@pytest.mark.django_db
def test_user_create_refuses_a_taken_username(province_officer, commune_a):
    branch = services.commune_branch_for(commune_a)
    _create(province_officer, branch)
    with pytest.raises(ValidationError):
        _create(province_officer, branch, username="NEW_OFFICER")


@pytest.mark.django_db
def test_user_update_deactivates_an_account(province_officer, commune_officer):
    services.user_update(
        actor=province_officer, user=commune_officer, role=Role.COMMUNE_OFFICER, is_active=False
    )
    commune_officer.refresh_from_db()
    assert not commune_officer.is_active


@pytest.mark.django_db
def test_commune_branch_for_reuses_the_branch(commune_a):
    assert services.commune_branch_for(commune_a) == services.commune_branch_for(commune_a)
    assert Branch.objects.filter(commune=commune_a).count() == 1


@pytest.mark.django_db
def test_system_admin_creates_a_central_manager(db):
    admin = UserFactory(role=Role.SYSTEM_ADMIN, branch=None, is_superuser=True)
    central = Branch.objects.create(name="Trung ương", level=Branch.Level.CENTRAL)
    user = _create(admin, central, Role.PROGRAMME_MANAGER, username="pm")
    assert user.branch == central


@pytest.mark.django_db
def test_commune_branch_factory_matches_its_province(commune_a):
    assert CommuneBranchFactory(commune=commune_a).province == commune_a.province
