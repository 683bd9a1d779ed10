"""Loading Viet Nam's administrative units into the database.

The geography is reference data: it is written only by `load_geography`, which mirrors the two
packages read in `lotus.geo.sources` (today's units from vietnam-provinces, the former units and
the old→new mapping from vietnamadminunits). Loading is keyed by official codes and changes only
what differs, so running it again changes nothing; units that vanish from the source are kept
(people and branches point at them) and only former-to-present links are replaced.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from lotus.geo.models import (
    Commune,
    CommuneSuccession,
    LegacyCommune,
    LegacyDistrict,
    LegacyProvince,
    Province,
)
from lotus.geo.placement import geography_cache_clear
from lotus.geo.sources import Reconciliation, read_geography

UNKNOWN_PROVINCE = _("Unknown province code(s): %(codes)s.")
_BATCH = 1000


@dataclass
class RowCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass
class LoadReport:
    """What one run of `load_geography` did, model by model, and how the sources were matched."""

    provinces: RowCounts = field(default_factory=RowCounts)
    communes: RowCounts = field(default_factory=RowCounts)
    legacy_provinces: RowCounts = field(default_factory=RowCounts)
    legacy_districts: RowCounts = field(default_factory=RowCounts)
    legacy_communes: RowCounts = field(default_factory=RowCounts)
    successions: RowCounts = field(default_factory=RowCounts)
    reconciliation: Reconciliation = field(default_factory=Reconciliation)
    seconds: float = 0.0

    def counts(self) -> dict[str, RowCounts]:
        return {
            "provinces": self.provinces,
            "communes": self.communes,
            "legacy_provinces": self.legacy_provinces,
            "legacy_districts": self.legacy_districts,
            "legacy_communes": self.legacy_communes,
            "successions": self.successions,
        }

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts().values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts().values())

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.counts().values())


def _sync_by_code(
    model: type[models.Model], wanted: dict[str, dict], counts: RowCounts
) -> dict[str, int]:
    """Create or update `model` rows so that each code in `wanted` has exactly those values.

    Compares plain values, not model instances, so that a second run costs one query a model.
    Returns code → primary key for the wanted codes.
    """
    names = list(next(iter(wanted.values()), {}))
    existing = {row[0]: row for row in model.objects.values_list("code", "pk", *names)}
    ids: dict[str, int] = {}
    to_create, to_update, fields = [], [], set()
    for code, values in wanted.items():
        row = existing.get(code)
        if row is None:
            to_create.append(model(code=code, **values))
            continue
        ids[code] = row[1]
        differing = [name for name, old in zip(names, row[2:], strict=True) if old != values[name]]
        if differing:
            to_update.append(model(pk=row[1], code=code, **values))
            fields.update(differing)
        else:
            counts.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=_BATCH)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields), batch_size=_BATCH)
    counts.created += len(to_create)
    counts.updated += len(to_update)
    if any(obj.pk is None for obj in to_create):
        # The database did not return the new keys (no RETURNING): read them back.
        ids = dict(model.objects.values_list("code", "pk"))
    else:
        ids.update((obj.code, obj.pk) for obj in to_create)
    return ids


def _sync_successions(
    wanted: dict[tuple[int, int], bool], legacy_ids: Iterable[int], counts: RowCounts
) -> None:
    legacy_ids = set(legacy_ids)
    existing = {
        (legacy_id, commune_id): (pk, is_main)
        for pk, legacy_id, commune_id, is_main in CommuneSuccession.objects.values_list(
            "pk", "legacy_commune_id", "commune_id", "is_main_successor"
        )
        if legacy_id in legacy_ids
    }
    to_create, to_update = [], []
    for (legacy_id, commune_id), is_main in wanted.items():
        row = existing.get((legacy_id, commune_id))
        if row is None:
            to_create.append(
                CommuneSuccession(
                    legacy_commune_id=legacy_id, commune_id=commune_id, is_main_successor=is_main
                )
            )
        elif row[1] != is_main:
            to_update.append(CommuneSuccession(pk=row[0], is_main_successor=is_main))
        else:
            counts.unchanged += 1
    stale = [row[0] for pair, row in existing.items() if pair not in wanted]
    CommuneSuccession.objects.bulk_create(to_create, batch_size=_BATCH)
    CommuneSuccession.objects.bulk_update(to_update, ["is_main_successor"], batch_size=_BATCH)
    CommuneSuccession.objects.filter(pk__in=stale).delete()
    counts.created += len(to_create)
    counts.updated += len(to_update)
    counts.deleted += len(stale)


def _province_codes(provinces: list[str] | None, known: set[str]) -> set[str]:
    if provinces is None:
        return known
    codes = {str(code).strip().zfill(2) for code in provinces}
    unknown = sorted(codes - known)
    if unknown:
        raise ValidationError(UNKNOWN_PROVINCE, params={"codes": ", ".join(unknown)})
    return codes


@transaction.atomic
def load_geography(*, provinces: list[str] | None = None) -> LoadReport:
    """Load today's and the former administrative units and the old→new links.

    `provinces` (codes of today's provinces, e.g. ["82", "79"]) limits the load to those
    provinces, their communes, the former provinces that went into them and their districts and
    communes. Idempotent: a second run reports nothing created, updated or deleted.

    Raises:
        ValidationError: a code in `provinces` is not a province of today.
    """
    started = time.perf_counter()
    everything = read_geography()
    report = LoadReport(reconciliation=everything.reconciliation)
    source = everything.select(_province_codes(provinces, {p.code for p in everything.provinces}))

    province_ids = _sync_by_code(
        Province,
        {
            p.code: {"name": p.name, "name_folded": p.name_folded, "division_type": p.division_type}
            for p in source.provinces
        },
        report.provinces,
    )
    commune_ids = _sync_by_code(
        Commune,
        {
            c.code: {
                "name": c.name,
                "name_folded": c.name_folded,
                "division_type": c.division_type,
                "province_id": province_ids[c.province_code],
                "latitude": c.latitude,
                "longitude": c.longitude,
            }
            for c in source.communes
        },
        report.communes,
    )
    legacy_province_ids = _sync_by_code(
        LegacyProvince,
        {
            p.code: {
                "name": p.name,
                "name_folded": p.name_folded,
                "key": p.key,
                "successor_id": province_ids[p.successor_code],
            }
            for p in source.legacy_provinces
        },
        report.legacy_provinces,
    )
    district_ids = _sync_by_code(
        LegacyDistrict,
        {
            d.code: {
                "name": d.name,
                "name_folded": d.name_folded,
                "division_type": d.division_type,
                "key": d.key,
                "province_id": legacy_province_ids[d.province_code],
                "successor_id": commune_ids[d.successor_code] if d.successor_code else None,
            }
            for d in source.legacy_districts
        },
        report.legacy_districts,
    )
    legacy_commune_ids = _sync_by_code(
        LegacyCommune,
        {
            c.code: {
                "name": c.name,
                "name_folded": c.name_folded,
                "division_type": c.division_type,
                "key": c.key,
                "district_id": district_ids[c.district_code],
                "latitude": c.latitude,
                "longitude": c.longitude,
            }
            for c in source.legacy_communes
        },
        report.legacy_communes,
    )
    _sync_successions(
        {
            (legacy_commune_ids[s.legacy_code], commune_ids[s.commune_code]): s.is_main
            for s in source.successions
            if s.legacy_code in legacy_commune_ids and s.commune_code in commune_ids
        },
        legacy_commune_ids.values(),
        report.successions,
    )

    # The placement index is built from these tables: drop it now and again once committed, so
    # no process keeps placing addresses against the geography it had before.
    geography_cache_clear()
    transaction.on_commit(geography_cache_clear)
    report.seconds = time.perf_counter() - started
    return report
