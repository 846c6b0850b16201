"""Alignment runs, their per-beneficiary results, the changes between runs, and voluntary
alignment records.

A run is one entity x performance year x list (quarterly as of a date, or final), with the
lineage of its inputs (deliveries, participant list as of a date, parameters version). Runs are
never overwritten: running again makes a new version. Results are written bucket by bucket
(beneficiaries split by a hash of their surrogate key) and the run completes when every bucket
has; see alignment.services.runs.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from alignment.engine.vocabulary import (
    REASON_LABELS,
    STEP_LABELS,
    Reason,
    Step,
    change_text,
    reason_text,
)
from core.tenancy import TenantManager


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


OPEN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class ListKind(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly list (as of the run date)"
    FINAL = "final", "Final list of the performance year"


class AssignmentMethod(models.TextChoices):
    PROSPECTIVE = "prospective", "Prospective"
    PPWRR = "ppwrr", "Preliminary prospective with retrospective reconciliation"
    NOT_APPLICABLE = "", "Not applicable (REACH)"


class AlignmentRun(models.Model):
    """One alignment of an entity's beneficiaries for a performance year and list."""

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="alignment_runs"
    )
    program = models.CharField(
        max_length=16, help_text="Program code at the time of the run (mssp, reach)."
    )
    performance_year = models.PositiveSmallIntegerField()
    list_kind = models.CharField(max_length=16, choices=ListKind.choices)
    as_of = models.DateField(
        help_text="Run date: quarterly windows and the participant list are taken as of it."
    )
    method = models.CharField(max_length=16, choices=AssignmentMethod.choices, blank=True)
    version = models.PositiveIntegerField(
        help_text="1, 2, ... per entity, performance year and list kind."
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)

    # Lineage of the inputs.
    parameters_version = models.CharField(max_length=80)
    parameters = models.JSONField(default=dict)
    windows = models.JSONField(default=dict)
    participants_as_of = models.DateField()
    participants_digest = models.CharField(max_length=64)
    participant_count = models.PositiveIntegerField(default=0)
    deliveries = models.JSONField(
        default=list, help_text="The loaded deliveries the claims came from."
    )
    snapshot = models.ForeignKey(
        "ClaimSnapshot", on_delete=models.SET_NULL, null=True, blank=True, related_name="runs",
        help_text="The claims read (set when the run starts).",
    )  # fmt: skip
    previous_run = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The run the changes are counted against.",
    )  # fmt: skip

    # Progress: beneficiaries are split into buckets; completion is counted here.
    bucket_count = models.PositiveSmallIntegerField()
    buckets_done = models.PositiveSmallIntegerField(default=0)
    beneficiary_count = models.PositiveIntegerField(default=0)
    aligned_count = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
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
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "performance_year", "list_kind", "version"],
                name="alignment_run_version_unique",
            ),
            # One open run per entity and performance year (STYLE.md 4).
            models.UniqueConstraint(
                fields=["entity", "performance_year"],
                condition=Q(status__in=["queued", "running"]),
                name="alignment_run_one_open_per_year",
            ),
            models.CheckConstraint(
                condition=Q(buckets_done__lte=models.F("bucket_count")),
                name="alignment_run_buckets_done_le_count",
            ),
        ]
        indexes = [
            models.Index(
                fields=["entity", "performance_year", "-created_at"], name="alignment_run_entity_py"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity.cms_id} PY{self.performance_year} {self.kind_short} v{self.version}"

    @property
    def kind_short(self) -> str:
        """The short name of the list: the choice's label explains itself ("as of the run
        date"), which reads twice beside the run's as-of date on the pages that name the run."""
        return "quarterly list" if self.list_kind == ListKind.QUARTERLY else "final list"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def progress(self) -> int:
        if self.status == RunStatus.SUCCEEDED:
            return 100
        return int(100 * self.buckets_done / self.bucket_count) if self.bucket_count else 0


class AlignmentRunEvent(models.Model):
    """Audit row for every status change of a run: who, when, from, to, why."""

    tenant_path = "run__entity"

    run = models.ForeignKey(AlignmentRun, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.from_status or '-'} -> {self.to_status}"


class BucketStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"


class AlignmentBucket(models.Model):
    """One slice of a run's beneficiaries. A worker claims a pending bucket with a row lock held
    for the whole of its transaction, so a worker that dies gives the bucket back."""

    tenant_path = "run__entity"

    run = models.ForeignKey(AlignmentRun, on_delete=models.CASCADE, related_name="buckets")
    index = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=16, choices=BucketStatus.choices, default=BucketStatus.PENDING
    )
    beneficiary_count = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(
        default=0, help_text="Wall time of the bucket's read, compute and write."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="alignment_bucket_unique_index")
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} bucket {self.index} ({self.status})"


