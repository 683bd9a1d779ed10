import io

import pytest
from django.db import IntegrityError, transaction
from msoffcrypto.exceptions import InvalidKeyError
from python_calamine import CalamineWorkbook

from lotus.grants import exports
from lotus.grants.models import Candidate, Cycle, PaymentLine
from lotus.grants.services.payments import (
    payment_export_create,
    payment_list_issue,
    payment_reference,
    payment_reissue_failed,
    reference_is_valid,
)

WEIGHTED = {"pregnant": 3, "migrant_worker": 1}


def _issue(cycle, manager, finance_officer):
    from lotus.grants.services.cycles import cycle_approve, cycle_lock_targeting

    cycle_lock_targeting(actor=manager, cycle=cycle)
    cycle_approve(actor=finance_officer, cycle=cycle)
    return payment_list_issue(actor=manager, cycle=cycle)


def _place_order(women):
    return sorted(women, key=lambda w: (w.province_id, w.commune_id or 0, w.pk))


@pytest.fixture
def rank_unlike_place(cycle, central_manager, make_woman, commune_a2):
    """A targeted cycle whose rank order (first the woman in commune A2) is not its place order.

    No payout account: every line goes to the post office.
    """
    from lotus.grants.services.cycles import cycle_criteria_save
    from lotus.grants.services.targeting import targeting_run

    cycle.communes.set([])
    women = [
        make_woman(commune=commune_a2, is_pregnant=True, is_migrant_worker=True),
        make_woman(is_pregnant=True),
        make_woman(),
    ]
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria={}, weights=WEIGHTED)
    targeting_run(actor=central_manager, cycle=cycle)
    cycle.refresh_from_db()
    ranked = list(
        Candidate.objects.filter(cycle=cycle).order_by("overall_rank").values_list("person_id")
    )
    assert [pk for (pk,) in ranked] == [w.pk for w in women]  # rank order, not place order
    cycle.women = women
    return cycle


def _persons_in_reference_order(cycle):
    return [
        line.person_id for line in PaymentLine.objects.filter(cycle=cycle).order_by("reference")
    ]


def test_payment_reference_carries_valid_check_digits():
    reference = payment_reference(12, 345)

    assert reference.startswith("LT00012")
    assert reference_is_valid(reference)
    assert not reference_is_valid(reference[:-1] + str((int(reference[-1]) + 1) % 10))


@pytest.mark.django_db
def test_issue_snapshots_name_id_and_account(issued_cycle):
    first = issued_cycle.women[0]
    line = PaymentLine.objects.get(cycle=issued_cycle, person=first)
    first.full_name = "Trần Thị Đổi Tên"
    first.save()

    line.refresh_from_db()
    assert line.full_name != first.full_name
    assert line.id_number == first.cccd
    assert (line.channel, line.provider) == ("bank", "Agribank")
    assert line.account_number == first.payout_account.account_number


@pytest.mark.django_db
def test_issue_uses_default_channel_without_account(issued_cycle):
    line = PaymentLine.objects.get(cycle=issued_cycle, person=issued_cycle.women[1])

    assert line.channel == "post_office"
    assert issued_cycle.status == Cycle.Status.ISSUED


@pytest.mark.django_db
def test_issue_records_the_batch_count_and_total_and_moves_the_line_numbering(issued_cycle):
    batch = issued_cycle.batches.get()

    assert batch.line_count == 3 == PaymentLine.objects.filter(batch=batch).count()
    assert batch.total == 3 * issued_cycle.amount_per_person
    assert issued_cycle.next_line_seq == 4


@pytest.mark.django_db
def test_issue_gives_each_line_a_unique_reference(issued_cycle):
    references = list(
        PaymentLine.objects.filter(cycle=issued_cycle)
        .order_by("reference")
        .values_list("reference", flat=True)
    )

    assert len(set(references)) == 3
    assert references == [payment_reference(issued_cycle.pk, seq) for seq in (1, 2, 3)]
    assert all(reference_is_valid(r) for r in references)


@pytest.mark.django_db
def test_unique_constraint_forbids_two_successful_payments(issued_cycle):
    line = PaymentLine.objects.get(cycle=issued_cycle, person=issued_cycle.women[0])
    line.status = PaymentLine.Status.PAID
    line.save()
    twin = PaymentLine.objects.get(pk=line.pk)
    twin.pk = None
    twin.reference = "LT0000000000099"
    twin.status = PaymentLine.Status.PAID

    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


