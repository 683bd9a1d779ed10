"""What a registry merge means for cash grants (registered in GrantsConfig.ready()).

- Payment lines stay on the record they were paid to. When the merged record and the
  survivor were both paid in the same cycle, the merged record's payment becomes an
  Overpayment to recover; undoing the merge removes it again if nothing was recovered yet.
  A merge while one of the two still has a payment pending in a cycle where the other is
  paid or pending is refused: the payment result must come first.
- Payout accounts, grievances and livelihood surveys move to the survivor, except where the
  survivor already has one of the same kind (then the merged record keeps its own).
- Candidate rows and overpayment records stay as they were written.
"""

from django.utils.translation import gettext as _

from lotus.grants.models import LivelihoodSurvey, Overpayment, PaymentLine, PayoutAccount
from lotus.registry.merging import PersonMerge, PersonUnmerge

ACTIVE = (PaymentLine.Status.ISSUED, PaymentLine.Status.PAID)


def payments_on_merge(merge: PersonMerge) -> None:
    merged_lines = merge.rows(PaymentLine)
    survivor_lines = merge.survivor_rows(PaymentLine)
    for cycle_id in sorted(set(merged_lines.values_list("cycle_id", flat=True))):
        mine = merged_lines.filter(cycle_id=cycle_id, status__in=ACTIVE)
        theirs = survivor_lines.filter(cycle_id=cycle_id, status__in=ACTIVE)
        if not (mine.exists() and theirs.exists()):
            continue
        pending = (
            mine.filter(status=PaymentLine.Status.ISSUED).exists()
            or theirs.filter(status=PaymentLine.Status.ISSUED).exists()
        )
        if pending:
            merge.refuse(
                _(
                    "Both records have a payment in the same grant cycle and one is still "
                    "pending: import the payment result first."
                )
            )
        created = []
        for line in mine.filter(status=PaymentLine.Status.PAID):
            overpayment = Overpayment.objects.create(
                cycle_id=cycle_id,
                line=line,
                duplicate=merge.merged,
                kept=merge.survivor,
                amount=line.amount,
                province_id=line.province_id,
                commune_id=line.commune_id,
            )
            created.append(overpayment.pk)
        merge.record(
            kind="overpayment",
            message=_("Paid twice in grant cycle %(cycle)s: an overpayment of %(n)s to recover.")
            % {"cycle": cycle_id, "n": len(created)},
            cycle=cycle_id,
            overpayments=created,
        )
    # Payments are history: they stay on the record that was paid.
    merge.leave_behind(PaymentLine, merged_lines.values_list("pk", flat=True))


def payments_on_unmerge(unmerge: PersonUnmerge) -> None:
    for consequence in unmerge.consequences_of("overpayment"):
        Overpayment.objects.filter(
            pk__in=consequence["data"]["overpayments"], status=Overpayment.Status.TO_RECOVER
        ).delete()


def payout_account_on_merge(merge: PersonMerge) -> None:
    if merge.survivor_rows(PayoutAccount).exists():
        merge.leave_behind(PayoutAccount, merge.rows(PayoutAccount).values_list("pk", flat=True))


def surveys_on_merge(merge: PersonMerge) -> None:
    taken = set(merge.survivor_rows(LivelihoodSurvey).values_list("cycle_id", "kind"))
    clashing = [
        pk
        for pk, cycle_id, kind in merge.rows(LivelihoodSurvey).values_list("pk", "cycle_id", "kind")
        if (cycle_id, kind) in taken
    ]
    merge.leave_behind(LivelihoodSurvey, clashing)
