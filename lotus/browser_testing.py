"""Pytest plugin for tests that drive a real browser against the live server.

Registered from the root conftest.py. A test asks for `page` and gets a Playwright page
in headless Debian Chromium (`/usr/bin/chromium`, installed by `scripts/ensure-chromium`;
Playwright's own browser download is never used), phone-sized and in Vietnamese, whose
relative URLs go to pytest-django's `live_server`:

    def test_login_page_renders(page, live_server):
        page.goto("/accounts/login/")

Such tests get `transactional_db` through the fixture and the `browser` marker
automatically (`pytest -m "not browser"` leaves them out). The live server's database is
emptied after each of them, so each test creates the places and people it needs itself.
`console_messages` collects what the page printed; `csp_violations()` picks out the
Content-Security-Policy refusals. `login()` signs a user in through the real form.
"""

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import Page, sync_playwright

CHROMIUM_PATH = os.environ.get("LOTUS_CHROMIUM", "/usr/bin/chromium")
# Root (CI) cannot use Chromium's sandbox; the rest keeps a headless browser from reaching
# out to Google's services, which this machine's closed network refuses noisily.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
LOCALE = "vi-VN"
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the browser `page` so it can be selected or left out."""
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def console_messages() -> list[str]:
    """What the browser page printed, as 'type: text' lines (page errors as 'pageerror')."""
    return []


@pytest.fixture
def page(
    transactional_db: None,
    live_server,
    console_messages: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Page]:
    """A phone-sized Vietnamese Chromium page whose base URL is the live server."""
    if not os.access(CHROMIUM_PATH, os.X_OK):
        pytest.fail(f"{CHROMIUM_PATH} is missing: run scripts/ensure-chromium (make test does)")
    # Playwright's sync API keeps an asyncio loop running in this thread, so Django would
    # refuse ORM calls made by the test while the browser is open. Only these tests need it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport=PHONE_VIEWPORT, locale=LOCALE, base_url=live_server.url
        )
        context.set_default_timeout(TIMEOUT_MS)
        browser_page = context.new_page()
        browser_page.on("console", lambda msg: console_messages.append(f"{msg.type}: {msg.text}"))
        browser_page.on("pageerror", lambda exc: console_messages.append(f"pageerror: {exc}"))
        try:
            yield browser_page
        finally:
            # While Playwright's loop runs, the test's ORM calls get a connection of their
            # own context, which pytest-django would not close: PostgreSQL then refuses to
            # drop the test database at the end ("accessed by other users").
            connections.close_all()
            context.close()
            browser.close()


def csp_violations(messages: list[str]) -> list[str]:
    """The console lines in which Chromium reports a Content-Security-Policy refusal."""
    return [line for line in messages if "Content Security Policy" in line]


def login(page: Page, live_server, username: str, password: str | None = None) -> None:
    """Sign in through the login form and wait until the site has let the user in.

    `password` defaults to the one the account factories give every user.

    Raises:
        AssertionError: the site kept the browser on the login page (shows what it said).
    """
    if password is None:
        from lotus.accounts.tests.factories import PASSWORD

        password = PASSWORD
    login_path = reverse("accounts:login")
    page.goto(live_server.url + login_path)
    form = page.locator("form").filter(has=page.locator("input[name='password']"))
    form.locator("input[name='username']").fill(username)
    form.locator("input[name='password']").fill(password)
    with page.expect_navigation():
        form.locator("[type='submit']").click()
    if urlsplit(page.url).path == login_path:
        raise AssertionError(
            f"login as {username!r} failed; the page says: {page.locator('main').inner_text()}"
        )
