"""Payment lists: issuing an approved cycle's list, reissuing failed payments, protected files.

Issuing turns each selected woman into a PaymentLine that snapshots her name, ID number,
phone, address and payout account as they are at that moment, with a unique reference
(LT + cycle + sequence + ISO 7064 mod 97-10 check digits, so a mistyped reference in a
result file is reported as unmatched instead of hitting another line). A failed payment can
be reissued: a new line with a new reference and a fresh snapshot; the failed line stays.

Lines are numbered by place and person (LINE_ORDER), never by rank: the payment files and
the payment list are in reference order, and a rank order there would tell a role that may
not read restricted facts (HIV, GBV) which women the cycle ranked first on them. The same
selected women always get the same references.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import IntegerField, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability, scope_for
from lotus.core.db import roomy_sqlite
from lotus.grants import exports
from lotus.grants.models import (
    Candidate,
    Channel,
    Cycle,
    PaymentBatch,
    PaymentExport,
    PaymentLine,
    PayoutAccount,
)
from lotus.grants.services.cycles import _transition
from lotus.registry.models import Person

BULK_BATCH = 5000
# The order in which lines are numbered: province, commune (none first), person id. It says
# nothing of a woman's rank, and it keeps a commune's lines together in the files.
LINE_ORDER_SQL = "c.province_id, COALESCE(c.commune_id, 0), c.person_id"
LINE_ORDER = ("province_id", Coalesce("commune_id", 0, output_field=IntegerField()), "person_id")


def payment_reference(cycle_id: int, seq: int) -> str:
    """LT + 5-digit cycle + 7-digit sequence + 2 check digits (ISO 7064 mod 97-10)."""
    digits = f"{cycle_id:05d}{seq:07d}"
    check = 98 - (int(digits) * 100) % 97
    return f"LT{digits}{check:02d}"


def reference_is_valid(reference: str) -> bool:
    body = reference.strip().upper()
    if len(body) != 16 or not body.startswith("LT") or not body[2:].isdigit():
        return False
    return int(body[2:]) % 97 == 1


SNAPSHOT_FIELDS = (
    "person_id",
    "person__full_name",
    "person__cccd",
    "person__cmnd",
    "person__phone",
    "person__address_text",
    "person__province_id",
    "person__commune_id",
    "person__payout_account__channel",
    "person__payout_account__provider",
    "person__payout_account__account_number",
)


def _make_lines(cycle: Cycle, batch: PaymentBatch, rows, seq: int) -> list[PaymentLine]:
    lines = []
    for row in rows:
        (person_id, name, cccd, cmnd, phone, address, province_id, commune_id, channel,
         provider, account) = row  # fmt: skip
        lines.append(
            PaymentLine(
                cycle=cycle,
                batch=batch,
                person_id=person_id,
                reference=payment_reference(cycle.pk, seq),
                channel=channel or cycle.default_channel,
                amount=cycle.amount_per_person,
                full_name=name,
                id_number=cccd or cmnd,
                phone=phone,
                provider=provider or "",
                account_number=account or "",
                address=address,
                province_id=province_id,
                commune_id=commune_id,
            )
        )
        seq += 1
    return lines


def _new_batch(cycle: Cycle, actor: User, kind: str) -> PaymentBatch:
    number = (cycle.batches.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return PaymentBatch.objects.create(cycle=cycle, number=number, kind=kind, issued_by=actor)


def _close_batch(cycle: Cycle, batch: PaymentBatch, count: int, total: int) -> PaymentBatch:
    """Record the batch's line count and total; the cycle's next line number moves past it."""
    batch.line_count = count
    batch.total = total
    batch.save(update_fields=["line_count", "total"])
    cycle.next_line_seq += count
    return batch


def _finish_batch(cycle: Cycle, batch: PaymentBatch, lines: list[PaymentLine]) -> PaymentBatch:
    PaymentLine.objects.bulk_create(lines, batch_size=BULK_BATCH)
    return _close_batch(cycle, batch, len(lines), sum(line.amount for line in lines))


def _reference_sql(cycle_id: int, seq_sql: str) -> str:
    """SQL computing payment_reference() on the current database (same digits and check)."""
    # "%%": this SQL is run with parameters, so a literal percent sign is doubled.
    check = f"(98 - (CAST({cycle_id} AS BIGINT) * 10000000 + {seq_sql}) * 100 %% 97)"
    if connection.vendor == "postgresql":
        return (
            f"'LT' || lpad('{cycle_id}', 5, '0') || lpad(({seq_sql})::text, 7, '0') "
            f"|| lpad({check}::text, 2, '0')"
        )
    return f"printf('LT%%05d%%07d%%02d', {cycle_id}, {seq_sql}, {check})"


def _insert_selected_lines(cycle: Cycle, batch: PaymentBatch) -> int:
    """One INSERT … SELECT: a line per selected woman, snapshotting her record and account.

    References are numbered in LINE_ORDER (place, then person), never in rank order.
    """
    quote = connection.ops.quote_name
    line, candidate = quote(PaymentLine._meta.db_table), quote(Candidate._meta.db_table)
    person, account = quote(Person._meta.db_table), quote(PayoutAccount._meta.db_table)
    # Integers from our own rows, inlined because the window function cannot be a parameter.
    seq = f"({int(cycle.next_line_seq)} + ROW_NUMBER() OVER (ORDER BY {LINE_ORDER_SQL}) - 1)"
    reference = _reference_sql(int(cycle.pk), seq)
    sql = f"""
        INSERT INTO {line} (cycle_id, batch_id, person_id, reference, channel, amount, status,
            full_name, id_number, phone, provider, account_number, address, province_id,
            commune_id, result_note, reissued)
        SELECT %s, %s, p.id, {reference}, COALESCE(a.channel, %s), %s, %s, p.full_name,
            CASE WHEN p.cccd <> '' THEN p.cccd ELSE p.cmnd END, p.phone,
            COALESCE(a.provider, ''), COALESCE(a.account_number, ''), p.address_text,
            p.province_id, p.commune_id, '', %s
        FROM {candidate} c
        JOIN {person} p ON p.id = c.person_id
        LEFT JOIN {account} a ON a.person_id = p.id
        WHERE c.cycle_id = %s AND c.selected = %s
    """
    # "selected = true", not "selected": only an equality lets the database walk the
    # (cycle, selected, overall_rank) index to the selected women instead of every
    # candidate; their few thousand rows are then sorted in LINE_ORDER for the numbering.
    params = [
        cycle.pk, batch.pk, cycle.default_channel, cycle.amount_per_person,
        PaymentLine.Status.ISSUED, False, cycle.pk, True,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # The rows inserted (sqlite3_changes() on SQLite, the command tag on PostgreSQL).
        return cursor.rowcount


@transaction.atomic
def payment_list_issue(*, actor: User, cycle: Cycle) -> PaymentBatch:
    """Issue the payment list of an approved cycle: one line per selected woman.

    Raises:
        PermissionDenied: the actor does not run programmes.
        ValidationError: the cycle is not approved or its list changed after approval.
    """
    require_capability(actor, Capability.MANAGE_PROGRAMMES)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.APPROVED:
        raise ValidationError(_("Only an approved cycle can issue its payment list."))
    if cycle.approvals.exclude(fingerprint=cycle.fingerprint).exists():
        raise ValidationError(_("The list changed after it was approved."))
    batch = _new_batch(cycle, actor, PaymentBatch.Kind.INITIAL)
    with roomy_sqlite():
        count = _insert_selected_lines(cycle, batch)
    _close_batch(cycle, batch, count, count * cycle.amount_per_person)
    _transition(cycle, to=Cycle.Status.ISSUED, actor=actor)
    cycle.save(update_fields=["status", "next_line_seq"])
    return batch


@transaction.atomic
def payment_reissue_failed(
    *, actor: User, cycle: Cycle, line_ids: list[int] | None = None
) -> PaymentBatch:
    """Reissue failed payments (all, or those given) as new lines with fresh snapshots.

    Raises:
        PermissionDenied: the actor does not run programmes.
        ValidationError: the cycle is not issued or reconciled, or nothing can be reissued.
    """
    require_capability(actor, Capability.MANAGE_PROGRAMMES)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status not in (Cycle.Status.ISSUED, Cycle.Status.RECONCILED):
        raise ValidationError(_("Payments can be reissued only while the cycle is paying out."))
    failed = PaymentLine.objects.filter(
        cycle=cycle, status=PaymentLine.Status.FAILED, reissued=False
    ).exclude(
        person_id__in=PaymentLine.objects.filter(
            cycle=cycle, status__in=[PaymentLine.Status.PAID, PaymentLine.Status.ISSUED]
        ).values("person_id")
    )
    if line_ids is not None:
        failed = failed.filter(pk__in=line_ids)
    failed_ids = dict(failed.values_list("person_id", "pk"))
    if not failed_ids:
        raise ValidationError(_("No failed payment is waiting to be reissued."))
    batch = _new_batch(cycle, actor, PaymentBatch.Kind.REISSUE)
    rows = (
        Candidate.objects.filter(cycle=cycle, person_id__in=list(failed_ids))
        .order_by(*LINE_ORDER)
        .values_list(*SNAPSHOT_FIELDS)
    )
    lines = _make_lines(cycle, batch, rows, cycle.next_line_seq)
    for line in lines:
        line.reissue_of_id = failed_ids[line.person_id]
    _finish_batch(cycle, batch, lines)
    PaymentLine.objects.filter(pk__in=list(failed_ids.values())).update(reissued=True)
    if cycle.status == Cycle.Status.RECONCILED:
        _transition(cycle, to=Cycle.Status.ISSUED, actor=actor, note=_("Failed payments reissued"))
    cycle.save(update_fields=["status", "next_line_seq"])
    return batch


def batch_lines_for(*, user: User, batch: PaymentBatch, channel: str):
    """The batch's lines of a channel that the user may see, in reference order."""
    scope = scope_for(user)
    lines = scope.filter(
        PaymentLine.objects.filter(batch=batch, channel=channel),
        province_field="province",
        commune_field="commune",
    )
    return lines.select_related("province", "commune").order_by("reference")


