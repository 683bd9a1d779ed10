import datetime as dt

import pytest
from django import forms
from django.utils import translation

from lotus.accounts.selectors import scope_for
from lotus.registry.forms import PersonForm


def _form(user, place, **overrides):
    data = {
        "full_name": "Phạm Thị Hạnh",
        "birth_date": "03/04/1990",
        "sex": "F",
        "province": place.province.pk,
        "commune": place.pk,
    } | overrides
    return PersonForm(data, scope=scope_for(user))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_date_field_reads_dates_day_first_in_both_languages(language):
    with translation.override(language):
        assert forms.DateField().clean("03/04/1990") == dt.date(1990, 4, 3)


@pytest.mark.django_db
def test_person_form_reads_the_birth_date_day_first(commune_officer, commune_a):
    form = _form(commune_officer, commune_a)
    assert form.is_valid(), form.errors
    assert form.person_data()["birth_date"] == dt.date(1990, 4, 3)


@pytest.mark.django_db
def test_person_form_accepts_a_year_alone(commune_officer, commune_a):
    form = _form(commune_officer, commune_a, birth_date="1962")
    assert form.is_valid(), form.errors
    data = form.person_data()
    assert (data["birth_date"], data["birth_year"], data["birth_date_precision"]) == (
        None,
        1962,
        "year",
    )


@pytest.mark.django_db
def test_person_form_names_the_cccd_field_and_reason_in_english(commune_officer, commune_a):
    with translation.override("en"):
        form = _form(commune_officer, commune_a, cccd="082090123456")
        assert not form.is_valid()
        assert form.errors["cccd"] == [
            "The 4th digit (0) does not match the sex and century of birth (expected 1)."
        ]


@pytest.mark.django_db
def test_person_form_names_the_cccd_field_and_reason_in_vietnamese(commune_officer, commune_a):
    with translation.override("vi"):
        form = _form(commune_officer, commune_a, cccd="082090123456")
        assert not form.is_valid()
        assert form.errors["cccd"] == [
            "Chữ số thứ 4 (0) không khớp với giới tính và thế kỷ sinh (phải là 1)."
        ]


@pytest.mark.django_db
def test_person_form_reports_an_impossible_date_on_its_field(commune_officer, commune_a):
    with translation.override("vi"):
        form = _form(commune_officer, commune_a, birth_date="31/02/1990")
        assert not form.is_valid()
        assert form.errors["birth_date"] == ["Ngày này không tồn tại."]


@pytest.mark.django_db
def test_person_form_reports_an_invalid_phone_on_its_field(commune_officer, commune_a):
    with translation.override("en"):
        form = _form(commune_officer, commune_a, phone="12345")
        assert not form.is_valid()
        assert form.errors["phone"] == ["Not a valid Vietnamese phone number."]


@pytest.mark.django_db
def test_person_form_stores_the_phone_as_e164(commune_officer, commune_a):
    form = _form(commune_officer, commune_a, phone="0168 234 5678")
    assert form.is_valid(), form.errors
    assert form.person_data()["phone"] == "+84382345678"


@pytest.mark.django_db
def test_person_form_offers_only_the_officers_commune(commune_officer, commune_a, commune_a2):
    form = PersonForm(scope=scope_for(commune_officer))
    assert list(form.fields["commune"].queryset) == [commune_a]


@pytest.mark.django_db
def test_person_form_refuses_a_commune_outside_scope(commune_officer, commune_a, commune_a2):
    form = _form(commune_officer, commune_a2)
    assert not form.is_valid()
    assert "commune" in form.errors


@pytest.mark.django_db
def test_person_form_places_an_old_address_in_todays_commune(central_manager):
    from lotus.geo.models import CommuneSuccession
    from lotus.geo.tests.factories import load_small_geography

    load_small_geography()
    succession = (
        CommuneSuccession.objects.filter(legacy_commune__name="Xã Song Thuận")
        .select_related("legacy_commune__district__province", "commune")
        .get()
    )
    old = succession.legacy_commune
    address = f"{old.name}, {old.district.name}, {old.district.province.name}"
    form = _form(central_manager, succession.commune, commune="", address_text=address)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["commune"] == succession.commune


@pytest.mark.django_db
def test_person_form_asks_to_choose_when_the_old_commune_was_split(central_manager):
    from django.db.models import Count

    from lotus.geo.models import LegacyCommune
    from lotus.geo.tests.factories import load_small_geography

    load_small_geography()
    split = (
        LegacyCommune.objects.annotate(n=Count("successions"))
        .filter(n__gt=1)
        .select_related("district__province")
        .order_by("code")
        .first()
    )
    address = f"{split.name}, {split.district.name}, {split.district.province.name}"
    successors = list(split.successors.all())
    form = _form(central_manager, successors[0], commune="", address_text=address)
    assert not form.is_valid()
    assert {c.pk for c in form.candidates} == {c.pk for c in successors}
    assert all(c.name in form.errors["commune"][0] for c in successors)
