"""Post-distribution verification: draw a sample of paid women, record what each said.

A sample is drawn once per request with a new random seed that is stored, so that the very
same women can be drawn again from the same paid list (`verification_redraw_matches`).
Officers then record, for each sampled woman, whether she received the full amount and any
problem; the cycle page reports the verified share with its margin of error.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability
from lotus.grants import sampling
from lotus.grants.models import Cycle, PaymentLine, VerificationRecord, VerificationSample


def _population(cycle: Cycle, stratify_by: str) -> list[tuple[int, str]]:
    paid = PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.PAID)
    if stratify_by == VerificationSample.Stratify.COMMUNE:
        return [(pk, code or "") for pk, code in paid.values_list("pk", "commune__code")]
    if stratify_by == VerificationSample.Stratify.CHANNEL:
        return list(paid.values_list("pk", "channel"))
    return [(pk, "") for pk in paid.values_list("pk", flat=True)]


def sample_members(sample: VerificationSample) -> list[tuple[int, str]]:
    """The (line id, stratum) pairs the sample's seed draws from its cycle's paid lines."""
    return sampling.draw(
        _population(sample.cycle, sample.stratify_by),
        size=sample.size,
        seed=sample.seed,
        stratified=sample.stratify_by != VerificationSample.Stratify.NONE,
    )


@transaction.atomic
def verification_sample_draw(
    *,
    actor: User,
    cycle: Cycle,
    confidence: int,
    margin_pct: Decimal,
    stratify_by: str = VerificationSample.Stratify.NONE,
    seed: int | None = None,
) -> VerificationSample:
    """Draw Cochran's sample of the cycle's paid women with a stored seed.

    Raises:
        PermissionDenied: the actor does not run programmes.
        ValidationError: nobody is paid yet, or the confidence level is not offered.
    """
    require_capability(actor, Capability.MANAGE_PROGRAMMES)
    if confidence not in sampling.Z_SCORES:
        raise ValidationError({"confidence": _("Choose 90, 95 or 99 %.")})
    if not Decimal("0.5") <= margin_pct <= Decimal("20"):
        raise ValidationError({"margin_pct": _("The margin of error goes from 0.5 to 20 %.")})
    population = PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.PAID).count()
    if population == 0:
        raise ValidationError(_("Nobody has been paid yet."))
    n0, size = sampling.cochran_sample_size(
        population=population, confidence=confidence, margin=margin_pct / 100
    )
    sample = VerificationSample.objects.create(
        cycle=cycle,
        confidence=confidence,
        margin_pct=margin_pct,
        population=population,
        n0=n0,
        size=size,
        seed=seed if seed is not None else secrets.randbelow(2**62),
        stratify_by=stratify_by,
        drawn_by=actor,
    )
    members = sample_members(sample)
    lines = PaymentLine.objects.in_bulk([pk for pk, _stratum in members])
    VerificationRecord.objects.bulk_create(
        [
            VerificationRecord(
                sample=sample,
                line_id=pk,
                stratum=stratum,
                province_id=lines[pk].province_id,
                commune_id=lines[pk].commune_id,
            )
            for pk, stratum in members
        ],
        batch_size=2000,
    )
    return sample


def verification_redraw_matches(sample: VerificationSample) -> bool:
    """Whether drawing again with the stored seed gives exactly the recorded women."""
    recorded = sorted(sample.records.values_list("line_id", flat=True))
    return recorded == [pk for pk, _stratum in sample_members(sample)]


@transaction.atomic
def verification_record_set(
    *, actor: User, record: VerificationRecord, outcome: str, problem: str, checked_on: dt.date
) -> VerificationRecord:
    """Record what a sampled woman said.

    Raises:
        PermissionDenied: the actor may not edit or the woman is outside her scope.
    """
    scope = require_capability(actor, Capability.EDIT)
    if not scope.covers(province_id=record.province_id, commune_id=record.commune_id):
        raise PermissionDenied
    if outcome not in VerificationRecord.Outcome.values:
        raise ValidationError({"outcome": _("Unknown outcome.")})
    record.outcome = outcome
    record.problem = problem[:300]
    record.checked_on = checked_on
    record.checked_by = actor
    record.save()
    return record
