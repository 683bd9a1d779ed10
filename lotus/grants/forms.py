"""Grants forms: input shape only; the services check the rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from lotus.accounts.models import Branch
from lotus.accounts.selectors import Scope
from lotus.geo.models import Commune, Province
from lotus.grants.criteria import FACTS, visible_categories
from lotus.grants.models import (
    Channel,
    Cycle,
    Grievance,
    LivelihoodSurvey,
    Overpayment,
    PaymentExport,
    PayoutAccount,
    Programme,
    Training,
    VerificationRecord,
    VerificationSample,
)


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, **kwargs):
        super().__init__(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}, **kwargs)


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "name", "lead_agency", "donors", "implementing_branches", "consent_purpose",
            "starts_on", "ends_on", "second_approval_above",
        ]  # fmt: skip
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        branches = Branch.objects.exclude(level=Branch.Level.COMMUNE)
        if not scope.everything:
            branches = branches.filter(province_id=scope.province_id)
        self.fields["implementing_branches"].queryset = branches
        self.fields["implementing_branches"].widget.attrs["size"] = 6


class CycleForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = [
            "name", "amount_per_person", "budget", "grant_count", "provinces", "communes",
            "reference_date", "default_channel",
        ]  # fmt: skip
        widgets = {"reference_date": DateInput()}

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        provinces = Province.objects.all()
        if not scope.everything:
            provinces = provinces.filter(pk=scope.province_id)
        self.fields["provinces"].queryset = provinces
        communes = Commune.objects.select_related("province")
        chosen = self.data.getlist("provinces") if self.is_bound else None
        if chosen:
            communes = communes.filter(province_id__in=[c for c in chosen if c.isdigit()])
        elif self.instance.pk:
            communes = communes.filter(province__in=self.instance.provinces.all())
        else:
            communes = communes.filter(province__in=provinces)
        self.fields["communes"].queryset = communes
        self.fields["provinces"].widget.attrs["size"] = 6
        self.fields["communes"].widget.attrs["size"] = 8


class WeightsForm(forms.Form):
    """One whole-number weight per vulnerability category (restricted ones when allowed)."""

    quota_mode = forms.ChoiceField(label=_("Quotas"), choices=Cycle.QuotaMode.choices)

    def __init__(self, *args, cycle: Cycle, allow_restricted: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = visible_categories(allow_restricted)
        for key in self.categories:
            self.fields[f"w_{key}"] = forms.IntegerField(
                label=FACTS[key].label,
                min_value=0,
                max_value=100,
                initial=(cycle.weights or {}).get(key, 0),
                required=False,
            )
        self.fields["quota_mode"].initial = cycle.quota_mode
        quotas = {q.province_id: q.quota for q in cycle.quotas.all()}
        self.provinces = list(cycle.provinces.order_by("name_folded"))
        for province in self.provinces:
            self.fields[f"q_{province.pk}"] = forms.IntegerField(
                label=province.name,
                min_value=0,
                required=False,
                initial=quotas.get(province.pk, 0),
            )
        self.hidden_weights = {
            k: w for k, w in (cycle.weights or {}).items() if k not in self.categories
        }

    def weight_fields(self):
        return [self[f"w_{key}"] for key in self.categories]

    def quota_fields(self):
        return [self[f"q_{p.pk}"] for p in self.provinces]

    def weights(self) -> dict[str, int]:
        data = {k: self.cleaned_data.get(f"w_{k}") or 0 for k in self.categories}
        return {**self.hidden_weights, **data}

    def manual_quotas(self) -> dict[int, int]:
        return {p.pk: self.cleaned_data.get(f"q_{p.pk}") or 0 for p in self.provinces}


class ExportForm(forms.Form):
    batch = forms.IntegerField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    fmt = forms.ChoiceField(label=_("Format"), choices=PaymentExport.Format.choices)


class ResultFileForm(forms.Form):
    file = forms.FileField(
        label=_("Result file from the bank, post office or wallet (CSV or XLSX)"),
        help_text=_("Columns: reference, status (paid / failed); optional amount, date, note."),
    )

    MAX_BYTES = 50 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class SampleForm(forms.Form):
    confidence = forms.TypedChoiceField(
        label=_("Confidence level"),
        choices=[(90, "90 %"), (95, "95 %"), (99, "99 %")],
        coerce=int,
        initial=95,
    )
    margin_pct = forms.DecimalField(
        label=_("Margin of error (%)"),
        min_value=Decimal("0.5"),
        max_value=Decimal("20"),
        decimal_places=1,
        initial=Decimal("5"),
    )
    stratify_by = forms.ChoiceField(
        label=_("Strata"), choices=VerificationSample.Stratify.choices, initial="none"
    )


class VerificationRecordForm(forms.ModelForm):
    class Meta:
        model = VerificationRecord
        fields = ["outcome", "problem", "checked_on"]
        widgets = {"checked_on": DateInput()}


class PayoutAccountForm(forms.ModelForm):
    class Meta:
        model = PayoutAccount
        fields = ["channel", "provider", "account_number", "holder_name"]


class GrievanceForm(forms.ModelForm):
    class Meta:
        model = Grievance
        fields = [
            "cycle", "channel", "category", "complainant", "commune", "description",
            "received_on",
        ]  # fmt: skip
        widgets = {"received_on": DateInput(), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, cycles, communes, can_safeguard: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = cycles
        self.fields["commune"].queryset = communes
        self.fields["commune"].required = True
        if not can_safeguard:
            # Anyone may receive an abuse complaint; only safeguarding may read it after.
            self.fields["category"].help_text = _(
                "Abuse or exploitation goes straight to the safeguarding officers; you will "
                "not see it in your lists afterwards."
            )


class GrievanceUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Grievance.Status.choices)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    resolution = forms.CharField(
        label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees


class OverpaymentForm(forms.ModelForm):
    class Meta:
        model = Overpayment
        fields = ["status", "note"]


class SurveyForm(forms.ModelForm):
    person = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = LivelihoodSurvey
        fields = [
            "kind", "surveyed_on", "monthly_income", "activity", "training_received", "note",
        ]  # fmt: skip
        widgets = {"surveyed_on": DateInput()}


class TrainingForm(forms.ModelForm):
    class Meta:
        model = Training
        fields = ["title", "topic", "held_on", "commune"]
        widgets = {"held_on": DateInput()}

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        self.fields["commune"].required = True


class AttendanceForm(forms.Form):
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attended"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = persons
