"""Links other apps add to the registry's person page.

The registry imports no domain app. An app that keeps something about a person (the cash
grants keep her payout account) registers a link here in its AppConfig.ready, and the person
page shows the links its viewer may use: the viewer's role must hold the link's capability.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from lotus.accounts.models import User
from lotus.accounts.selectors import scope_for
from lotus.registry.models import Person


@dataclass(frozen=True)
class PersonLink:
    """A link on the person page: `url_name` takes the person's id as its only argument."""

    label: str | Promise
    url_name: str
    capability: str


_LINKS: dict[str, PersonLink] = {}


def register_person_link(*, label: str | Promise, url_name: str, capability: str) -> None:
    """Show a link to `url_name` on the person page to roles holding `capability`.

    Registering the same url name again replaces the earlier link.
    """
    _LINKS[url_name] = PersonLink(label=label, url_name=url_name, capability=capability)


def person_links(*, user: User, person: Person) -> list[tuple[str, str]]:
    """(label, url) of each registered link the user may use, in the order registered."""
    scope = scope_for(user)
    return [
        (str(link.label), reverse(link.url_name, args=[person.pk]))
        for link in _LINKS.values()
        if scope.can(link.capability)
    ]
