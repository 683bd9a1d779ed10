import pytest
from django.urls import reverse

from lotus.grants.models import Cycle, Grievance, PaymentLine
from lotus.grants.services.followup import grievance_create


def _login(client, user):
    client.force_login(user)


CYCLE_PAGES = [
    "grants:cycle_detail",
    "grants:cycle_criteria_history",
    "grants:candidate_list",
    "grants:payment_list",
    "grants:payment_print",
    "grants:reconciliation",
    "grants:verification",
    "grants:cycle_dashboard",
    "grants:followup",
    "grants:training_list",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", [*CYCLE_PAGES, "grants:cycle_criteria"])
def test_cycle_pages_render_for_manager(client, issued_cycle, central_manager, name):
    _login(client, central_manager)

    response = client.get(reverse(name, args=[issued_cycle.pk]))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", CYCLE_PAGES)
def test_cycle_pages_render_for_commune_officer(client, issued_cycle, commune_officer, name):
    _login(client, commune_officer)

    response = client.get(reverse(name, args=[issued_cycle.pk]))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["grants:cycle_detail", "grants:cycle_dashboard"])
def test_cycle_pages_render_for_analyst(client, issued_cycle, analyst, name):
    _login(client, analyst)

    assert client.get(reverse(name, args=[issued_cycle.pk])).status_code == 200


@pytest.mark.django_db
def test_analyst_cannot_list_women(client, issued_cycle, analyst):
    _login(client, analyst)

    response = client.get(reverse("grants:candidate_list", args=[issued_cycle.pk]))

    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name", CYCLE_PAGES)
def test_cycle_pages_404_outside_scope(client, issued_cycle, outsider_officer, name):
    _login(client, outsider_officer)

    response = client.get(reverse(name, args=[issued_cycle.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_criteria_editor_requires_manage_programmes(client, issued_cycle, commune_officer):
    _login(client, commune_officer)

    response = client.get(reverse("grants:cycle_criteria", args=[issued_cycle.pk]))

    assert response.status_code == 403


@pytest.mark.django_db
def test_home_pages_render(client, issued_cycle, central_manager):
    _login(client, central_manager)

    for name in ("grants:programme_list", "grants:grievance_list", "grants:overpayment_list",
                 "grants:grievance_create", "grants:programme_create"):  # fmt: skip
        assert client.get(reverse(name)).status_code == 200, name
    assert (
        client.get(reverse("grants:programme_detail", args=[issued_cycle.programme_id])).status_code
        == 200
    )


@pytest.mark.django_db
def test_criteria_editor_htmx_returns_partial_with_counts(client, targeted_cycle, central_manager):
    _login(client, central_manager)
    data = {
        "op-": "all",
        "n": ["0"],
        "kind-0": "cond",
        "fact-0": "sex",
        "cmp-0": "is",
        "value-0": "F",
        "action": "add_cond:",
        "quota_mode": "none",
    }

    response = client.post(
        reverse("grants:cycle_criteria", args=[targeted_cycle.pk]), data, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="preview-total">3<' in html
    assert html.count('name="kind-') == 2


@pytest.mark.django_db
def test_criteria_editor_save_creates_version(client, targeted_cycle, central_manager):
    _login(client, central_manager)
    data = {
        "op-": "all", "n": ["0"], "kind-0": "cond", "fact-0": "age", "cmp-0": "gte",
        "value-0": "40", "action": "save", "quota_mode": "none", "w_pregnant": "2",
    }  # fmt: skip

    response = client.post(reverse("grants:cycle_criteria", args=[targeted_cycle.pk]), data)

    assert response.status_code == 302
    targeted_cycle.refresh_from_db()
    assert targeted_cycle.criteria["items"][0] == {"fact": "age", "cmp": "gte", "value": 40}
    assert targeted_cycle.weights == {"pregnant": 2}
    history = client.get(reverse("grants:cycle_criteria_history", args=[targeted_cycle.pk]))
    assert (
        "Age on the reference date" in history.content.decode()
        or "Tuổi" in history.content.decode()
    )


@pytest.mark.django_db
def test_explanation_page_says_why(client, targeted_cycle, central_manager):
    _login(client, central_manager)
    woman = targeted_cycle.women[0]

    response = client.get(reverse("grants:candidate_explain", args=[targeted_cycle.pk, woman.pk]))

    assert response.status_code == 200
    assert 'id="reason"' in response.content.decode()


@pytest.mark.django_db
def test_workflow_buttons_drive_the_cycle(client, targeted_cycle, central_manager, finance_officer):
    _login(client, central_manager)
    client.post(reverse("grants:cycle_transition", args=[targeted_cycle.pk, "lock"]))
    client.logout()
    _login(client, finance_officer)
    client.post(reverse("grants:cycle_transition", args=[targeted_cycle.pk, "approve"]))

    targeted_cycle.refresh_from_db()
    assert targeted_cycle.status == Cycle.Status.APPROVED


@pytest.mark.django_db
def test_export_shows_password_once_and_downloads(client, issued_cycle, central_manager):
    _login(client, central_manager)
    batch = issued_cycle.batches.get()

    response = client.post(
        reverse("grants:payment_export", args=[issued_cycle.pk]),
        {"batch": batch.pk, "channel": "bank", "fmt": "csv_zip"},
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    export = response.context["export"]
    download = client.get(reverse("grants:payment_export_download", args=[export.pk]))
    assert download["Content-Type"] == "application/zip"


@pytest.mark.django_db
def test_reconciliation_upload_reports_unmatched(client, issued_cycle, central_manager):
    _login(client, central_manager)
    ref = PaymentLine.objects.filter(cycle=issued_cycle).first().reference
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "r.csv", f"reference,status\n{ref},paid\nLT0000000000000,paid\n".encode()
    )

    response = client.post(
        reverse("grants:reconciliation", args=[issued_cycle.pk]), {"file": upload}, follow=True
    )

    assert response.status_code == 200
    assert "LT0000000000000" in response.content.decode()


@pytest.mark.django_db
def test_abuse_grievance_hidden_without_safeguarding(
    client, issued_cycle, commune_officer, case_worker, commune_a
):
    grievance = grievance_create(
        actor=commune_officer,
        cycle=issued_cycle,
        commune=commune_a,
        data={"channel": "hotline", "category": Grievance.Category.ABUSE, "description": "x"},
    )
    _login(client, commune_officer)
    assert client.get(reverse("grants:grievance_detail", args=[grievance.pk])).status_code == 404
    client.logout()
    _login(client, case_worker)

    assert client.get(reverse("grants:grievance_detail", args=[grievance.pk])).status_code == 200
