"""Reading the geography: lists for forms and filters, and placing written addresses.

The geography is public reference data, the same for every user, so these selectors take no
`user=`: scoping people by place happens in `lotus.accounts.selectors`, on the people.
"""

from django.db.models import QuerySet

from lotus.core.text import fold
from lotus.geo.models import Commune, LegacyProvince, Province
from lotus.geo.placement import (
    WARNING_AMBIGUOUS,
    WARNING_NOT_FOUND,
    WARNING_PROVINCE_ONLY,
    WARNING_SPLIT,
    Placement,
    PlacementStatus,
    address_index,
    geography_cache_clear,
)

__all__ = [
    "WARNING_AMBIGUOUS",
    "WARNING_NOT_FOUND",
    "WARNING_PROVINCE_ONLY",
    "WARNING_SPLIT",
    "Placement",
    "PlacementStatus",
    "commune_list",
    "communes_for_search",
    "geography_cache_clear",
    "legacy_province_by_cccd_code",
    "place_address",
    "province_list",
]

SEARCH_LIMIT = 20


def place_address(
    text: str, *, province_hint: str = "", commune_hint: str = "", district_hint: str = ""
) -> Placement:
    """Place an address written today's way or the former way in a commune of today.

    Hints are the separate columns of a list (province, district, commune), read before the
    text. Where the address fits several communes (a split former commune), the placement lists
    them as candidates and chooses none. Memoised per input; microseconds once warm.
    """
    return address_index().place(text or "", province_hint, commune_hint, district_hint)


def province_list() -> QuerySet[Province]:
    """Today's 34 provinces, by name."""
    return Province.objects.order_by("name_folded")


def commune_list(*, province: Province | int | None = None) -> QuerySet[Commune]:
    """Today's communes, of one province when given, by name."""
    communes = Commune.objects.select_related("province").order_by(
        "province__name_folded", "name_folded"
    )
    if province is not None:
        communes = communes.filter(province=province)
    return communes


def communes_for_search(
    query: str, *, province: Province | int | None = None, limit: int = SEARCH_LIMIT
) -> list[Commune]:
    """Communes of today whose name, or a former commune's name that went into them, holds `query`.

    Tone marks and case are ignored ("song thuan" finds Xã Kim Sơn through the former Xã Song
    Thuận). Today's names come first.
    """
    folded = fold(query)
    if not folded:
        return []
    base = commune_list(province=province)
    found = list(base.filter(name_folded__contains=folded)[:limit])
    if len(found) < limit:
        seen = [c.pk for c in found]
        found += list(
            base.filter(predecessors__name_folded__contains=folded)
            .exclude(pk__in=seen)
            .distinct()[: limit - len(found)]
        )
    return found


def legacy_province_by_cccd_code(code: str) -> LegacyProvince | None:
    """The former province whose code opens a citizen ID ('082' → Tiền Giang), or None.

    Takes the three digits, a whole 12-digit CCCD, or the two-digit statistics code.
    """
    return address_index().legacy_province_by_cccd_code(code)
