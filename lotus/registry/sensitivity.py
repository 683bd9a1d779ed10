"""The one list of sensitive facts (Personal Data Protection Law 91/2025/QH15).

Restricted facts live in RestrictedFact, are never shown in lists or exports, are readable
only with the read_sensitive capability, and every read or change is written to AccessLog.
Sensitive facts are shown where the work needs them and left out of exports unless asked for.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RestrictedFactKind(models.TextChoices):
    HIV_STATUS = "hiv_status", _("Living with HIV")
    GBV_SURVIVOR = "gbv_survivor", _("Survivor of gender-based violence")


RESTRICTED_FACTS: frozenset[str] = frozenset(RestrictedFactKind.values)
SENSITIVE_FACTS: frozenset[str] = frozenset({"disability", "pregnancy", "ethnicity"})
# Person fields that carry the sensitive facts, left out of exports unless asked for.
SENSITIVE_PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "disability": (
        "wg_seeing",
        "wg_hearing",
        "wg_walking",
        "wg_cognition",
        "wg_selfcare",
        "wg_communication",
    ),
    "pregnancy": ("is_pregnant",),
    "ethnicity": ("ethnicity",),
}
