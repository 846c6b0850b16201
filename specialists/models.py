"""Lead-specialist attribution runs: which specialist TIN/NPI leads each beneficiary's care for a
condition (chronic kidney disease 4-5 and ESRD, heart failure, active cancer...), from the claims,
published prospectively for the quarter after the run's as-of date."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.tenancy import TenantManager
from specialists.engine.gainshare import ArrangementError, GainShareRule


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


OPEN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class LeadSpecialistRun(models.Model):
    """One attribution of an entity's aligned population to lead specialists, as of a claims
    date, for the quarter that follows it. The conditions it used are kept with it."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(help_text="Claims through this date are read.")
    window_start = models.DateField()
    effective_start = models.DateField(help_text="First day of the quarter it is published for.")
    effective_end = models.DateField()
    alignment_run = models.ForeignKey(
        "alignment.AlignmentRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The platform's current alignment run when the run was queued (the "
        "population where no CMS list of record covers the year).",
    )
    cms_list = models.ForeignKey(
        "cmslists.CmsList",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="CMS's list of record whose assigned beneficiaries are the population.",
    )
    population_source = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the population comes from, dated (the roster of record's label).",
    )
    previous_run = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    definitions_version = models.CharField(max_length=80)
    definitions = models.JSONField(default=dict)
    population_count = models.PositiveIntegerField(default=0)
    attributed_count = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    leakage = models.JSONField(
        default=dict,
        blank=True,
        help_text="What Medicare paid for the population in and outside the network, in cents "
        "(specialists.engine.leakage).",
    )
    episode_definitions = models.JSONField(default=dict, blank=True)
    scorecards = models.JSONField(
        default=list,
        blank=True,
        help_text="Per managing specialist TIN (specialists.engine.episodes.scorecards), cents.",
    )
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-as_of", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity"],
                condition=Q(status__in=["queued", "running"]),
                name="one_open_lead_specialist_run_per_entity",
            )
        ]

    def __str__(self) -> str:
        return f"lead specialists of {self.entity_id} as of {self.as_of:%Y-%m-%d}"

    @property
    def population_label(self) -> str:
        """Where the population comes from, as the pages say it."""
        if self.population_source:
            return self.population_source
        if self.alignment_run is not None:
            return (
                f"aligned in the platform's alignment run as of {self.alignment_run.as_of:%Y-%m-%d}"
            )
        return ""

    @property
    def quarter_label(self) -> str:
        return f"{self.effective_start.year} Q{(self.effective_start.month - 1) // 3 + 1}"


class LeadSpecialistRunEvent(models.Model):
    """A run's status change: who, when, from, to, why."""

    run = models.ForeignKey(LeadSpecialistRun, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class LeadSpecialist(models.Model):
    """A beneficiary's lead specialist for one condition in one run, and why."""

    run = models.ForeignKey(LeadSpecialistRun, on_delete=models.CASCADE, related_name="leads")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    condition = models.CharField(max_length=32)
    trigger_code = models.CharField(max_length=8)
    trigger_claims = models.PositiveIntegerField()
    last_trigger = models.DateField()
    lead_tin = models.CharField(max_length=9, blank=True)
    lead_npi = models.CharField(max_length=10, blank=True)
    lead_specialty = models.CharField(max_length=2, blank=True)
    lead_allowed = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    specialty_allowed = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    lead_services = models.PositiveIntegerField(default=0)
    last_service = models.DateField(null=True, blank=True)
    runner_up_tin = models.CharField(max_length=9, blank=True)
    runner_up_npi = models.CharField(max_length=10, blank=True)
    runner_up_allowed = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    reason = models.CharField(max_length=32)
    network_role = models.CharField(
        max_length=16,
        blank=True,
        help_text="participant or preferred when the lead TIN is on the entity's list; blank: outside.",
    )

    objects = TenantManager()

    class Meta:
        ordering = ["beneficiary_id", "condition"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "beneficiary", "condition"], name="one_lead_per_condition"
            )
        ]
        indexes = [models.Index(fields=["run", "lead_tin"])]

    def __str__(self) -> str:
        return f"{self.condition}: {self.lead_tin}/{self.lead_npi}"


