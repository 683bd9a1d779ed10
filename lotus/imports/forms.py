"""Forms of the import pages: the upload, and the column mapping."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lotus.imports.models import ColumnField, ImportJob, MappingProfile

ACCEPTED = ".csv,.txt,.xlsx,.xlsm,.json"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or Windows-1258), Excel XLSX, or a KoboToolbox/ODK JSON export."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
    )
    mapping_profile = forms.ModelChoiceField(
        label=_("Saved column mapping"),
        queryset=MappingProfile.objects.none(),
        required=False,
        empty_label=_("Recognise the headers"),
    )
    source_id_column = forms.CharField(
        label=_("ID column"),
        required=False,
        max_length=200,
        help_text=_(
            "The header of the file's own record ID (e.g. “Mã”), so rows can be traced back "
            "and recognised when the file is imported again."
        ),
    )
    source = forms.CharField(
        label=_("Source name"),
        required=False,
        max_length=100,
        help_text=_("Recorded on every person; the file name when left empty."),
    )

    def __init__(self, *args, profiles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if profiles is not None:
            self.fields["mapping_profile"].queryset = profiles


class MappingForm(forms.Form):
    """One choice per column of the file, plus an optional name to save the mapping under."""

    profile_name = forms.CharField(
        label=_("Save this mapping as"),
        required=False,
        max_length=100,
        help_text=_("Give a name to choose it again for the next file of this kind."),
    )

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        for index, header in enumerate(job.headers):
            current = job.mapping[index] if index < len(job.mapping) else None
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("(no header)"),
                choices=ColumnField.choices,
                required=False,
                initial=current or "",
            )
            self.fields[f"column_{index}"].recognised = current is not None
        self.order_fields([f"column_{i}" for i in range(len(job.headers))] + ["profile_name"])

    def column_fields(self):
        return [self[f"column_{i}"] for i in range(len(self.job.headers))]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{i}", "") for i in range(len(self.job.headers))]
