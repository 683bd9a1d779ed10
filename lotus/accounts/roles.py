"""Roles and what each may do. README's role table is checked against ROLE_CAPABILITIES."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    SENSITIVE_PROGRAMME_MANAGER = (
        "sensitive_programme_manager",
        _("Programme manager (restricted facts)"),
    )
    PROVINCE_OFFICER = "province_officer", _("Province officer")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    CASE_WORKER = "case_worker", _("Case worker")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    ANALYST = "analyst", _("Analyst")


class Capability(models.TextChoices):
    READ = "read", _("Read persons")
    EDIT = "edit", _("Create and edit persons")
    APPROVE = "approve", _("Approve lists and payments")
    READ_SENSITIVE = "read_sensitive", _("Read restricted facts (HIV, GBV)")
    MANAGE_USERS = "manage_users", _("Manage user accounts")
    EXPORT = "export", _("Export personal data")
    AGGREGATES = "aggregates", _("See aggregate figures")
    SAFEGUARDING = "safeguarding", _("Handle abuse and exploitation complaints")
    MANAGE_PROGRAMMES = "manage_programmes", _("Run programmes and cycles")


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(
        {C.READ, C.EDIT, C.MANAGE_USERS, C.EXPORT, C.AGGREGATES, C.MANAGE_PROGRAMMES}
    ),
    Role.PROGRAMME_MANAGER: frozenset(
        {C.READ, C.EDIT, C.APPROVE, C.EXPORT, C.AGGREGATES, C.MANAGE_PROGRAMMES}
    ),
    # The one role that may target on HIV or GBV facts: a programme manager who may also read
    # them. Ordinary programme managers may not (least privilege).
    Role.SENSITIVE_PROGRAMME_MANAGER: frozenset(
        {C.READ, C.EDIT, C.APPROVE, C.READ_SENSITIVE, C.EXPORT, C.AGGREGATES, C.MANAGE_PROGRAMMES}
    ),
    Role.PROVINCE_OFFICER: frozenset({C.READ, C.EDIT, C.MANAGE_USERS, C.EXPORT, C.AGGREGATES}),
    Role.COMMUNE_OFFICER: frozenset({C.READ, C.EDIT, C.EXPORT, C.AGGREGATES}),
    Role.CASE_WORKER: frozenset({C.READ, C.EDIT, C.READ_SENSITIVE, C.SAFEGUARDING, C.AGGREGATES}),
    Role.FINANCE_OFFICER: frozenset({C.READ, C.APPROVE, C.EXPORT, C.AGGREGATES}),
    Role.ANALYST: frozenset({C.AGGREGATES}),
}


def capabilities_of(role: str) -> frozenset[str]:
    return ROLE_CAPABILITIES.get(role, frozenset())
