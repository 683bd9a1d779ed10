from django import forms
from django.utils.translation import gettext_lazy as _

from lotus.linkage.models import ReviewDecision


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ReviewDecision.Decision.choices, widget=forms.RadioSelect
    )
    survivor = forms.TypedChoiceField(
        label=_("Record to keep"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        help_text=_("Its history is kept; the other record's links move to it."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, pair, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [
            (pair.person_l_id, _("Left (#%(pk)s)") % {"pk": pair.person_l_id}),
            (pair.person_r_id, _("Right (#%(pk)s)") % {"pk": pair.person_r_id}),
        ]
        self.fields["survivor"].initial = pair.person_l_id
