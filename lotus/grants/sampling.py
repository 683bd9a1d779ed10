"""Post-distribution verification arithmetic: Cochran's sample size and the seeded draw.

Sample size (Cochran 1977, with the finite-population correction):
    n0 = z² · p · (1 − p) / e²        z for the confidence level, p the expected share, e margin
    n  = n0 / (1 + (n0 − 1) / N)      N the number of women paid
rounded UP to a whole woman, since rounding down would miss the stated margin.
Worked example: N = 3,388, 95 % (z = 1.96), e = 5 %, p = 0.5 → n0 = 384.16 and
n = 384.16 / (1 + 383.16 / 3,388) = 384.16 / 1.113093… = 345.13… → 346 women
(345 if one rounds to nearest instead, which falls just short of the 5 % margin).

The draw is reproducible: the population is sorted by payment-line id and shuffled by
Python's Mersenne Twister seeded with the stored seed; strata (commune or channel) get
seats in proportion to their size by the largest remainder and are drawn in code order.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

Z_SCORES: dict[int, Decimal] = {90: Decimal("1.645"), 95: Decimal("1.96"), 99: Decimal("2.576")}


def cochran_n0(*, confidence: int, margin: Decimal, p: Decimal = Decimal("0.5")) -> Decimal:
    """Sample size for an infinite population, exact in decimals."""
    z = Z_SCORES[confidence]
    return z * z * p * (1 - p) / (margin * margin)


def cochran_sample_size(
    *, population: int, confidence: int, margin: Decimal, p: Decimal = Decimal("0.5")
) -> tuple[Decimal, int]:
    """(n0 rounded to 2 decimals, n with the finite-population correction rounded up)."""
    if population <= 0:
        return Decimal("0.00"), 0
    n0 = cochran_n0(confidence=confidence, margin=margin, p=p)
    n = n0 / (1 + (n0 - 1) / population)
    size = int(n.to_integral_value(rounding=ROUND_CEILING))
    return n0.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), min(size, population)


def _allocate(size: int, strata: dict[str, int]) -> dict[str, int]:
    total = sum(strata.values())
    seats = {key: size * count // total for key, count in strata.items()}
    left = size - sum(seats.values())
    order = sorted(strata, key=lambda k: (-(size * strata[k] % total), -strata[k], k))
    for key in order[:left]:
        seats[key] += 1
    return seats


def draw(population: list[tuple[int, str]], *, size: int, seed: int, stratified: bool) -> list:
    """Pick `size` (id, stratum) pairs reproducibly from `population`."""
    ordered = sorted(population)
    rng = random.Random(seed)
    if not stratified:
        return sorted(rng.sample(ordered, min(size, len(ordered))))
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for item in ordered:
        groups[item[1]].append(item)
    seats = _allocate(min(size, len(ordered)), {k: len(v) for k, v in groups.items()})
    chosen: list[tuple[int, str]] = []
    for key in sorted(groups):
        chosen.extend(rng.sample(groups[key], seats[key]))
    return sorted(chosen)


def share_with_margin(
    *, successes: int, observed: int, population: int, confidence: int
) -> tuple[float, float] | None:
    """Observed share and its margin of error (normal approximation with the FPC)."""
    if observed == 0:
        return None
    share = successes / observed
    z = float(Z_SCORES[confidence])
    fpc = math.sqrt((population - observed) / (population - 1)) if population > 1 else 0.0
    margin = z * math.sqrt(share * (1 - share) / observed) * fpc
    return share, margin
