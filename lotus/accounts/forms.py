from django import forms
from django.utils.translation import gettext_lazy as _

from lotus.accounts.models import Branch
from lotus.accounts.roles import Role
from lotus.accounts.selectors import Scope
from lotus.geo.models import Commune


class UserCreateForm(forms.Form):
    username = forms.SlugField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150)
    last_name = forms.CharField(label=_("Family name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"))
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.none(),
        required=False,
        help_text=_("For commune accounts."),
    )
    branch = forms.ModelChoiceField(
        label=_("Other branch"),
        queryset=Branch.objects.none(),
        required=False,
        help_text=_("For central and province accounts."),
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=8)

    def __init__(self, *args, scope: Scope, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
        communes = Commune.objects.select_related("province")
        if scope.everything:
            self.fields["branch"].queryset = Branch.objects.exclude(level=Branch.Level.COMMUNE)
        else:
            communes = communes.filter(province_id=scope.province_id)
            del self.fields["branch"]
        self.fields["commune"].queryset = communes

    def clean(self):
        data = super().clean()
        if not data.get("commune") and not data.get("branch"):
            self.add_error("commune", _("Choose the commune (or the branch) of this account."))
        return data


class UserUpdateForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    is_active = forms.BooleanField(label=_("Active"), required=False)
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Leave empty to keep the current password."),
    )

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