class LeadSpecialistChange(models.Model):
    """A lead that appeared, moved or went since the entity's previous run."""

    run = models.ForeignKey(LeadSpecialistRun, on_delete=models.CASCADE, related_name="changes")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    condition = models.CharField(max_length=32)
    kind = models.CharField(max_length=8)
    previous_tin = models.CharField(max_length=9, blank=True)
    previous_npi = models.CharField(max_length=10, blank=True)
    lead_tin = models.CharField(max_length=9, blank=True)
    lead_npi = models.CharField(max_length=10, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["kind", "beneficiary_id", "condition"]

    def __str__(self) -> str:
        return f"{self.kind} {self.condition}"


class Episode(models.Model):
    """A care episode of a beneficiary built by a run (specialists.engine.episodes): its anchor
    stay, spending against target, utilisation and managing specialist."""

    run = models.ForeignKey(LeadSpecialistRun, on_delete=models.CASCADE, related_name="episodes")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    episode_type = models.CharField(max_length=32)
    drg = models.CharField("MS-DRG", max_length=3)
    anchor_claim_id = models.CharField(max_length=20)
    ccn = models.CharField("CCN", max_length=10, blank=True)
    anchor_start = models.DateField()
    anchor_end = models.DateField()
    window_end = models.DateField()
    period = models.CharField(max_length=12)
    complete = models.BooleanField()
    anchor_paid = models.DecimalField(max_digits=14, decimal_places=2)
    post_paid = models.DecimalField(max_digits=14, decimal_places=2)
    excluded_paid = models.DecimalField(max_digits=14, decimal_places=2)
    actual = models.DecimalField(max_digits=14, decimal_places=2)
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target_basis = models.CharField(max_length=16)
    readmissions = models.PositiveSmallIntegerField()
    snf_claims = models.PositiveSmallIntegerField()
    hha_claims = models.PositiveSmallIntegerField()
    ed_visits = models.PositiveSmallIntegerField()
    los_days = models.PositiveSmallIntegerField()
    managing_tin = models.CharField(max_length=9, blank=True)
    managing_npi = models.CharField(max_length=10, blank=True)
    managing_specialty = models.CharField(max_length=2, blank=True)
    managing_reason = models.CharField(max_length=24)
    network_role = models.CharField(max_length=16, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["anchor_start", "beneficiary_id"]
        indexes = [models.Index(fields=["run", "managing_tin"])]

    def __str__(self) -> str:
        return f"{self.episode_type} {self.anchor_start:%Y-%m-%d}"

    @property
    def variance(self) -> Decimal | None:
        """Target minus actual: positive when the episode cost less than its target."""
        return None if self.target is None else self.target - self.actual


class GainSharePolicy(models.Model):
    """The entity's downstream gain-sharing with specialists: the share of its earned shared
    savings that may be paid out to them (its own contract term, not a CMS rule)."""

    entity = models.OneToOneField(
        "entities.Entity", on_delete=models.CASCADE, related_name="gain_share_policy"
    )
    pool_share = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        help_text="Share of the entity's earned shared savings available to specialists (0-1).",
    )
    note = models.CharField(max_length=300, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "gain-sharing policy"
        verbose_name_plural = "gain-sharing policies"

    def __str__(self) -> str:
        return f"gain-sharing of {self.entity_id}"


class GainShareArrangement(models.Model):
    """One downstream arrangement: a rate on savings against the episode targets, a floor, a cap
    and a quality gate, for a specialist TIN and/or an episode type (blank: any). The most
    specific arrangement applies."""

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, related_name="gain_share_arrangements"
    )
    tin = models.CharField("TIN", max_length=9, blank=True)
    episode_type = models.CharField(max_length=32, blank=True)
    rate = models.DecimalField(max_digits=5, decimal_places=4)
    floor = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="At most this much repaid (zero or negative)."
    )
    cap = models.DecimalField(max_digits=14, decimal_places=2)
    max_readmission_rate = models.DecimalField(
        max_digits=5, decimal_places=4, null=True, blank=True
    )
    note = models.CharField(max_length=300, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "gain-sharing arrangement"
        ordering = ["tin", "episode_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "tin", "episode_type"], name="one_arrangement_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tin or 'any TIN'} / {self.episode_type or 'any episode'}"

    def clean(self) -> None:
        """The terms the gain-share engine accepts (specialists.engine.gainshare)."""
        if self.tin and not (self.tin.isdigit() and len(self.tin) == 9):
            raise ValidationError({"tin": "A TIN is nine digits."})
        if None in (self.rate, self.floor, self.cap):
            return  # each missing field has its own error
        try:
            GainShareRule(
                self.tin, self.episode_type, self.rate, self.floor, self.cap,
                self.max_readmission_rate,
            )  # fmt: skip
        except ArrangementError as exc:
            raise ValidationError({exc.field: exc.message}) from exc


class TransitionKind(models.TextChoices):
    REFERRAL = "referral", "Referral"
    E_CONSULT = "e_consult", "E-consult"
    CO_MANAGEMENT = "co_management", "Co-management agreement"


class CareTransition(models.Model):
    """A referral, e-consult or co-management agreement between primary care and a specialist
    for one beneficiary: who manages what, and the plan to return to primary care with its due
    date (a worklist task falls due then)."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=TransitionKind.choices)
    condition = models.CharField(max_length=32, blank=True)
    specialist_tin = models.CharField("specialist TIN", max_length=9)
    specialist_npi = models.CharField("specialist NPI", max_length=10, blank=True)
    manages = models.CharField(
        "who manages what", max_length=300, help_text="E.g. cardiology manages diuretics."
    )
    return_plan = models.CharField("return to primary care plan", max_length=500, blank=True)
    return_due = models.DateField("return due", null=True, blank=True)
    worklist_item = models.ForeignKey(
        "care.WorklistItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.specialist_tin}"
