"""Duplicate candidates, reviewers' decisions on them, and the merges they led to."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from lotus.registry.models import Person


class PersonKey(models.Model):
    """A person as the linkage compares her (see lotus.linkage.features), kept up to date
    so a new record is checked against the registry with indexed look-ups instead of
    re-reading a million persons."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    full = models.CharField(max_length=150, null=True)
    family = models.CharField(max_length=50, null=True)
    middle = models.CharField(max_length=80, null=True)
    given = models.CharField(max_length=50, null=True)
    given_t = models.CharField(max_length=60, null=True)
    dob = models.CharField(max_length=10, null=True)
    dob_swap = models.CharField(max_length=10, null=True)
    birth_year = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=1, null=True)
    cccd = models.CharField(max_length=12, null=True)
    cmnd = models.CharField(max_length=12, null=True)
    phone = models.CharField(max_length=11, null=True)
    commune = models.BigIntegerField(null=True)
    communes = models.JSONField(null=True)
    province = models.BigIntegerField(null=True)
    # Person.updated_at when this key was computed: an older key is stale.
    person_updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["cccd"], name="linkage_key_cccd"),
            models.Index(fields=["phone"], name="linkage_key_phone"),
            models.Index(fields=["cmnd"], name="linkage_key_cmnd"),
            models.Index(fields=["given", "birth_year", "province"], name="linkage_key_given_year"),
            models.Index(fields=["full", "birth_year"], name="linkage_key_full_year"),
            models.Index(fields=["dob", "commune"], name="linkage_key_dob_commune"),
            models.Index(fields=["given", "dob"], name="linkage_key_given_dob"),
            models.Index(fields=["family", "dob", "province"], name="linkage_key_family_dob"),
        ]

    def __str__(self) -> str:
        return f"{self.full} ({self.person_id})"


class CandidatePair(models.Model):
    """Two persons the linkage found likely to be the same woman (person_l.pk < person_r.pk)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        MERGED = "merged", _("Merged")
        DIFFERENT = "different", _("Different persons")
        SUPERSEDED = "superseded", _("Superseded by a merge")

    person_l = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_r = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField(_("match probability"))
    match_weight = models.FloatField()
    # [{"comparison": "given", "level": "same without tone marks", "weight": 3.2}, …]
    explanation = models.JSONField(default=list)
    model_version = models.CharField(max_length=20)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    found_at = models.DateTimeField(auto_now_add=True)
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["-match_probability", "pk"]
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [
            models.UniqueConstraint(fields=["person_l", "person_r"], name="unique_candidate_pair"),
            models.CheckConstraint(
                condition=Q(person_l__lt=F("person_r")), name="candidate_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-match_probability"])]

    def __str__(self) -> str:
        return f"{self.person_l_id} ~ {self.person_r_id} ({self.match_probability:.2f})"


class MergeRecord(models.Model):
    """One merge: which record survived, what was moved to it, and what it meant."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    pair = models.ForeignKey(
        CandidatePair, on_delete=models.SET_NULL, null=True, blank=True, related_name="merges"
    )
    # [{"model": "registry.consent", "field": "person", "pks": [3, 4]}, …]
    moved = models.JSONField(default=list)
    # What apps recorded the merge means, e.g. an overpayment to recover.
    consequences = models.JSONField(default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"


class ReviewDecision(models.Model):
    """A reviewer's answer on a candidate pair; the latest one counts."""

    class Decision(models.TextChoices):
        SAME = "same", _("Same person")
        DIFFERENT = "different", _("Different persons")
        SKIP = "skip", _("Skip")

    pair = models.ForeignKey(CandidatePair, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    merge = models.OneToOneField(
        MergeRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="decision"
    )

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")

    def __str__(self) -> str:
        return f"{self.pair_id}: {self.decision}"
