"""An officer imports the sample list in a real browser (headless Chromium, phone-sized)."""

from pathlib import Path

from playwright.sync_api import expect

from lotus.accounts.roles import Role
from lotus.accounts.tests.factories import ProvinceBranchFactory, UserFactory
from lotus.browser_testing import csp_violations, login
from lotus.geo.models import Province
from lotus.geo.tests.factories import load_small_geography

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "danh-sach-hoi-vien-mau.csv"


def test_officer_imports_the_sample_list_and_downloads_the_rows_to_fix(
    page, live_server, console_messages, settings, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path
    load_small_geography()
    UserFactory(
        username="tinh_officer",
        role=Role.PROVINCE_OFFICER,
        branch=ProvinceBranchFactory(province=Province.objects.get(code="82")),
    )

    login(page, live_server, "tinh_officer")
    page.goto("/")
    page.get_by_role("link", name="Nhập dữ liệu").click()
    page.get_by_role("link", name="Nhập một tệp").click()
    page.get_by_label("Tệp").set_input_files(SAMPLE)
    page.get_by_label("Cột mã").fill("Mã")
    page.get_by_role("button", name="Tải lên").click()

    progress = page.locator("#job-progress")
    expect(progress.get_by_role("heading", name="Hoàn tất")).to_be_visible()
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    expect(progress).to_contain_text("Không có họ tên")
    expect(progress).to_contain_text("nằm ngoài phạm vi")
    with page.expect_download() as download:
        progress.get_by_role("link", name="Tải các dòng cần sửa (XLSX)").click()
    assert download.value.suggested_filename == "danh-sach-hoi-vien-mau.errors.xlsx"
    assert csp_violations(console_messages) == []