class AlignmentResult(models.Model):
    """One beneficiary's result in one run: aligned or not, why, and to whom."""

    tenant_path = "run__entity"

    run = models.ForeignKey(AlignmentRun, on_delete=models.CASCADE, related_name="results")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="alignment_results"
    )
    bucket = models.PositiveSmallIntegerField()
    aligned = models.BooleanField()
    step = models.CharField(max_length=24, choices=[(s.value, s.label) for s in Step])
    reason = models.CharField(max_length=40, choices=[(r.value, r.label) for r in Reason])
    attributed_tin = models.CharField(max_length=9, blank=True)
    attributed_npi = models.CharField(max_length=10, blank=True)
    attributed_ccn = models.CharField(max_length=6, blank=True)
    entity_allowed = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    top_competitor = models.CharField(max_length=40, blank=True)
    competitor_allowed = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    entity_last_service = models.DateField(null=True, blank=True)
    competitor_last_service = models.DateField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "beneficiary"], name="alignment_result_one_per_run"
            )
        ]
        indexes = [
            models.Index(fields=["beneficiary", "run"], name="alignment_result_bene_run"),
            models.Index(fields=["run", "bucket"], name="alignment_result_run_bucket"),
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} beneficiary {self.beneficiary_id}: {self.reason}"

    @property
    def step_label(self) -> str:
        return STEP_LABELS[Step(self.step)]

    @property
    def step_short(self) -> str:
        """The step's name without its gloss, for a narrow column: "Step 1" for "Step 1
        (primary care physicians and practitioners)"."""
        return self.step_label.split(" (", 1)[0]

    @property
    def reason_label(self) -> str:
        return REASON_LABELS[Reason(self.reason)]

    @property
    def explanation(self) -> str:
        return reason_text(self.reason, self.top_competitor)


class ChangeKind(models.TextChoices):
    ADDED = "added", "Added"
    DROPPED = "dropped", "Dropped"
    CHANGED = "changed", "Changed"


class AlignmentChange(models.Model):
    """A beneficiary who was added, dropped or changed (step or attributed clinician) between
    the previous run and this one, with both sides' reasons."""

    tenant_path = "run__entity"

    run = models.ForeignKey(AlignmentRun, on_delete=models.CASCADE, related_name="changes")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="alignment_changes"
    )
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    previous_step = models.CharField(max_length=24, blank=True)
    previous_reason = models.CharField(max_length=40, blank=True)
    previous_tin = models.CharField(max_length=9, blank=True)
    previous_npi = models.CharField(max_length=10, blank=True)
    step = models.CharField(
        max_length=24, blank=True, help_text="Empty when the beneficiary left the population."
    )
    reason = models.CharField(max_length=40, blank=True)
    attributed_tin = models.CharField(max_length=9, blank=True)
    attributed_npi = models.CharField(max_length=10, blank=True)
    top_competitor = models.CharField(max_length=40, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["run", "kind", "beneficiary"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "beneficiary"], name="alignment_change_one_per_run"
            )
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} beneficiary {self.beneficiary_id}: {self.kind}"

    @property
    def explanation(self) -> str:
        return change_text(
            kind=self.kind,
            reason=self.reason,
            competitor=self.top_competitor,
            previous_step=self.previous_step,
            step=self.step,
            previous_tin=self.previous_tin,
            tin=self.attributed_tin,
            previous_npi=self.previous_npi,
            npi=self.attributed_npi,
        )

    @property
    def why(self) -> str:
        """The explanation without its kind ("added: ..."), for a page that shows the kind in
        its own column."""
        return self.explanation.split(": ", 1)[-1]


class VoluntarySource(models.TextChoices):
    MEDICARE_GOV = "medicare_gov", "Medicare.gov designation"
    ATTESTATION = "attestation", "Signed attestation"


class VoluntaryAlignment(models.Model):
    """A beneficiary's designation of a clinician (domain.md 1.2 "Voluntary alignment", 1.4).
    Validated on entry: the NPI was on the entity's participant list at the signature date."""

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="voluntary_alignments"
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="voluntary_alignments"
    )
    tin = models.CharField("TIN", max_length=9)
    npi = models.CharField("designated NPI", max_length=10)
    signature_date = models.DateField()
    source = models.CharField(max_length=16, choices=VoluntarySource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-signature_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "beneficiary", "npi", "signature_date"],
                name="voluntary_alignment_unique",
            )
        ]
        indexes = [models.Index(fields=["entity", "beneficiary"], name="voluntary_entity_bene")]

    def __str__(self) -> str:
        return f"beneficiary {self.beneficiary_id} -> NPI {self.npi} ({self.signature_date})"


class SnapshotStatus(models.TextChoices):
    BUILDING = "building", "Building"
    READY = "ready", "Ready"


