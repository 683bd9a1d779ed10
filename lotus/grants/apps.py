from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "lotus.grants"
    label = "grants"
    verbose_name = _("Cash grants")

    def ready(self) -> None:
        from lotus.accounts.roles import Capability
        from lotus.grants import merging_hooks
        from lotus.grants.models import (
            Candidate,
            Grievance,
            LivelihoodSurvey,
            Overpayment,
            PaymentLine,
            PayoutAccount,
        )
        from lotus.registry.merging import ignore_person_reference, register_person_reference
        from lotus.registry.person_links import register_person_link

        # The person page links to her payout account for roles that may edit persons.
        register_person_link(
            label=_("Payout account"),
            url_name="grants:payout_account_edit",
            capability=Capability.EDIT,
        )

        register_person_reference(
            PaymentLine,
            "person",
            on_merge=merging_hooks.payments_on_merge,
            on_unmerge=merging_hooks.payments_on_unmerge,
        )
        register_person_reference(
            PayoutAccount, "person", on_merge=merging_hooks.payout_account_on_merge
        )
        register_person_reference(Grievance, "person")
        register_person_reference(
            LivelihoodSurvey, "person", on_merge=merging_hooks.surveys_on_merge
        )
        ignore_person_reference(
            Candidate, "person", reason="a targeting run's result, kept as it was computed"
        )
        ignore_person_reference(
            Overpayment, "duplicate", reason="names the record that was paid twice"
        )
        ignore_person_reference(Overpayment, "kept", reason="names the record that was kept")
