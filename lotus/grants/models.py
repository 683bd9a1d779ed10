"""Cash grants: programmes, cycles, targeting results, payments, verification and follow-up.

Money is integer đồng everywhere (PositiveBigIntegerField); never a float.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lotus.accounts.models import Branch
from lotus.geo.models import Commune, Province
from lotus.registry.models import Person

USER = settings.AUTH_USER_MODEL


class Channel(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    POST_OFFICE = "post_office", _("Post-office cash pick-up")
    EWALLET = "ewallet", _("E-wallet")


class Programme(models.Model):
    """A grant programme: who funds it, which union branches carry it out, for what purpose."""

    name = models.CharField(_("name"), max_length=200)
    lead_agency = models.CharField(_("lead agency"), max_length=200, blank=True)
    donors = models.CharField(_("donors"), max_length=300)
    implementing_branches = models.ManyToManyField(
        Branch, related_name="grant_programmes", verbose_name=_("implementing branches")
    )
    consent_purpose = models.CharField(
        _("consent purpose"),
        max_length=100,
        help_text=_("Only women who consented to this purpose can be selected."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    second_approval_above = models.PositiveBigIntegerField(
        _("second approval above (VND)"),
        default=5_000_000_000,
        help_text=_("A cycle whose total is above this amount needs a second approver."),
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                name="programme_period_ordered", condition=Q(ends_on__gte=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return self.name


class Cycle(models.Model):
    """One round of grants: an amount, a budget or a number of grants, places, criteria."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LOCKED = "locked", _("Targeting locked")
        APPROVED = "approved", _("Approved")
        ISSUED = "issued", _("Payment list issued")
        RECONCILED = "reconciled", _("Reconciled")
        CLOSED = "closed", _("Closed")

    class QuotaMode(models.TextChoices):
        NONE = "none", _("No quotas: one ranking across all places")
        MANUAL = "manual", _("Quotas per province set by hand")
        PROPORTIONAL = (
            "proportional",
            _("Quotas proportional to eligible women (largest remainder)"),
        )

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("programme")
    )
    name = models.CharField(_("name"), max_length=200)
    amount_per_person = models.PositiveBigIntegerField(_("amount per person (VND)"))
    budget = models.PositiveBigIntegerField(_("budget (VND)"), null=True, blank=True)
    grant_count = models.PositiveIntegerField(_("number of grants"), null=True, blank=True)
    provinces = models.ManyToManyField(Province, related_name="+", verbose_name=_("provinces"))
    communes = models.ManyToManyField(
        Commune,
        blank=True,
        related_name="+",
        verbose_name=_("communes"),
        help_text=_("Leave empty to take every commune of the provinces."),
    )
    reference_date = models.DateField(
        _("reference date"), help_text=_("Ages are computed on this date.")
    )
    quota_mode = models.CharField(
        _("quotas"), max_length=12, choices=QuotaMode.choices, default=QuotaMode.NONE
    )
    criteria = models.JSONField(_("eligibility criteria"), default=dict, blank=True)
    weights = models.JSONField(_("priority weights"), default=dict, blank=True)
    criteria_version = models.PositiveIntegerField(default=0)
    default_channel = models.CharField(
        _("channel for women without an account"),
        max_length=12,
        choices=Channel.choices,
        default=Channel.POST_OFFICE,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    prepared_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Result of the last targeting run, kept so the page can show it without recomputing.
    targeted_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    inputs_digest = models.CharField(max_length=64, blank=True)
    eligible_count = models.PositiveIntegerField(default=0)
    selected_count = models.PositiveIntegerField(default=0)
    uses_restricted = models.BooleanField(default=False)
    # Kept equal to the sum of successful payment lines by every reconciliation.
    total_paid = models.PositiveBigIntegerField(default=0)
    paid_count = models.PositiveIntegerField(default=0)
    next_line_seq = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        constraints = [
            models.CheckConstraint(
                name="cycle_budget_or_count",
                condition=Q(budget__isnull=False) | Q(grant_count__isnull=False),
            ),
            models.CheckConstraint(
                name="cycle_amount_positive", condition=Q(amount_per_person__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def max_grants(self) -> int:
        """Grants the cycle can give: the number set, capped by what the budget pays for."""
        limits = []
        if self.grant_count is not None:
            limits.append(self.grant_count)
        if self.budget is not None:
            limits.append(self.budget // self.amount_per_person)
        return min(limits)

    @property
    def selected_total(self) -> int:
        return self.selected_count * self.amount_per_person


class ProvinceQuota(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="quotas")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveIntegerField(_("quota"), default=0)
    selectable = models.PositiveIntegerField(default=0)
    eligible = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["province__name_folded"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "province"], name="one_quota_per_province")
        ]

    def __str__(self) -> str:
        return f"{self.province_id}: {self.quota}"


class CriteriaVersion(models.Model):
    """Every saved change of criteria, weights or quotas: who, when and what."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="criteria_versions")
    number = models.PositiveIntegerField()
    criteria = models.JSONField(default=dict)
    weights = models.JSONField(default=dict)
    quotas = models.JSONField(default=dict)
    changed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="unique_criteria_version")
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id} v{self.number}"


class CycleTransition(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=Cycle.Status.choices)
    to_status = models.CharField(max_length=12, choices=Cycle.Status.choices)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class CycleApproval(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    total = models.PositiveBigIntegerField()
    fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "approver"], name="approver_once_per_cycle"),
            models.UniqueConstraint(fields=["cycle", "level"], name="one_approval_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id} #{self.level}"


class TargetingRun(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="runs")
    run_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    run_at = models.DateTimeField(auto_now_add=True)
    criteria_version = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64)
    eligible_count = models.PositiveIntegerField()
    selectable_count = models.PositiveIntegerField()
    selected_count = models.PositiveIntegerField()
    uses_restricted = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-run_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.fingerprint[:12]}"


class Candidate(models.Model):
    """An eligible woman in the last targeting run, her score and rank (written set-based)."""

    class Block(models.IntegerChoices):
        NONE = 0, _("Selectable")
        HELD = 1, _("Held back: possible duplicate under review")
        NO_CONSENT = 2, _("No consent for the programme's purpose")

    # Indexes are few on purpose: a run writes hundreds of thousands of these rows at once.
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="candidates", db_index=False
    )
    # No database constraints on the woman and her place: checking them looks every row up
    # again in the registry's largest table and in the geography, which tripled the cost of
    # writing a run's half a million candidates. The values come from the registry (through
    # its targeting facts) in the run's own transaction, and PROTECT still holds in Django.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    flags = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)
    birth_year = models.PositiveSmallIntegerField()
    blocked = models.PositiveSmallIntegerField(choices=Block.choices, default=Block.NONE)
    # Rank within her province; computed only when the cycle has quotas (0 otherwise).
    province_rank = models.PositiveIntegerField()
    overall_rank = models.PositiveIntegerField()
    selected = models.BooleanField(default=False)

    class Meta:
        # One row per person and cycle holds by construction (one row per targeting-facts
        # row, keyed by person); a unique index would cost a second index on every row.
        indexes = [
            models.Index(fields=["cycle", "selected", "overall_rank"]),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.person_id}"


class RowidBigIntegerField(models.BigIntegerField):
    """A 64-bit integer that SQLite keeps as the table's own rowid when it is the primary key.

    SQLite makes only a column declared exactly "integer primary key" the rowid; Django's
    "bigint" would give the table a second B-tree (an index on the key) to write and search.
    """

    def db_type(self, connection):
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class TargetingFacts(models.Model):
    """One row per registry person not merged away: the facts targeting criteria read.

    A narrow copy of the registry, derived by lotus.grants.services.facts and refreshed
    from the registry's changes at the start of every preview, run and explanation, so a
    million-person preview scans a small table instead of joining households and heads.
    Restricted facts (HIV, violence) are never copied here: they are read from the
    registry only by the runs that use them. Nothing but that service writes this table.

    Ages depend on a cycle's reference date, so the row keeps an "age key" (yyyymmdd:
    year of birth, then month and day when the full date is known, else 1 January) that a
    criterion compares with the reference date less N years; household members' youngest
    and oldest keys answer "child under 2" and "someone aged 60 or over" the same way.
    Integers all: the table is scanned whole by every preview, and sorted by the run.
    """

    person_id = RowidBigIntegerField(primary_key=True)
    province_id = models.BigIntegerField()
    commune_id = models.BigIntegerField(null=True)
    deceased = models.BooleanField()
    sex = models.CharField(max_length=1)
    age_key = models.IntegerField()
    pregnant = models.BooleanField()
    disability = models.BooleanField()
    migrant_worker = models.BooleanField()
    woman_headed = models.BooleanField(default=False)
    household_youngest = models.IntegerField(null=True)
    household_oldest = models.IntegerField(null=True)
    income = models.BigIntegerField(null=True)
    # The tie rule's birth order: yyyymmdd when the full date is known, else yyyy9999 (a
    # birth known only by its year after the full dates of that year). birth_order // 10000
    # is the year of birth.
    birth_order = models.IntegerField()
    household_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["household_id"], name="grants_facts_household"),
            # Every column a criterion, a category or the run reads, place first: a preview
            # reads this index alone, its provinces (and communes) as ranges already grouped
            # by province. Without it SQLite sorted half a million rows to count them per
            # province, which cost more than evaluating the criteria. A column that criteria
            # come to read belongs here too.
            models.Index(
                fields=[
                    "province_id",
                    "commune_id",
                    "deceased",
                    "sex",
                    "age_key",
                    "pregnant",
                    "disability",
                    "migrant_worker",
                    "woman_headed",
                    "household_youngest",
                    "household_oldest",
                    "income",
                    "birth_order",
                ],
                name="grants_facts_by_place",
            ),
        ]

    def __str__(self) -> str:
        return f"facts of {self.person_id}"


class TargetingFactsState(models.Model):
    """The one row (pk 1) saying how far TargetingFacts has followed the registry.

    Every person change the registry records in its history at or after `synced_through`,
    and every person with an id above `max_person_id`, is looked at again by the next
    refresh; the counts catch what leaves no history (a row written or removed by SQL).
    Refreshes lock this row to take turns. No `rebuilt_at`: the table was never written.
    """

    synced_through = models.DateTimeField(null=True)
    max_person_id = models.BigIntegerField(default=0)
    max_household_id = models.BigIntegerField(default=0)
    household_count = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)
    rebuilt_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"facts refreshed {self.refreshed_at}"


class FactsChangedPerson(models.Model):
    """Work table of one refresh: the persons whose facts are derived again (emptied after)."""

    person_id = RowidBigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.person_id)


class FactsChangedHousehold(models.Model):
    """Work table of one refresh: the households whose members' facts are derived again."""

    household_id = RowidBigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.household_id)


class PayoutAccount(models.Model):
    """How a woman receives money: her bank account, e-wallet, or cash at the post office."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="payout_account")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    provider = models.CharField(_("bank, wallet or post office"), max_length=100, blank=True)
    account_number = models.CharField(_("account or wallet number"), max_length=40, blank=True)
    holder_name = models.CharField(_("account holder"), max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.provider} {self.account_number}".strip()


class PaymentBatch(models.Model):
    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial list")
        REISSUE = "reissue", _("Reissue of failed payments")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    line_count = models.PositiveIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="unique_batch_number")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} #{self.number}"


class PaymentLine(models.Model):
    """One payment to one woman, with her name, ID and account as they were at issue."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    # No index of its own: the (cycle, status) index serves every look-up by cycle, and a
    # payment list writes a hundred thousand lines at once.
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="lines", db_index=False)
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("payment reference"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ISSUED
    )
    full_name = models.CharField(_("name"), max_length=150)
    id_number = models.CharField(_("ID number"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    provider = models.CharField(_("bank, wallet or post office"), max_length=100, blank=True)
    account_number = models.CharField(_("account number"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # No index of their own: lines are always read within a cycle (cycle+status index).
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    result_on = models.DateField(null=True, blank=True)
    result_note = models.CharField(max_length=300, blank=True)
    reissued = models.BooleanField(default=False)
    reissue_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["reference"]
        indexes = [models.Index(fields=["cycle", "status"])]
        constraints = [
            # The invariant the whole reconciliation rests on: nobody is paid twice in a cycle.
            models.UniqueConstraint(
                fields=["cycle", "person"],
                condition=Q(status="paid"),
                name="one_successful_payment_per_person_per_cycle",
            ),
            models.UniqueConstraint(
                fields=["cycle", "person"],
                condition=Q(status="issued"),
                name="one_pending_payment_per_person_per_cycle",
            ),
            models.CheckConstraint(name="payment_amount_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return self.reference


class PaymentExport(models.Model):
    """A protected file made for a channel; the password is never stored."""

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (password-protected)")
        CSV_ZIP = "csv_zip", _("CSV in an AES-encrypted ZIP")

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="exports")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    fmt = models.CharField(max_length=8, choices=Format.choices)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    line_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class ReconciliationImport(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="imports")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    rows_total = models.PositiveIntegerField(default=0)
    paid_applied = models.PositiveIntegerField(default=0)
    failed_applied = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "sha256"], name="import_file_once_per_cycle")
        ]

    def __str__(self) -> str:
        return self.filename


class ReconciliationRow(models.Model):
    """One line of a result file and what became of it; unmatched lines stay here."""

    class Outcome(models.TextChoices):
        PAID = "paid", _("Recorded as paid")
        FAILED = "failed", _("Recorded as failed")
        UNCHANGED = "unchanged", _("Already recorded")
        UNMATCHED = "unmatched", _("No issued payment has this reference")
        CONFLICT = "conflict", _("Conflicts with what is recorded")
        INVALID = "invalid", _("Unreadable line")

    source = models.ForeignKey(ReconciliationImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    reference = models.CharField(max_length=40, blank=True)
    reported_status = models.CharField(max_length=20, blank=True)
    reported_amount = models.BigIntegerField(null=True)
    paid_on = models.DateField(null=True)
    note = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    line = models.ForeignKey(PaymentLine, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["row_number"]
        indexes = [models.Index(fields=["source", "outcome"])]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.reference}"


class VerificationSample(models.Model):
    """A post-distribution check: Cochran's sample of paid women, drawn from a stored seed."""

    class Stratify(models.TextChoices):
        NONE = "none", _("No strata")
        COMMUNE = "commune", _("By commune")
        CHANNEL = "channel", _("By channel")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="samples")
    confidence = models.PositiveSmallIntegerField(_("confidence level (%)"))
    margin_pct = models.DecimalField(_("margin of error (%)"), max_digits=4, decimal_places=1)
    expected_share = models.DecimalField(max_digits=3, decimal_places=2, default=0.5)
    population = models.PositiveIntegerField()
    n0 = models.DecimalField(max_digits=10, decimal_places=2)
    size = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    stratify_by = models.CharField(max_length=8, choices=Stratify.choices, default="none")
    drawn_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-drawn_at"]

    def __str__(self) -> str:
        return f"{self.cycle_id} n={self.size}"


class VerificationRecord(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not yet visited")
        FULL = "full", _("Received the full amount")
        PARTIAL = "partial", _("Received less than the full amount")
        NOT_RECEIVED = "not_received", _("Did not receive the money")
        NOT_REACHED = "not_reached", _("Could not be reached")

    sample = models.ForeignKey(VerificationSample, on_delete=models.CASCADE, related_name="records")
    line = models.ForeignKey(PaymentLine, on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=40, blank=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, related_name="+")
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING
    )
    problem = models.CharField(_("problem reported"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "line"], name="line_once_per_sample")
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}/{self.line_id}"


class Grievance(models.Model):
    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("Hotline")
        COMMUNE_OFFICE = "commune_office", _("Commune office")
        ONLINE = "online", _("Online")

    class Category(models.TextChoices):
        NOT_RECEIVED = "not_received", _("Payment not received")
        WRONG_AMOUNT = "wrong_amount", _("Wrong amount")
        EXCLUSION = "exclusion", _("Left out of the list")
        DATA = "data", _("Wrong personal data")
        ABUSE = "abuse", _("Abuse or exploitation")
        FEEDBACK = "feedback", _("Feedback or suggestion")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="grievances")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complainant = models.CharField(_("complainant"), max_length=150, blank=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    assignee = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("due on"))
    resolved_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"


