"""A commune officer's day in a real browser (headless Chromium, phone-sized, Vietnamese)."""

import re

from playwright.sync_api import expect

from lotus.accounts.roles import Role
from lotus.accounts.tests.factories import CommuneBranchFactory, UserFactory
from lotus.browser_testing import csp_violations, login
from lotus.geo.models import Commune
from lotus.geo.tests.factories import load_small_geography
from lotus.registry.tests.factories import PersonFactory


def test_commune_officer_searches_without_tone_marks_and_sees_a_cccd_error_in_vietnamese(
    page, live_server, console_messages
):
    load_small_geography()
    commune = Commune.objects.filter(province__code="82").order_by("code").first()
    UserFactory(
        username="xa_officer",
        role=Role.COMMUNE_OFFICER,
        branch=CommuneBranchFactory(commune=commune),
    )
    hoa = PersonFactory(commune=commune, family_name="Nguyễn", middle_name="Thị", given_name="Hoa")
    PersonFactory(commune=commune, family_name="Trần", middle_name="Thị", given_name="Lan")

    login(page, live_server, "xa_officer")
    page.goto("/registry/")
    page.get_by_role("searchbox").fill("nguyen thi hoa")
    results = page.locator("#person-results")
    expect(results.get_by_role("link", name="Nguyễn Thị Hoa")).to_be_visible()
    expect(results.get_by_role("link", name="Trần Thị Lan")).to_have_count(0)

    results.get_by_role("link", name="Nguyễn Thị Hoa").click()
    expect(page.get_by_role("heading", name="Nguyễn Thị Hoa")).to_be_visible()
    page.get_by_role("link", name="Sửa", exact=True).click()
    page.get_by_label("Số CCCD").fill("082090123456")
    page.get_by_role("button", name="Lưu").click()

    error = page.locator("#field-cccd .errorlist")
    expect(error).to_contain_text(re.compile("Chữ số thứ 4 .* không khớp với giới tính"))
    hoa.refresh_from_db()
    assert hoa.cccd != "082090123456"
    assert csp_violations(console_messages) == []