class ClaimSnapshot(models.Model):
    """The final-action claim lines alignment reads, for one entity and one set of loaded
    deliveries: built once from the claims app's final-action query (claims.final_action) and
    read by every run until the next delivery. Runs keep theirs until they finish, so a new
    delivery never changes a run halfway."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(
        max_length=64, help_text="Digest of the deliveries and code lists it was built from."
    )
    deliveries = models.JSONField(default=list)
    status = models.CharField(
        max_length=16, choices=SnapshotStatus.choices, default=SnapshotStatus.BUILDING
    )
    line_count = models.BigIntegerField(default=0)
    stay_count = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "digest"], name="claim_snapshot_unique_digest"
            )
        ]

    def __str__(self) -> str:
        return f"claims snapshot {self.pk} of entity {self.entity_id} ({self.status})"


class ClaimLineKind(models.TextChoices):
    LINE = "L", "Service line"
    SNF_STAY = "S", "SNF stay"
    INPATIENT_STAY = "I", "Inpatient stay"


class ClaimLine(models.Model):
    """One row of a claims snapshot: a Part B line, an FQHC/RHC revenue line, or a SNF or
    inpatient stay, narrowed to what alignment reads. `slot` is the beneficiary's hash slot
    (alignment.services.buckets.SLOTS): a run's bucket is a set of slots."""

    # No database constraint: a snapshot's millions of lines are written in the transaction that
    # creates it, and a deferred foreign-key check per line doubled the build; lines go with their
    # snapshot in `claim_snapshots_prune`.
    snapshot = models.ForeignKey(
        ClaimSnapshot,
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    slot = models.PositiveSmallIntegerField()
    beneficiary_id = models.BigIntegerField()
    kind = models.CharField(max_length=1, choices=ClaimLineKind.choices)
    service_date = models.DateField()
    thru_date = models.DateField(null=True, blank=True)
    hcpcs = models.CharField(max_length=5, blank=True)
    allowed_cents = models.BigIntegerField(default=0)
    tin = models.CharField(max_length=10, blank=True)
    npi = models.CharField(max_length=10, blank=True)
    ccn = models.CharField(max_length=20, blank=True)
    specialty = models.CharField(max_length=2, blank=True)
    pos = models.CharField(max_length=2, blank=True)
    fqhc_rhc = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["snapshot", "slot"], name="alignment_claimline_slot")]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} of beneficiary {self.beneficiary_id} on {self.service_date}"
        )


class DesignationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the beneficiary to appear in a delivery"
    MATCHED = "matched", "Matched to a beneficiary of a delivery"
    CONFLICT = "conflict", "MBI found in a delivery, but the date of birth differs"


class PendingDesignation(models.Model):
    """A voluntary alignment designation recorded by MBI, name and date of birth for a
    beneficiary who is not yet in any delivery. When a delivery brings the MBI (or a crosswalk
    links it), `pending_designations_match` checks the date of birth and records the
    VoluntaryAlignment that runs read; the row stays, with what it was matched to."""

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="pending_designations"
    )
    mbi = models.CharField("MBI", max_length=11)
    first_name = models.CharField(max_length=30)
    last_name = models.CharField(max_length=40)
    birth_date = models.DateField("date of birth")
    tin = models.CharField("TIN", max_length=9)
    npi = models.CharField("designated NPI", max_length=10)
    signature_date = models.DateField("date signed")
    source = models.CharField(max_length=16, choices=VoluntarySource.choices)
    status = models.CharField(
        max_length=16, choices=DesignationStatus.choices, default=DesignationStatus.PENDING
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set when a delivery brought the MBI.",
    )
    voluntary_alignment = models.ForeignKey(
        VoluntaryAlignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    matched_on = models.DateField(
        null=True, blank=True, help_text="Date of the delivery that first carried the MBI."
    )
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "mbi", "npi", "signature_date"],
                name="pending_designation_unique",
            )
        ]
        indexes = [models.Index(fields=["entity", "status"], name="pending_designation_status")]

    def __str__(self) -> str:
        return f"designation #{self.pk} -> NPI {self.npi} ({self.signature_date}, {self.status})"

    @property
    def masked_mbi(self) -> str:
        return "*******" + self.mbi[-4:] if self.mbi else ""


class Reconciliation(models.Model):
    """The counts of one comparison of an alignment run with a CMS list (the people themselves
    are computed again when the page or the export is read): by group, by cause, and the
    agreement rate, for the entity overview. One per run, list and stated margin."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(AlignmentRun, on_delete=models.CASCADE, related_name="+")
    cms_list = models.ForeignKey("cmslists.CmsList", on_delete=models.CASCADE, related_name="+")
    margin = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="The stated plurality margin, in dollars."
    )
    people = models.PositiveIntegerField(default=0)
    groups = models.JSONField(default=dict)
    causes = models.JSONField(default=list)
    agreement_percent = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    data_sharing_known = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "cms_list", "margin"], name="reconciliation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} against CMS list {self.cms_list_id}"
