from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from lotus.accounts.models import Branch, User
from lotus.accounts.selectors import scope_for


class ScopedAdminMixin:
    """Admin lists show only rows inside the administrator's scope."""

    province_field = "province"
    commune_field = "commune"

    def get_queryset(self, request):
        return scope_for(request.user).filter(
            super().get_queryset(request),
            province_field=self.province_field,
            commune_field=self.commune_field,
        )


@admin.register(Branch)
class BranchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "level", "province", "commune"]
    list_filter = ["level"]
    search_fields = ["name"]
    raw_id_fields = ["commune"]


@admin.register(User)
class LotusUserAdmin(ScopedAdminMixin, UserAdmin):
    province_field = "branch__province"
    commune_field = "branch__commune"
    list_display = ["username", "last_name", "first_name", "role", "branch", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Lotus", {"fields": ["branch", "role"]}),
    ]
