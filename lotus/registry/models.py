"""Women, their households, their consent, and the facts programmes target on."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lotus.accounts.models import Branch
from lotus.geo.models import Commune, Province
from lotus.registry.ethnicities import ETHNIC_GROUPS
from lotus.registry.sensitivity import RestrictedFactKind


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class DifficultyLevel(models.IntegerChoices):
    """Washington Group short set answer scale."""

    NONE = 1, _("No difficulty")
    SOME = 2, _("Some difficulty")
    A_LOT = 3, _("A lot of difficulty")
    CANNOT = 4, _("Cannot do at all")


class Household(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, verbose_name=_("commune"))
    province = models.ForeignKey(Province, on_delete=models.PROTECT, editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    head = models.ForeignKey(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of household"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{_('Household')} #{self.pk}"


class LivePersonManager(models.Manager):
    """Persons not merged into another record."""

    def get_queryset(self):
        return super().get_queryset().filter(merged_into__isnull=True)


class Person(models.Model):
    class BirthDatePrecision(models.TextChoices):
        DAY = "day", _("Full date")
        YEAR = "year", _("Year only")

    class Relationship(models.TextChoices):
        HEAD = "head", _("Head")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        SIBLING = "sibling", _("Sibling")
        OTHER = "other", _("Other relative")

    full_name = models.CharField(_("full name"), max_length=150)
    family_name = models.CharField(_("family name"), max_length=50, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=80, blank=True)
    given_name = models.CharField(_("given name"), max_length=50, blank=True)
    name_key = models.CharField(max_length=150, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    birth_date_precision = models.CharField(
        max_length=4, choices=BirthDatePrecision.choices, default=BirthDatePrecision.DAY
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)

    # Exact CCCD and phone look-ups go to the linkage's keys (lotus.linkage.PersonKey), which
    # index them already; a second index here cost every imported row more than both used.
    cccd = models.CharField(_("citizen ID (CCCD)"), max_length=20, blank=True)
    cccd_verified = models.BooleanField(default=False)
    cmnd = models.CharField(_("former ID card (CMND)"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_verified = models.BooleanField(default=False)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNIC_GROUPS, blank=True)

    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("commune"),
        db_index=False,  # the (province, commune) index serves it: scopes name both
    )
    # Denormalised from the commune (or the only province known) so scoping stays one index:
    # the (province, commune) index, which serves a province alone too.
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, verbose_name=_("province"), db_index=False
    )
    address_text = models.CharField(_("address as written"), max_length=300, blank=True)
    # An old address whose commune was split: today's candidates until an officer chooses.
    commune_candidates = models.ManyToManyField(Commune, blank=True, related_name="+")
    address_warning = models.CharField(max_length=300, blank=True)

    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
        db_index=False,
    )
    relationship_to_head = models.CharField(
        _("relationship to head"), max_length=12, choices=Relationship.choices, blank=True
    )

    union_branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("union branch"),
        db_index=False,
    )
    member_since = models.DateField(_("member since"), null=True, blank=True)

    is_pregnant = models.BooleanField(_("pregnant"), default=False)
    is_migrant_worker = models.BooleanField(_("migrant worker"), default=False)
    wg_seeing = models.PositiveSmallIntegerField(
        _("difficulty seeing"), choices=DifficultyLevel.choices, null=True, blank=True
    )
    wg_hearing = models.PositiveSmallIntegerField(
        _("difficulty hearing"), choices=DifficultyLevel.choices, null=True, blank=True
    )
    wg_walking = models.PositiveSmallIntegerField(
        _("difficulty walking"), choices=DifficultyLevel.choices, null=True, blank=True
    )
    wg_cognition = models.PositiveSmallIntegerField(
        _("difficulty remembering"), choices=DifficultyLevel.choices, null=True, blank=True
    )
    wg_selfcare = models.PositiveSmallIntegerField(
        _("difficulty with self-care"), choices=DifficultyLevel.choices, null=True, blank=True
    )
    wg_communication = models.PositiveSmallIntegerField(
        _("difficulty communicating"), choices=DifficultyLevel.choices, null=True, blank=True
    )
    # Washington Group cut-off: "a lot of difficulty" or worse in any domain.
    has_disability = models.BooleanField(_("disability"), default=False, editable=False)
    monthly_income = models.PositiveIntegerField(_("monthly income (VND)"), null=True, blank=True)

    is_deceased = models.BooleanField(_("deceased"), default=False)
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        db_index=False,
    )

    source = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["name_key", "updated_at"])

    objects = LivePersonManager()
    all_objects = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["name_key", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        # Every index costs each imported row ~5 µs (a million-row import): Person keeps the
        # ones its look-ups use, and links that most persons lack are indexed only where set.
        indexes = [
            # An import's re-import check: a file's own IDs and row hashes.
            models.Index(fields=["source_id"], name="person_source_id"),
            models.Index(fields=["name_key"], name="person_name_key"),
            models.Index(fields=["province", "commune"]),
            models.Index(
                fields=["household"],
                name="person_household_set",
                condition=Q(household__isnull=False),
            ),
            models.Index(
                fields=["union_branch"],
                name="person_union_branch_set",
                condition=Q(union_branch__isnull=False),
            ),
            models.Index(
                fields=["merged_into"],
                name="person_merged_into_set",
                condition=Q(merged_into__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="deceased_date_needs_deceased",
                condition=Q(deceased_on__isnull=True) | Q(is_deceased=True),
            ),
            models.CheckConstraint(
                name="not_merged_into_self", condition=~Q(merged_into=models.F("pk"))
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def phone_national(self) -> str:
        """The phone as officers write it: 0912 345 678."""
        if self.phone.startswith("+84") and self.phone_verified:
            digits = "0" + self.phone[3:]
            return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
        return self.phone


class Consent(models.Model):
    """A person's consent for one purpose; withdrawn consent stays on record."""

    class Method(models.TextChoices):
        WRITTEN = "written", _("Signed form")
        THUMBPRINT = "thumbprint", _("Thumbprint")
        VERBAL = "verbal", _("Verbal, witnessed")
        DIGITAL = "digital", _("Online form")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=100, db_index=True)
    given_on = models.DateField(_("date given"))
    method = models.CharField(_("how given"), max_length=12, choices=Method.choices)
    text_version = models.CharField(_("consent text version"), max_length=40)
    withdrawn_on = models.DateField(_("date withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=Q(withdrawn_on__isnull=True),
                name="one_active_consent_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.purpose}"


class RestrictedFact(models.Model):
    """HIV or GBV-survivor status: kept apart, never listed or exported."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="restricted_facts")
    kind = models.CharField(max_length=20, choices=RestrictedFactKind.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="unique_restricted_fact")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class AccessLog(models.Model):
    """Append-only record of every read, change or bulk use of a restricted fact."""

    class Action(models.TextChoices):
        READ = "read", _("Read")
        CHANGE = "change", _("Change")
        BULK_USE = "bulk_use", _("Bulk use")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    persons_count = models.PositiveIntegerField(default=1)
    facts = models.CharField(max_length=200)
    context = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.facts}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Access log entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Access log entries are append-only.")
