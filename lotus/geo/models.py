"""Viet Nam's administrative units: today's two tiers and the pre-July-2025 three tiers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """One of the 34 provinces and centrally-run cities in force since 1 July 2025."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_folded = models.CharField(max_length=100, db_index=True)
    division_type = models.CharField(_("type"), max_length=40)

    class Meta:
        ordering = ["name_folded"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune, ward or special zone of today (3,321 of them)."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_folded = models.CharField(max_length=100, db_index=True)
    division_type = models.CharField(_("type"), max_length=40)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name=_("province")
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["province__name_folded", "name_folded"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.name}, {self.province.name}"


class LegacyProvince(models.Model):
    """One of the 63 provinces before the reform; CCCD digits 1–3 still use these codes."""

    # The statistics office's two-digit code ('82' Tiền Giang); a CCCD writes it '082'.
    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_folded = models.CharField(max_length=100, db_index=True)
    key = models.CharField(max_length=100, unique=True)
    successor = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="predecessors",
        null=True,
        verbose_name=_("province of today"),
    )

    @property
    def cccd_code(self) -> str:
        """The three digits that open a citizen ID registered in this province, e.g. '082'."""
        return self.code.zfill(3)

    class Meta:
        ordering = ["name_folded"]
        verbose_name = _("former province")
        verbose_name_plural = _("former provinces")

    def __str__(self) -> str:
        return self.name


class LegacyDistrict(models.Model):
    """A district (huyện, quận, thị xã, provincial city) before the reform abolished the tier."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_folded = models.CharField(max_length=100, db_index=True)
    division_type = models.CharField(_("type"), max_length=40, blank=True)
    key = models.CharField(max_length=100)
    province = models.ForeignKey(
        LegacyProvince,
        on_delete=models.PROTECT,
        related_name="districts",
        verbose_name=_("former province"),
    )
    # Five island districts had no communes; each became a special zone of today.
    successor = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("special zone of today"),
    )

    class Meta:
        ordering = ["name_folded"]
        verbose_name = _("former district")
        verbose_name_plural = _("former districts")

    def __str__(self) -> str:
        return f"{self.name}, {self.province.name}"


class LegacyCommune(models.Model):
    """A commune or ward before the reform, with the communes of today that replaced it."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_folded = models.CharField(max_length=100, db_index=True)
    division_type = models.CharField(_("type"), max_length=40, blank=True)
    key = models.CharField(max_length=100)
    district = models.ForeignKey(
        LegacyDistrict,
        on_delete=models.PROTECT,
        related_name="communes",
        verbose_name=_("former district"),
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    successors = models.ManyToManyField(
        Commune,
        through="CommuneSuccession",
        related_name="predecessors",
        verbose_name=_("communes of today"),
    )

    class Meta:
        ordering = ["name_folded"]
        verbose_name = _("former commune")
        verbose_name_plural = _("former communes")

    def __str__(self) -> str:
        return f"{self.name}, {self.district.name}, {self.district.province.name}"


class CommuneSuccession(models.Model):
    """A former commune went (wholly or in part) into a commune of today."""

    legacy_commune = models.ForeignKey(
        LegacyCommune,
        on_delete=models.CASCADE,
        related_name="successions",
        verbose_name=_("former commune"),
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        related_name="successions",
        verbose_name=_("commune of today"),
    )
    # Where a former commune was split, the source names the part holding most of it.
    is_main_successor = models.BooleanField(_("main successor"), default=True)

    class Meta:
        verbose_name = _("commune succession")
        verbose_name_plural = _("commune successions")
        constraints = [
            models.UniqueConstraint(
                fields=["legacy_commune", "commune"], name="unique_commune_succession"
            )
        ]

    def __str__(self) -> str:
        return f"{self.legacy_commune.name} → {self.commune.name}"
