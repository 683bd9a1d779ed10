import threading

import pytest
from django.db import connection

from lotus.grants.models import Cycle, PaymentLine, ReconciliationRow
from lotus.grants.services.cycles import cycle_close, cycle_mark_reconciled
from lotus.grants.services.reconciliation import parse_result_file, reconciliation_import


def _csv(*rows):
    lines = ["reference,status,amount,date,note"] + [",".join(map(str, r)) for r in rows]
    return "\n".join(lines).encode()


def _refs(cycle):
    return list(
        PaymentLine.objects.filter(cycle=cycle)
        .order_by("reference")
        .values_list("reference", flat=True)
    )


@pytest.mark.django_db
def test_import_marks_paid_and_failed_and_totals(issued_cycle, central_manager):
    a, b, c = _refs(issued_cycle)
    content = _csv((a, "paid", 5500000, "05/11/2023", ""), (b, "failed", "", "", "closed account"))

    result = reconciliation_import(
        actor=central_manager, cycle=issued_cycle, filename="bank.csv", content=content
    )

    assert (result.paid_applied, result.failed_applied) == (1, 1)
    issued_cycle.refresh_from_db()
    assert (issued_cycle.paid_count, issued_cycle.total_paid) == (1, 5_500_000)
    failed = PaymentLine.objects.get(reference=b)
    assert (failed.status, failed.result_note) == ("failed", "closed account")
    assert PaymentLine.objects.get(reference=c).status == "issued"


@pytest.mark.django_db
def test_import_twice_changes_nothing(issued_cycle, central_manager):
    a, b, _c = _refs(issued_cycle)
    content = _csv((a, "paid", 5500000, "", ""), (b, "failed", "", "", ""))
    reconciliation_import(
        actor=central_manager, cycle=issued_cycle, filename="r.csv", content=content
    )
    before = list(PaymentLine.objects.order_by("pk").values_list("status", "result_on"))

    again = reconciliation_import(
        actor=central_manager, cycle=issued_cycle, filename="r.csv", content=content
    )

    assert again.already_imported
    assert list(PaymentLine.objects.order_by("pk").values_list("status", "result_on")) == before
    issued_cycle.refresh_from_db()
    assert issued_cycle.total_paid == 5_500_000


@pytest.mark.django_db
def test_import_repeating_results_in_another_file_reports_them_unchanged(
    issued_cycle, central_manager
):
    a, _b, _c = _refs(issued_cycle)
    reconciliation_import(
        actor=central_manager, cycle=issued_cycle, filename="1.csv", content=_csv((a, "paid"))
    )

    second = reconciliation_import(
        actor=central_manager, cycle=issued_cycle, filename="2.csv", content=_csv((a, "PAID", ""))
    )

    assert (second.paid_applied, second.unchanged) == (0, 1)
    issued_cycle.refresh_from_db()
    assert issued_cycle.paid_count == 1


@pytest.mark.django_db
def test_import_reports_unmatched_lines(issued_cycle, central_manager):
    a, _b, _c = _refs(issued_cycle)
    content = _csv((a, "paid"), ("LT9999999999999", "paid"), ("", "paid"))

    result = reconciliation_import(
        actor=central_manager, cycle=issued_cycle, filename="x.csv", content=content
    )

    assert result.rows_total == 3
    assert result.unmatched == 1
    unmatched = result.rows.get(outcome=ReconciliationRow.Outcome.UNMATCHED)
    assert unmatched.reference == "LT9999999999999"
    assert result.rows.filter(outcome=ReconciliationRow.Outcome.INVALID).count() == 1


@pytest.mark.django_db
def test_import_refuses_amount_mismatch(issued_cycle, central_manager):
    a, _b, _c = _refs(issued_cycle)

    result = reconciliation_import(
        actor=central_manager,
        cycle=issued_cycle,
        filename="x.csv",
        content=_csv((a, "paid", 5000000)),
    )

    assert result.conflicts == 1
    assert PaymentLine.objects.get(reference=a).status == "issued"


@pytest.mark.django_db
def test_paid_then_failed_is_a_conflict_not_a_change(issued_cycle, central_manager):
    a, _b, _c = _refs(issued_cycle)
    reconciliation_import(
        actor=central_manager, cycle=issued_cycle, filename="1.csv", content=_csv((a, "paid"))
    )

    second = reconciliation_import(
        actor=central_manager, cycle=issued_cycle, filename="2.csv", content=_csv((a, "failed"))
    )

    assert second.conflicts == 1
    assert PaymentLine.objects.get(reference=a).status == "paid"


@pytest.mark.django_db
def test_parse_result_file_reads_vietnamese_headers_and_words():
    content = "Mã thanh toán;Trạng thái;Số tiền\nLT1;Thành công;5.500.000\n".encode()

    (line,) = parse_result_file("ket-qua.csv", content)

    assert (line.reference, line.status, line.amount) == ("LT1", "paid", 5_500_000)


@pytest.mark.django_db
def test_full_cycle_reaches_closed(issued_cycle, central_manager):
    refs = _refs(issued_cycle)
    reconciliation_import(
        actor=central_manager,
        cycle=issued_cycle,
        filename="all.csv",
        content=_csv(*[(r, "paid") for r in refs]),
    )

    cycle_mark_reconciled(actor=central_manager, cycle=issued_cycle)
    cycle = cycle_close(actor=central_manager, cycle=issued_cycle)

    assert cycle.status == Cycle.Status.CLOSED
    assert list(cycle.transitions.values_list("to_status", flat=True)) == [
        "locked", "approved", "issued", "reconciled", "closed",
    ]  # fmt: skip
    assert cycle.total_paid == 3 * 5_500_000


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers itself and ignores select_for_update; "
    "the race only exists on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_reconciliations_pay_each_woman_once(issued_cycle, central_manager):
    a, b, _c = _refs(issued_cycle)
    files = [_csv((a, "paid"), (b, "paid")), _csv((b, "paid"), (a, "paid", 5500000))]
    barrier = threading.Barrier(2)
    errors = []

    def run(content, name):
        try:
            barrier.wait()
            reconciliation_import(
                actor=central_manager, cycle=issued_cycle, filename=name, content=content
            )
        except BaseException as exc:  # report any failure of the thread to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f, f"{i}.csv")) for i, f in enumerate(files)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    issued_cycle.refresh_from_db()
    paid = PaymentLine.objects.filter(cycle=issued_cycle, status="paid")
    assert paid.count() == 2
    assert issued_cycle.paid_count == 2
    assert issued_cycle.total_paid == sum(paid.values_list("amount", flat=True)) == 11_000_000
    outcomes = sorted(ReconciliationRow.objects.values_list("outcome", flat=True))
    assert outcomes == ["paid", "paid", "unchanged", "unchanged"]
