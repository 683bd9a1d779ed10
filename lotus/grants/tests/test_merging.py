import pytest

from lotus.grants.models import Overpayment, PaymentLine
from lotus.registry.merging import MergeRefused, person_merge, person_unmerge


@pytest.mark.django_db
def test_merge_of_two_paid_records_creates_overpayment(issued_cycle, central_manager):
    survivor, duplicate = issued_cycle.women[0], issued_cycle.women[1]
    PaymentLine.objects.filter(cycle=issued_cycle).update(status=PaymentLine.Status.PAID)
    duplicate_line = PaymentLine.objects.get(person=duplicate)

    outcome = person_merge(actor=central_manager, survivor=survivor, merged=duplicate)

    overpayment = Overpayment.objects.get()
    assert (overpayment.line, overpayment.kept, overpayment.amount) == (
        duplicate_line,
        survivor,
        5_500_000,
    )
    assert overpayment.status == Overpayment.Status.TO_RECOVER
    duplicate_line.refresh_from_db()
    assert duplicate_line.person_id == duplicate.pk  # the payment stays on the paid record
    assert outcome.consequences[0]["kind"] == "overpayment"


@pytest.mark.django_db
def test_unmerge_removes_unrecovered_overpayment(issued_cycle, central_manager):
    survivor, duplicate = issued_cycle.women[0], issued_cycle.women[1]
    PaymentLine.objects.filter(cycle=issued_cycle).update(status=PaymentLine.Status.PAID)
    outcome = person_merge(actor=central_manager, survivor=survivor, merged=duplicate)

    person_unmerge(
        actor=central_manager,
        survivor=survivor,
        merged=duplicate,
        moved=outcome.moved,
        consequences=outcome.consequences,
    )

    assert not Overpayment.objects.exists()


@pytest.mark.django_db
def test_merge_refused_while_a_payment_is_pending(issued_cycle, central_manager):
    survivor, duplicate = issued_cycle.women[0], issued_cycle.women[1]

    with pytest.raises(MergeRefused):
        person_merge(actor=central_manager, survivor=survivor, merged=duplicate)
