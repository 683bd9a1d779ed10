import io

import pytest
from django.db import IntegrityError, transaction
from msoffcrypto.exceptions import InvalidKeyError
from python_calamine import CalamineWorkbook

from lotus.grants import exports
from lotus.grants.models import Cycle, PaymentLine
from lotus.grants.services.payments import (
    payment_export_create,
    payment_reference,
    payment_reissue_failed,
    reference_is_valid,
)


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
