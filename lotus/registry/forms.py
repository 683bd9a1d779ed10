"""Registry forms: input shape, checked by the same validators as the bulk import."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lotus.accounts.selectors import Scope, communes_in_scope
from lotus.geo.models import Commune, Province
from lotus.geo.selectors import place_address
from lotus.registry import validators
from lotus.registry.ethnicities import ETHNIC_GROUPS
from lotus.registry.models import Consent, DifficultyLevel, Person, Sex
from lotus.registry.sensitivity import RestrictedFactKind

WG_CHOICES = [("", "—"), *DifficultyLevel.choices]


def _wg_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=WG_CHOICES, coerce=int, empty_value=None, required=False
    )


class PersonForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, help_text=_("Family name, middle name, given name.")
    )
    birth_date = forms.CharField(
        label=_("Date of birth"), max_length=20, help_text=_("dd/mm/yyyy, or the year alone.")
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.FEMALE)
    cccd = forms.CharField(label=_("Citizen ID (CCCD)"), max_length=20, required=False)
    cmnd = forms.CharField(label=_("Former ID card (CMND)"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    ethnicity = forms.ChoiceField(
        label=_("Ethnicity"), choices=[("", "—"), *ETHNIC_GROUPS], required=False
    )
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.none())
    commune = forms.ModelChoiceField(
        label=_("Commune / ward"), queryset=Commune.objects.none(), required=False
    )
    address_text = forms.CharField(
        label=_("Address as written"),
        max_length=300,
        required=False,
        help_text=_("Old addresses (before July 2025) are placed in today's commune."),
    )
    member_since = forms.DateField(label=_("Union member since"), required=False)
    is_pregnant = forms.BooleanField(label=_("Pregnant"), required=False)
    is_migrant_worker = forms.BooleanField(label=_("Migrant worker"), required=False)
    wg_seeing = _wg_field(_("Difficulty seeing, even with glasses"))
    wg_hearing = _wg_field(_("Difficulty hearing, even with a hearing aid"))
    wg_walking = _wg_field(_("Difficulty walking or climbing steps"))
    wg_cognition = _wg_field(_("Difficulty remembering or concentrating"))
    wg_selfcare = _wg_field(_("Difficulty with self-care"))
    wg_communication = _wg_field(_("Difficulty communicating"))
    monthly_income = forms.IntegerField(
        label=_("Monthly income (VND)"), min_value=0, required=False
    )

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        provinces = self._scoped_provinces(scope)
        self.fields["province"].queryset = provinces
        if provinces.count() == 1:
            self.fields["province"].initial = provinces.first()
        # Offer only the chosen province's communes: all 3,321 would be heavy on a phone.
        communes = communes_in_scope(scope)
        province = self.data.get("province") or self.initial.get("province")
        province = province or self.fields["province"].initial
        province_id = getattr(province, "pk", province)
        if str(province_id or "").isdigit():
            communes = communes.filter(province_id=int(province_id))
        elif scope.everything:
            communes = communes.none()
        self.fields["commune"].queryset = communes
        self.candidates: list[Commune] = []

    @staticmethod
    def _scoped_provinces(scope: Scope):
        if scope.everything:
            return Province.objects.all()
        return Province.objects.filter(pk=scope.province_id)

    def clean_full_name(self) -> validators.NameParts:
        return validators.clean_full_name(self.cleaned_data["full_name"])

    def clean_birth_date(self) -> validators.BirthDate:
        return validators.clean_birth_date(self.cleaned_data["birth_date"])

    def clean_cmnd(self) -> str:
        value = self.cleaned_data["cmnd"]
        return validators.clean_cmnd(value) if value else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"]
        return validators.clean_phone(value) if value else ""

    def clean(self):
        data = super().clean()
        self._clean_cccd(data)
        self._clean_place(data)
        return data

    def _clean_cccd(self, data: dict) -> None:
        birth, sex, cccd = data.get("birth_date"), data.get("sex"), data.get("cccd")
        if not cccd:
            return
        try:
            data["cccd"] = validators.clean_cccd(
                cccd, sex=sex, birth_year=birth.year if birth else None
            )
        except ValidationError as exc:
            self.add_error("cccd", exc)

    def _clean_place(self, data: dict) -> None:
        province, commune = data.get("province"), data.get("commune")
        if commune is not None:
            if province is not None and commune.province_id != province.pk:
                self.add_error("commune", _("This commune is not in the chosen province."))
            return
        address = data.get("address_text", "")
        if not address:
            self.add_error("commune", _("Choose the commune, or write the address."))
            return
        placement = place_address(address, province_hint=province.name if province else "")
        if placement.commune is not None and placement.commune in self.fields["commune"].queryset:
            data["commune"] = placement.commune
        elif placement.candidates:
            self.candidates = list(placement.candidates)
            names = ", ".join(c.name for c in self.candidates)
            self.add_error(
                "commune",
                _("This former commune was split among %(names)s: choose one.") % {"names": names},
            )
        else:
            self.add_error("commune", _("This address could not be placed: choose the commune."))

    def person_data(self) -> dict:
        """The cleaned fields in the shape registry services take."""
        data = self.cleaned_data
        name, birth = data["full_name"], data["birth_date"]
        person_fields = {
            "full_name": name.full_name,
            "family_name": name.family_name,
            "middle_name": name.middle_name,
            "given_name": name.given_name,
            "birth_date": birth.date,
            "birth_year": birth.year,
            "birth_date_precision": birth.precision,
            "cccd_verified": bool(data["cccd"]),
            "phone_verified": bool(data["phone"]),
        }
        for field in (
            "sex", "cccd", "cmnd", "phone", "ethnicity", "province", "commune", "address_text",
            "member_since", "is_pregnant", "is_migrant_worker", "wg_seeing", "wg_hearing",
            "wg_walking", "wg_cognition", "wg_selfcare", "wg_communication", "monthly_income",
        ):  # fmt: skip
            person_fields[field] = data.get(field)
        return person_fields

    @classmethod
    def initial_for(cls, person: Person) -> dict:
        initial = {
            field: getattr(person, field)
            for field in cls.base_fields
            if hasattr(person, field) and field not in ("birth_date", "full_name")
        }
        initial["full_name"] = person.full_name
        initial["birth_date"] = (
            person.birth_date.strftime("%d/%m/%Y") if person.birth_date else str(person.birth_year)
        )
        return initial


class ConsentForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=100, initial="registry")
    given_on = forms.DateField(label=_("Date given"), initial=dt.date.today)
    method = forms.ChoiceField(label=_("How given"), choices=Consent.Method.choices)
    text_version = forms.CharField(label=_("Consent text version"), max_length=40)


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Date withdrawn"), initial=dt.date.today)


class RestrictedFactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Fact"), choices=RestrictedFactKind.choices)
    present = forms.BooleanField(label=_("Present"), required=False)


class HouseholdMemberForm(forms.Form):
    person_id = forms.IntegerField(label=_("Person number"))
    relationship = forms.ChoiceField(
        label=_("Relationship to head"),
        choices=[c for c in Person.Relationship.choices if c[0] != Person.Relationship.HEAD],
    )


class DeceasedForm(forms.Form):
    deceased_on = forms.DateField(label=_("Date of death"))