@pytest.mark.django_db
def test_xlsx_export_round_trips_with_its_password(issued_cycle, central_manager):
    batch = issued_cycle.batches.get()

    export, password = payment_export_create(
        actor=central_manager, batch=batch, channel="bank", fmt="xlsx"
    )

    plain = exports.decrypt_xlsx(bytes(export.content), password)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(plain)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "Payment reference"
    assert rows[1][1] == issued_cycle.women[0].full_name
    assert rows[1][5] == 5_500_000
    assert password not in str(export.__dict__)


@pytest.mark.django_db
def test_xlsx_export_does_not_open_with_a_wrong_password(issued_cycle, central_manager):
    batch = issued_cycle.batches.get()
    export, _password = payment_export_create(
        actor=central_manager, batch=batch, channel="bank", fmt="xlsx"
    )

    with pytest.raises(InvalidKeyError):
        exports.decrypt_xlsx(bytes(export.content), "wrong-password")


@pytest.mark.django_db
def test_csv_export_is_inside_aes_zip(issued_cycle, central_manager):
    batch = issued_cycle.batches.get()

    export, password = payment_export_create(
        actor=central_manager, batch=batch, channel="post_office", fmt="csv_zip"
    )

    members = exports.read_aes_zip(bytes(export.content), password)
    (content,) = members.values()
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Payment reference,Recipient name,ID number")
    assert len(text.splitlines()) == 3


@pytest.mark.django_db
def test_reissue_creates_new_line_for_failed_payment(issued_cycle, central_manager):
    failed = PaymentLine.objects.get(cycle=issued_cycle, person=issued_cycle.women[2])
    PaymentLine.objects.filter(pk=failed.pk).update(status=PaymentLine.Status.FAILED)

    batch = payment_reissue_failed(actor=central_manager, cycle=issued_cycle)

    new_line = batch.lines.get()
    assert new_line.person_id == failed.person_id
    assert new_line.reference != failed.reference
    assert new_line.reissue_of_id == failed.pk
    failed.refresh_from_db()
    assert failed.reissued


@pytest.mark.django_db
def test_issue_numbers_references_by_place_and_person_not_by_rank(
    rank_unlike_place, central_manager, finance_officer
):
    _issue(rank_unlike_place, central_manager, finance_officer)

    expected = [w.pk for w in _place_order(rank_unlike_place.women)]
    assert _persons_in_reference_order(rank_unlike_place) == expected


@pytest.mark.django_db
def test_issue_gives_the_same_references_to_the_same_selected_women(
    rank_unlike_place, central_manager, finance_officer
):
    first = _issue(rank_unlike_place, central_manager, finance_officer)
    before = dict(first.lines.values_list("person_id", "reference"))
    PaymentLine.objects.filter(batch=first).delete()
    first.delete()
    Cycle.objects.filter(pk=rank_unlike_place.pk).update(
        status=Cycle.Status.APPROVED, next_line_seq=1
    )

    again = payment_list_issue(actor=central_manager, cycle=rank_unlike_place)

    assert dict(again.lines.values_list("person_id", "reference")) == before


@pytest.mark.django_db
def test_csv_export_lists_lines_by_place_and_person_not_by_rank(
    rank_unlike_place, central_manager, finance_officer
):
    batch = _issue(rank_unlike_place, central_manager, finance_officer)

    export, password = payment_export_create(
        actor=central_manager, batch=batch, channel="post_office", fmt="csv_zip"
    )

    (content,) = exports.read_aes_zip(bytes(export.content), password).values()
    numbers = [row.split(",")[2] for row in content.decode("utf-8-sig").splitlines()[1:]]
    expected = [w.cccd or w.cmnd for w in _place_order(rank_unlike_place.women)]
    assert numbers == expected


@pytest.mark.django_db
def test_reissue_numbers_new_lines_by_place_and_person_not_by_rank(
    rank_unlike_place, central_manager, finance_officer
):
    _issue(rank_unlike_place, central_manager, finance_officer)
    PaymentLine.objects.filter(cycle=rank_unlike_place).update(status=PaymentLine.Status.FAILED)

    batch = payment_reissue_failed(actor=central_manager, cycle=rank_unlike_place)

    reissued = list(batch.lines.order_by("reference").values_list("person_id", flat=True))
    assert reissued == [w.pk for w in _place_order(rank_unlike_place.women)]
