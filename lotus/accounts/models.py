"""Union branches tied to geography, and the users who work in them."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lotus.accounts.roles import Role
from lotus.geo.models import Commune, Province


class Branch(models.Model):
    """A Women's Union branch: the central office, a province union or a commune union."""

    class Level(models.TextChoices):
        CENTRAL = "central", _("Central")
        PROVINCE = "province", _("Province")
        COMMUNE = "commune", _("Commune")

    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("province")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("commune")
    )

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("union branch")
        verbose_name_plural = _("union branches")
        constraints = [
            models.CheckConstraint(
                name="branch_place_matches_level",
                condition=(
                    Q(level="central", province__isnull=True, commune__isnull=True)
                    | Q(level="province", province__isnull=False, commune__isnull=True)
                    | Q(level="commune", province__isnull=False, commune__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["province"], condition=Q(level="province"), name="one_province_branch"
            ),
            models.UniqueConstraint(
                fields=["commune"], condition=Q(level="commune"), name="one_commune_branch"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A Lotus user: one branch (where she works) and one role (what she may do there)."""

    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("branch"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    created_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
