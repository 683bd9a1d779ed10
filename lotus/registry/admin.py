from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from lotus.accounts.admin import ScopedAdminMixin
from lotus.registry.models import AccessLog, Consent, Household, Person


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["full_name", "birth_year", "sex", "cccd", "commune", "province"]
    search_fields = ["name_key", "cccd", "phone"]
    list_filter = ["sex"]
    raw_id_fields = ["commune", "household", "union_branch", "merged_into"]
    exclude = ["commune_candidates"]


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "commune", "head"]
    raw_id_fields = ["commune", "head"]


@admin.register(Consent)
class ConsentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    province_field = "person__province"
    commune_field = "person__commune"
    list_display = ["person", "purpose", "given_on", "withdrawn_on"]
    raw_id_fields = ["person"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only."""

    list_display = ["at", "actor", "action", "facts", "person", "persons_count"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
