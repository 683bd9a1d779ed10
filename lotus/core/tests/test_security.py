import pytest
from django.urls import reverse

from lotus.accounts.tests.factories import PASSWORD


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_pages_load_no_inline_script(client, commune_officer):
    client.force_login(commune_officer)
    body = client.get(reverse("registry:person_list")).content.decode()
    assert "<script>" not in body and " style=" not in body and "hx-on" not in body


@pytest.mark.django_db
def test_htmx_is_served_by_lotus_itself(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'src="/static/django_htmx/htmx' in body


@pytest.mark.django_db
def test_login_is_locked_after_repeated_failures(client, commune_officer, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "officer_a", "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": "officer_a", "password": PASSWORD}
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_login_succeeds_below_the_failure_limit(client, commune_officer):
    client.post(reverse("accounts:login"), {"username": "officer_a", "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": "officer_a", "password": PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_vietnamese_is_the_default_language(client):
    assert "Đăng nhập" in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_english_can_be_chosen(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log in to Lotus" in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_htmx_is_configured_without_inline_indicator_styles(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert '"includeIndicatorStyles": false' in body