class GrievanceUpdate(models.Model):
    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="updates")
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Grievance.Status.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.grievance_id} {self.status}"


class Overpayment(models.Model):
    """A paid woman later found to duplicate another woman paid in the same cycle."""

    class Status(models.TextChoices):
        TO_RECOVER = "to_recover", _("To recover")
        RECOVERED = "recovered", _("Recovered")
        WAIVED = "waived", _("Waived")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="overpayments")
    line = models.OneToOneField(PaymentLine, on_delete=models.PROTECT, related_name="overpayment")
    duplicate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveBigIntegerField()
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.TO_RECOVER
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.line_id} {self.status}"


class Activity(models.TextChoices):
    LIVESTOCK = "livestock", _("Livestock")
    CROPS = "crops", _("Crops")
    SMALL_SHOP = "small_shop", _("Small shop")
    ONLINE_SALES = "online_sales", _("Online sales")
    OTHER = "other", _("Other")
    NONE = "none", _("None")


class LivelihoodSurvey(models.Model):
    class Kind(models.TextChoices):
        BASELINE = "baseline", _("Baseline")
        FOLLOW_UP = "follow_up", _("Follow-up")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="surveys")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(_("survey"), max_length=10, choices=Kind.choices)
    surveyed_on = models.DateField(_("date"))
    monthly_income = models.PositiveBigIntegerField(_("monthly income (VND)"))
    activity = models.CharField(_("main activity"), max_length=14, choices=Activity.choices)
    training_received = models.BooleanField(_("training received"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["surveyed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "person", "kind"], name="one_survey_of_each_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"


class Training(models.Model):
    """A skills training given with the cycle (a later activities app will absorb these)."""

    class Topic(models.TextChoices):
        LIVESTOCK = "livestock", _("Livestock rearing")
        CROPS = "crops", _("Crop cultivation")
        BUSINESS = "business", _("Economic management and business start-up")
        ONLINE_SALES = "online_sales", _("Online sales")
        GBV_PREVENTION = "gbv_prevention", _("Preventing gender-based violence")
        OTHER = "other", _("Other")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="trainings")
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    held_on = models.DateField(_("date"))
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune"),
    )
    attendees = models.ManyToManyField(Person, blank=True, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on", "pk"]

    def __str__(self) -> str:
        return self.title
