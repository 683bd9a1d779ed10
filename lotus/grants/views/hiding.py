"""What the pages withhold from a role that may not read restricted facts (HIV, GBV).

When a cycle's criteria or weights use a restricted fact, a woman's score and her rank say
something about that fact (a higher place means she probably has it). Such a role then sees
whether each woman was selected and the reasons that use no restricted fact, never her
score, her rank, the list in rank order, or the restricted weights.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import QuerySet

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import scope_for
from lotus.grants.criteria import CATEGORIES, FACTS, uses_restricted
from lotus.grants.models import Candidate, Cycle
from lotus.grants.selectors import Explanation, VersionDiff


def ranking_hidden(*, user: User, cycle: Cycle) -> bool:
    """Whether `user` must not see ranks and scores of `cycle`.

    True when her role may not read restricted facts and either the last run or the
    current criteria and weights use one.
    """
    if scope_for(user).can(Capability.READ_SENSITIVE):
        return False
    return cycle.uses_restricted or uses_restricted(cycle.criteria, cycle.weights)


def candidates_for_display(candidates: QuerySet[Candidate], *, hidden: bool) -> QuerySet[Candidate]:
    """Rank order, or — when the ranking is hidden — by name, which tells nothing of it."""
    if hidden:
        return candidates.order_by("person__name_key", "person_id")
    return candidates


def explanation_for_display(explanation: Explanation, *, hidden: bool) -> Explanation:
    """The explanation without score, rank and quota when the ranking is hidden."""
    if not hidden:
        return explanation
    return replace(
        explanation, score=None, rank=None, rank_of=None, quota=None, hides_restricted=True
    )


def restricted_weight_labels() -> set[str]:
    return {str(FACTS[key].label) for key in CATEGORIES if FACTS[key].restricted}


def version_diffs_for_display(diffs: list[VersionDiff], *, user: User) -> list[VersionDiff]:
    """Criteria versions without the restricted weights, for a role that may not read them."""
    if scope_for(user).can(Capability.READ_SENSITIVE):
        return diffs
    hidden = restricted_weight_labels()
    return [replace(d, weights=[w for w in d.weights if w[0] not in hidden]) for d in diffs]
