"""Reads of the imports, scoped like the persons they create."""

from django.db.models import QuerySet

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability
from lotus.imports.models import ImportJob, ImportRow, MappingProfile

ISSUES_SHOWN = 50


def import_job_list(*, user: User) -> QuerySet[ImportJob]:
    """Jobs started from places inside the user's scope, newest first.

    A province officer sees her communes' jobs; a commune officer those of her commune; the
    central office all of them.

    Raises:
        PermissionDenied: the user may not create persons.
    """
    scope = require_capability(user, Capability.EDIT)
    jobs = ImportJob.objects.select_related("created_by", "mapping_profile")
    return scope.filter(jobs, province_field="province", commune_field="commune")


def import_job_issue_rows(*, job: ImportJob, limit: int = ISSUES_SHOWN) -> QuerySet[ImportRow]:
    """The first rows of a job that need fixing, in file order (the page shows a sample)."""
    return job.rows.order_by("row_number")[:limit]


def mapping_profile_list(*, user: User) -> QuerySet[MappingProfile]:
    """Saved column mappings, shared by every officer who imports.

    Raises:
        PermissionDenied: the user may not create persons.
    """
    require_capability(user, Capability.EDIT)
    return MappingProfile.objects.all()
