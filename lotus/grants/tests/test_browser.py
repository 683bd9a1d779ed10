"""A programme manager runs a small cycle in the browser, from criteria to closed."""

import datetime as dt

import pytest
from django.urls import reverse

from lotus.accounts.roles import Role
from lotus.accounts.tests.factories import CentralBranchFactory, UserFactory
from lotus.browser_testing import csp_violations, login
from lotus.geo.tests.factories import CommuneFactory
from lotus.grants.models import Cycle, PaymentLine
from lotus.grants.tests.factories import CycleFactory, GrantConsentFactory, ProgrammeFactory
from lotus.registry.tests.factories import PersonFactory


def _step(page, cycle, action):
    page.locator(
        f"form[action='{reverse('grants:cycle_transition', args=[cycle.pk, action])}'] button"
    ).click()
    page.wait_for_load_state()


def _logout(page):
    page.locator("form.logout button").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_manager_runs_a_cycle_from_criteria_to_closed(page, live_server, console_messages):
    commune = CommuneFactory()
    central = CentralBranchFactory()
    manager = UserFactory(username="mgr", role=Role.PROGRAMME_MANAGER, branch=central)
    UserFactory(username="fin", role=Role.FINANCE_OFFICER, branch=central)
    women = [
        PersonFactory(commune=commune, birth_date=dt.date(1950 + 5 * i, 3, 1), is_pregnant=i == 3)
        for i in range(5)
    ]
    for woman in women[:4]:
        GrantConsentFactory(person=woman)
    PersonFactory(commune=commune, sex="M")
    cycle = CycleFactory(
        programme=ProgrammeFactory(created_by=manager),
        created_by=manager,
        provinces=[commune.province],
        grant_count=3,
    )

    login(page, live_server, "mgr")
    page.goto(reverse("grants:cycle_criteria", args=[cycle.pk]))
    # Add a condition (htmx re-renders the editor), make it "sex is female", watch the count.
    page.locator("button[value='add_cond:']").first.click()
    page.wait_for_selector("select[name='fact-0']")
    page.select_option("select[name='value-0']", "F")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelector('#preview-total').textContent.trim() === '5'")
    page.fill("input[name='w_pregnant']", "5")
    page.locator("input[name='w_pregnant']").press("Tab")
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name='w_pregnant']").input_value() == "5"
    page.locator("#save-criteria").click()
    page.wait_for_url(f"**{reverse('grants:cycle_detail', args=[cycle.pk])}")

    page.locator(f"form[action='{reverse('grants:cycle_run', args=[cycle.pk])}'] button").click()
    # Tasks run at once here (tests' conftest), so the run lands on its result: the women.
    page.wait_for_url(f"**{reverse('grants:candidate_list', args=[cycle.pk])}")
    page.goto(reverse("grants:cycle_detail", args=[cycle.pk]))
    fingerprint = page.locator("#fingerprint").inner_text()
    assert len(fingerprint) == 64
    _step(page, cycle, "lock")
    _logout(page)

    login(page, live_server, "fin")
    page.goto(reverse("grants:cycle_detail", args=[cycle.pk]))
    _step(page, cycle, "approve")
    _logout(page)

    login(page, live_server, "mgr")
    page.goto(reverse("grants:cycle_detail", args=[cycle.pk]))
    _step(page, cycle, "issue")
    page.goto(reverse("grants:payment_list", args=[cycle.pk]))
    page.select_option("select[name='channel']", "post_office")
    page.select_option("select[name='fmt']", "csv_zip")
    page.locator(
        f"form[action='{reverse('grants:payment_export', args=[cycle.pk])}'] button"
    ).first.click()
    assert len(page.locator("#export-password").inner_text().strip()) == 16

    references = list(PaymentLine.objects.filter(cycle=cycle).values_list("reference", flat=True))
    assert len(references) == 3
    content = "reference,status\n" + "".join(f"{r},paid\n" for r in references)
    page.goto(reverse("grants:reconciliation", args=[cycle.pk]))
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "ket-qua.csv", "mimeType": "text/csv", "buffer": content.encode()}],
    )
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector("#import-summary")

    page.goto(reverse("grants:cycle_detail", args=[cycle.pk]))
    _step(page, cycle, "reconciled")
    _step(page, cycle, "close")

    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CLOSED
    assert cycle.fingerprint == fingerprint
    assert cycle.total_paid == 3 * cycle.amount_per_person
    assert set(cycle.candidates.filter(selected=True).values_list("person_id", flat=True)) == {
        women[3].pk,
        women[0].pk,
        women[1].pk,
    }
    assert csp_violations(console_messages) == []
