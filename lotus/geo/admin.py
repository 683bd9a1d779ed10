"""Admin for the geography: reference data that `load_geography` writes, so read-only here.

Only superusers may change rows by hand (to correct a unit before the packages catch up); the
next `load_geography` run puts the packages' values back.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lotus.geo.models import (
    Commune,
    CommuneSuccession,
    LegacyCommune,
    LegacyDistrict,
    LegacyProvince,
    Province,
)


class ReferenceDataAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # Public reference data: every staff account may read it.
    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff


class SuccessionInline(admin.TabularInline):
    model = CommuneSuccession
    extra = 0
    raw_id_fields = ["commune", "legacy_commune"]

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class SuccessorInline(SuccessionInline):
    fk_name = "legacy_commune"
    verbose_name = _("commune of today")
    verbose_name_plural = _("communes of today")


class PredecessorInline(SuccessionInline):
    fk_name = "commune"
    verbose_name = _("former commune")
    verbose_name_plural = _("former communes")


@admin.register(Province)
class ProvinceAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "division_type"]
    search_fields = ["code", "name", "name_folded"]
    ordering = ["code"]


@admin.register(Commune)
class CommuneAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "division_type", "province"]
    list_filter = ["province", "division_type"]
    list_select_related = ["province"]
    search_fields = ["code", "name", "name_folded"]
    raw_id_fields = ["province"]
    inlines = [PredecessorInline]


@admin.register(LegacyProvince)
class LegacyProvinceAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "successor"]
    list_select_related = ["successor"]
    search_fields = ["code", "name", "name_folded"]
    ordering = ["code"]


@admin.register(LegacyDistrict)
class LegacyDistrictAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "division_type", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["code", "name", "name_folded"]
    raw_id_fields = ["province", "successor"]


@admin.register(LegacyCommune)
class LegacyCommuneAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "division_type", "district"]
    list_filter = ["district__province"]
    list_select_related = ["district__province"]
    search_fields = ["code", "name", "name_folded"]
    raw_id_fields = ["district"]
    inlines = [SuccessorInline]
