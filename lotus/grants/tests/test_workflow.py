import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lotus.grants.models import Cycle, CycleTransition
from lotus.grants.services.cycles import (
    SAME_APPROVER,
    SELF_APPROVAL,
    cycle_approve,
    cycle_close,
    cycle_criteria_save,
    cycle_lock_targeting,
    cycle_mark_reconciled,
)


@pytest.mark.django_db
def test_lock_needs_a_run_on_current_criteria(targeted_cycle, central_manager):
    cycle_criteria_save(
        actor=central_manager, cycle=targeted_cycle, criteria={}, weights={"pregnant": 1}
    )

    with pytest.raises(ValidationError):
        cycle_lock_targeting(actor=central_manager, cycle=targeted_cycle)


@pytest.mark.django_db
def test_lock_records_preparer_and_transition(targeted_cycle, central_manager):
    cycle = cycle_lock_targeting(actor=central_manager, cycle=targeted_cycle)

    assert cycle.status == Cycle.Status.LOCKED
    assert cycle.prepared_by == central_manager
    transition = CycleTransition.objects.get(cycle=cycle)
    assert (transition.from_status, transition.to_status, transition.actor) == (
        "draft",
        "locked",
        central_manager,
    )


@pytest.mark.django_db
def test_approve_rejects_the_preparer(targeted_cycle, central_manager):
    cycle_lock_targeting(actor=central_manager, cycle=targeted_cycle)

    with pytest.raises(ValidationError) as excinfo:
        cycle_approve(actor=central_manager, cycle=targeted_cycle)

    assert str(SELF_APPROVAL) in str(excinfo.value)


@pytest.mark.django_db
def test_approve_by_another_user_approves_below_threshold(
    targeted_cycle, central_manager, finance_officer
):
    cycle_lock_targeting(actor=central_manager, cycle=targeted_cycle)

    cycle_approve(actor=finance_officer, cycle=targeted_cycle)

    targeted_cycle.refresh_from_db()
    assert targeted_cycle.status == Cycle.Status.APPROVED


@pytest.mark.django_db
def test_approve_requires_approve_capability(targeted_cycle, central_manager, commune_officer):
    cycle_lock_targeting(actor=central_manager, cycle=targeted_cycle)

    with pytest.raises(PermissionDenied):
        cycle_approve(actor=commune_officer, cycle=targeted_cycle)


@pytest.mark.django_db
def test_total_above_threshold_needs_second_distinct_approver(
    targeted_cycle, central_manager, finance_officer, second_finance_officer
):
    programme = targeted_cycle.programme
    programme.second_approval_above = 10_000_000  # three grants of 5.5 million are above
    programme.save()
    cycle_lock_targeting(actor=central_manager, cycle=targeted_cycle)

    cycle_approve(actor=finance_officer, cycle=targeted_cycle)
    targeted_cycle.refresh_from_db()
    assert targeted_cycle.status == Cycle.Status.LOCKED
    with pytest.raises(ValidationError) as excinfo:
        cycle_approve(actor=finance_officer, cycle=targeted_cycle)
    assert str(SAME_APPROVER) in str(excinfo.value)

    cycle_approve(actor=second_finance_officer, cycle=targeted_cycle)
    targeted_cycle.refresh_from_db()
    assert targeted_cycle.status == Cycle.Status.APPROVED
    assert targeted_cycle.approvals.count() == 2


@pytest.mark.django_db
def test_reconciled_needs_every_line_to_have_a_result(issued_cycle, central_manager):
    with pytest.raises(ValidationError):
        cycle_mark_reconciled(actor=central_manager, cycle=issued_cycle)


@pytest.mark.django_db
def test_close_only_after_reconciled(issued_cycle, central_manager):
    with pytest.raises(ValidationError):
        cycle_close(actor=central_manager, cycle=issued_cycle)


@pytest.mark.django_db
def test_criteria_save_refused_after_lock(targeted_cycle, central_manager):
    cycle_lock_targeting(actor=central_manager, cycle=targeted_cycle)

    with pytest.raises(ValidationError):
        cycle_criteria_save(actor=central_manager, cycle=targeted_cycle, criteria={}, weights={})
