from django.contrib import admin

from lotus.accounts.admin import ScopedAdminMixin
from lotus.imports.models import ImportJob, MappingProfile


@admin.register(MappingProfile)
class MappingProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: a job is the audit record of the persons it created."""

    list_display = [
        "original_name", "created_by", "created_at", "status", "rows_read", "rows_stored",
        "rows_warned", "rows_rejected",
    ]  # fmt: skip
    list_filter = ["status", "file_format"]
    search_fields = ["original_name", "source"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
