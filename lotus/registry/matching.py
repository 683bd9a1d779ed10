"""Finding whether a person being entered is already in the registry.

The registry does not know how duplicates are scored; the deduplication app registers a
finder here (in its AppConfig.ready) and the registry's forms ask it before saving.
"""

from collections.abc import Callable
from typing import Any

from lotus.accounts.models import User
from lotus.registry.models import Person

MatchFinder = Callable[..., list[tuple[Person, float]]]
_finders: list[MatchFinder] = []


def register_match_finder(finder: MatchFinder) -> None:
    """Add a finder called as finder(user=..., full_name=..., birth_date=..., …)."""
    if finder not in _finders:
        _finders.append(finder)


def likely_existing_matches(
    *, user: User, person_data: dict[str, Any]
) -> list[tuple[Person, float]]:
    """Persons the user may read who are probably the one in `person_data`, likeliest first."""
    query = {
        key: person_data.get(key)
        for key in ("full_name", "birth_date", "birth_year", "commune", "province", "sex")
    }
    for key in ("cccd", "cmnd", "phone"):
        query[key] = person_data.get(key) or ""
    found: dict[int, tuple[Person, float]] = {}
    for finder in _finders:
        for person, probability in finder(user=user, **query):
            if probability > found.get(person.pk, (person, -1.0))[1]:
                found[person.pk] = (person, probability)
    return sorted(found.values(), key=lambda pair: -pair[1])