@transaction.atomic
def payment_export_create(
    *, actor: User, batch: PaymentBatch, channel: str, fmt: str
) -> tuple[PaymentExport, str]:
    """Make a protected payment file; return it and its password (shown once, never stored).

    Raises:
        PermissionDenied: the actor may not export personal data.
        ValidationError: unknown channel or format, or no line for the channel.
    """
    require_capability(actor, Capability.EXPORT)
    if channel not in Channel.values or fmt not in PaymentExport.Format.values:
        raise ValidationError(_("Unknown channel or format."))
    lines = batch_lines_for(user=actor, batch=batch, channel=channel)
    records = [
        {
            "reference": line.reference,
            "full_name": line.full_name,
            "id_number": line.id_number,
            "phone": line.phone,
            "provider": line.provider,
            "account_number": line.account_number,
            "address": line.address,
            "commune_name": line.commune.name if line.commune else "",
            "province_name": line.province.name,
            "amount": line.amount,
        }
        for line in lines
    ]
    if not records:
        raise ValidationError(_("This list has no payment for that channel."))
    cycle = batch.cycle
    rows = exports.line_rows(channel, records, description=cycle.programme.name[:60])
    password = exports.new_password()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    basename = f"lotus-cycle{cycle.pk}-batch{batch.number}-{channel}-{stamp}"
    filename, content = exports.protected_file(
        channel=channel, fmt=fmt, rows=rows, basename=basename, password=password
    )
    export = PaymentExport.objects.create(
        batch=batch,
        channel=channel,
        fmt=fmt,
        filename=filename,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        line_count=len(records),
        created_by=actor,
    )
    return export, password


def cycle_paid_totals(cycle: Cycle) -> tuple[int, int]:
    """(count, sum) of the cycle's successful payments, straight from the lines."""
    paid = PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.PAID)
    return paid.count(), paid.aggregate(total=Sum("amount"))["total"] or 0


def assert_can_pay(actor: User) -> None:
    scope = scope_for(actor)
    if not (scope.can(Capability.MANAGE_PROGRAMMES) or scope.can(Capability.APPROVE)):
        raise PermissionDenied
