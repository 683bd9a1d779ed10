"""Bulk imports of persons: the job, the officer's saved column mappings, the rows to fix."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lotus.geo.models import Commune, Province


class ColumnField(models.TextChoices):
    """What a column of an imported file holds."""

    IGNORE = "", _("(ignore this column)")
    FULL_NAME = "full_name", _("Full name")
    BIRTH_DATE = "birth_date", _("Date of birth")
    BIRTH_YEAR = "birth_year", _("Year of birth")
    SEX = "sex", _("Sex")
    CCCD = "cccd", _("Citizen ID (CCCD)")
    CMND = "cmnd", _("Former ID card (CMND)")
    ID_NUMBER = "id_number", _("CCCD or CMND")
    PHONE = "phone", _("Phone")
    COMMUNE = "commune", _("Commune / ward")
    DISTRICT = "district", _("District (before July 2025)")
    PROVINCE = "province", _("Province / city")
    ADDRESS = "address", _("Address (hamlet, street)")
    ETHNICITY = "ethnicity", _("Ethnicity")
    SOURCE_ID = "source_id", _("Record ID in this file")
    LOTUS_ID = "lotus_id", _("Lotus ID (from a file to fix)")


class MappingProfile(models.Model):
    """A named column mapping (header as written → field), chosen again for the next file."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    mapping = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mapping profile")
        verbose_name_plural = _("mapping profiles")

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One file imported by one officer: also the audit record of the persons it created.

    Bulk inserts write no per-person history rows; this job (who, when, which file, how many)
    is the history entry of every person whose `source` and `created_at` point to it.
    """

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Waiting for the column mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        JSON = "json", _("KoboToolbox/ODK JSON")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The importer's place when she started: who else may see the job (see selectors).
    province = models.ForeignKey(Province, on_delete=models.PROTECT, null=True, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True)

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    source = models.CharField(
        _("source name"),
        max_length=100,
        help_text=_("Stored on each person; rows are recognised again by it and their ID."),
    )
    source_id_column = models.CharField(_("ID column"), max_length=200, blank=True)
    mapping_profile = models.ForeignKey(
        MappingProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    encoding = models.CharField(_("encoding"), max_length=40, blank=True)
    legacy_cells = models.PositiveIntegerField(_("cells converted from TCVN3/VNI"), default=0)
    repaired_cells = models.PositiveIntegerField(_("cells repaired"), default=0)

    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_stored = models.PositiveIntegerField(_("stored"), default=0)
    rows_warned = models.PositiveIntegerField(_("stored with warnings"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    rows_skipped = models.PositiveIntegerField(_("already imported"), default=0)
    rows_updated = models.PositiveIntegerField(_("corrected"), default=0)
    progress = models.PositiveSmallIntegerField(default=0)  # per mille of the file read
    reasons = models.JSONField(default=dict)  # issue code → count
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else self.progress // 10

    @property
    def rows_to_fix(self) -> int:
        return self.rows_warned + self.rows_rejected


class ImportRow(models.Model):
    """A row of the file that was rejected, or stored with warnings: what the officer fixes.

    `values` are the cells as read (text), so the file can be handed back as she wrote it;
    `issues` lists each problem: column index, header, value, code, severity and the reason
    in Vietnamese and English.
    """

    class Outcome(models.TextChoices):
        REJECTED = "rejected", _("Rejected")
        WARNED = "warned", _("Stored with warnings")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    values = models.JSONField(default=list)
    issues = models.JSONField(default=list)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["job", "row_number"]
        indexes = [models.Index(fields=["job", "row_number"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.outcome}"
