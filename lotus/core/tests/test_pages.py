"""Every page a demo user can reach renders for each role.

For each demo login the test follows every link from the home page, breadth first, and
expects each page to answer 200: a page linked for a role must work for that role.
"""

import re
from collections import Counter, deque

import pytest
from django.test import Client

from lotus.accounts.demo import DEMO_LOGINS, demo_users_create
from lotus.geo.tests.factories import load_small_geography
from lotus.registry.demo import demo_communes, generate_persons

LINK = re.compile(r'href="(/[^"#]*)"')
# Links that leave the page flow: downloads, language switch, the admin (its own app).
SKIPPED = re.compile(r"^/(static/|admin/|i18n/)|\.(csv|xlsx|zip)(\?|$)|/download|/export")
MAX_PAGES = 120
# Pages of one kind (person 1, person 2, …) render alike: two of each are enough.
PER_KIND = 2


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_small_geography()
        demo_users_create()
        generate_persons(count=150, seed=7, communes=demo_communes()[:4])
    yield
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", "--noinput", verbosity=0)


def _kind(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _crawl(client: Client) -> dict[str, int]:
    seen: dict[str, int] = {}
    kinds: Counter[str] = Counter()
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or kinds[_kind(path)] >= PER_KIND:
            continue
        kinds[_kind(path)] += 1
        response = client.get(path, follow=True)
        seen[path] = response.status_code
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for link in LINK.findall(response.content.decode()):
            link = link.replace("&amp;", "&")
            if not SKIPPED.search(link) and link not in seen and "page=" not in link:
                queue.append(link)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize("login", [d.username for d in DEMO_LOGINS])
def test_every_linked_page_renders_for_the_role(demo_site, login):
    from lotus.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=login))
    visited = _crawl(client)
    failures = {path: status for path, status in visited.items() if status != 200}
    assert failures == {}
    assert len(visited) > 1
