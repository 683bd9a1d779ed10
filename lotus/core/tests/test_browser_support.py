"""The test machinery itself: the database the suite runs on, and the browser fixtures."""

import os

import pytest
from django.db import connection
from django.urls import reverse

from lotus.accounts.tests.factories import UserFactory
from lotus.browser_testing import PHONE_VIEWPORT, csp_violations, login


@pytest.mark.django_db
def test_database_vendor_follows_lotus_db():
    # `make test-postgres` sets LOTUS_DB=postgres: this proves the suite really ran there.
    expected = "postgresql" if os.environ.get("LOTUS_DB") == "postgres" else "sqlite"
    assert connection.vendor == expected


def test_csp_violations_picks_chromium_csp_refusals():
    messages = [
        "log: htmx loaded",
        "error: Executing inline script violates the following Content Security Policy "
        "directive 'script-src 'self''.",
    ]
    assert csp_violations(messages) == messages[1:]


@pytest.mark.browser
def test_browser_login_page_renders_in_vietnamese(page):
    page.goto(reverse("accounts:login"))
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("input[name='password']").is_visible()


@pytest.mark.browser
def test_browser_page_carries_csp_header(page):
    response = page.goto(reverse("accounts:login"))
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.browser
def test_browser_login_page_has_no_csp_violations(page, console_messages):
    page.goto(reverse("accounts:login"))
    page.wait_for_load_state("networkidle")
    assert csp_violations(console_messages) == []


@pytest.mark.browser
def test_browser_console_messages_catch_inline_script_under_csp(
    page, live_server, console_messages
):
    # Without this, the test above would pass just as well if violations went unrecorded.
    probe = f"{live_server.url}/csp-probe/"
    page.route(
        probe,
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Security-Policy": "script-src 'self'"},
            content_type="text/html",
            body="<!doctype html><title>probe</title><script>document.title = 'ran'</script>",
        ),
    )
    page.goto(probe)
    page.wait_for_load_state("load")
    assert page.title() == "probe"
    assert csp_violations(console_messages) != []


@pytest.mark.browser
def test_browser_login_page_fits_phone_width(page):
    page.goto(reverse("accounts:login"))
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_VIEWPORT["width"]


@pytest.mark.browser
def test_login_signs_user_in(page, live_server):
    user = UserFactory()
    login(page, live_server, user.username)
    assert page.locator("form.logout").count() == 1


@pytest.mark.browser
def test_login_raises_on_wrong_password(page, live_server):
    user = UserFactory()
    with pytest.raises(AssertionError, match="failed"):
        login(page, live_server, user.username, "not-the-password")
