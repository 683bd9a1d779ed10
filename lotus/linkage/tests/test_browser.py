"""A reviewer merges two records in the browser, sees the merge, and undoes it."""

from lotus.browser_testing import csp_violations, login
from lotus.linkage.models import CandidatePair
from lotus.linkage.tests.factories import CandidatePairFactory
from lotus.registry.models import Person


def test_reviewer_merges_a_pair_and_undoes_it(
    page, live_server, commune_officer, commune_a, console_messages
):
    pair = CandidatePairFactory(person_l__commune=commune_a, person_r__full_name="Nguyen Thi Hoa")
    login(page, live_server, commune_officer.username)
    page.goto(f"{live_server.url}/duplicates/")
    page.get_by_role("link", name="97 %").click()
    page.get_by_label("Cùng một người").check()
    page.get_by_role("button", name="Lưu quyết định").click()
    page.wait_for_url("**/duplicates/")
    assert not Person.objects.filter(pk=pair.person_r_id).exists()
    page.goto(f"{live_server.url}/duplicates/merges/")
    page.screenshot(path="/tmp/lotus-merges.png", full_page=True)
    page.get_by_role("button", name="Hoàn tác").click()
    page.wait_for_url("**/duplicates/merges/")
    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.PENDING
    assert csp_violations(console_messages) == []
