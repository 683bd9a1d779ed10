from decimal import Decimal

import pytest

from lotus.grants import sampling
from lotus.grants.models import PaymentLine, VerificationSample
from lotus.grants.services.verification import (
    verification_redraw_matches,
    verification_sample_draw,
)


def test_cochran_worked_example_3388_women_95_percent_5_points():
    n0, n = sampling.cochran_sample_size(
        population=3388, confidence=95, margin=Decimal("0.05"), p=Decimal("0.5")
    )

    # n0 = 1.96² × 0.25 / 0.05² = 384.16; n = 384.16 / (1 + 383.16/3388) = 345.13 → 346
    assert n0 == Decimal("384.16")
    assert n == 346


def test_cochran_small_population_never_exceeds_it():
    _n0, n = sampling.cochran_sample_size(population=20, confidence=99, margin=Decimal("0.01"))

    assert n == 20


def test_draw_is_reproducible_from_seed():
    population = [(i, "") for i in range(1000)]

    first = sampling.draw(population, size=50, seed=42, stratified=False)
    second = sampling.draw(list(reversed(population)), size=50, seed=42, stratified=False)

    assert first == second
    assert first != sampling.draw(population, size=50, seed=43, stratified=False)


def test_draw_stratified_allocates_in_proportion():
    population = [(i, "A") for i in range(300)] + [(1000 + i, "B") for i in range(100)]

    chosen = sampling.draw(population, size=40, seed=7, stratified=True)

    assert sum(1 for _pk, s in chosen if s == "A") == 30
    assert sum(1 for _pk, s in chosen if s == "B") == 10


def test_share_with_margin_uses_finite_population_correction():
    share, margin = sampling.share_with_margin(
        successes=90, observed=100, population=1000, confidence=95
    )

    assert share == 0.9
    assert margin == pytest.approx(1.96 * (0.09 / 100) ** 0.5 * (900 / 999) ** 0.5)


@pytest.mark.django_db
def test_verification_sample_redraws_identically(issued_cycle, central_manager):
    PaymentLine.objects.filter(cycle=issued_cycle).update(status="paid")

    sample = verification_sample_draw(
        actor=central_manager,
        cycle=issued_cycle,
        confidence=95,
        margin_pct=Decimal("5"),
        stratify_by=VerificationSample.Stratify.CHANNEL,
    )

    assert sample.size == 3  # a population of 3 is sampled whole
    assert verification_redraw_matches(sample)
