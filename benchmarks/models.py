"""Risk scores, reference data and stored, explainable benchmark calculations."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tenancy import TenantManager


class ReferenceStatus(models.TextChoices):
    """How far a reference value has been checked (domain.md section 0)."""

    CMS = "cms", "Copied from a CMS report or rate book"
    VERIFIED = "V", "[V] seen in a primary or secondary source"
    RECALLED = "R", "[R] recalled, not re-read: to confirm"
    THIRD_PARTY = "3P", "[3P] third-party source: to confirm"
    DEMO = "demo", "Demo value (synthetic)"


CONFIRMED_STATUSES = (ReferenceStatus.CMS, ReferenceStatus.VERIFIED)


class ReferenceDataset(models.Model):
    """One uploaded CSV of reference values for a program and year, with its source.

    `entity` empty: national values (thresholds, national per capita, trends, program parameters)
    that every entity of the program uses. `entity` set: values CMS gives that entity only
    (regional rates, penetration, prior savings). A new upload for the same program, year and
    entity is a new version; calculations use the latest version and record which.
    """

    program = models.ForeignKey("entities.Program", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField()
    source = models.TextField(help_text="The CMS document (and table) the values come from.")
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["program__code", "-year", "entity__cms_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "year", "entity", "version"],
                condition=Q(entity__isnull=False),
                name="refdata_version_unique_entity",
            ),
            models.UniqueConstraint(
                fields=["program", "year", "version"],
                condition=Q(entity__isnull=True),
                name="refdata_version_unique_national",
            ),
        ]

    def __str__(self) -> str:
        scope = self.entity.cms_id if self.entity is not None else "national"
        return f"{self.program.code.upper()} {self.year} {scope} v{self.version}"


class ReferenceValue(models.Model):
    """One value of a reference dataset: a name from the catalogue, a segment, the value."""

    tenant_path = "dataset__entity"

    dataset = models.ForeignKey(ReferenceDataset, on_delete=models.CASCADE, related_name="values")
    name = models.CharField(max_length=64)
    segment = models.CharField(max_length=16, blank=True)
    value = models.DecimalField(max_digits=34, decimal_places=18)
    status = models.CharField(max_length=8, choices=ReferenceStatus.choices)
    note = models.CharField(max_length=300, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["name", "segment"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "name", "segment"], name="refvalue_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}[{self.segment or 'all'}] = {self.value}"

    @property
    def to_confirm(self) -> bool:
        return self.status not in CONFIRMED_STATUSES


class RiskScore(models.Model):
    """A beneficiary's blended raw CMS-HCC score for a payment year (diagnoses of the year before),
    as hccinfhir computes it; program normalization and caps apply in the benchmark."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="risk_scores"
    )
    payment_year = models.PositiveSmallIntegerField()
    model_family = models.CharField(max_length=16, help_text="cms_hcc or esrd")
    segment = models.CharField(
        max_length=32, help_text="hccinfhir coefficient segment (CNA, INS, NE, DI, ...)"
    )
    raw_score = models.DecimalField(max_digits=10, decimal_places=6)
    demographic_score = models.DecimalField(max_digits=10, decimal_places=6)
    blend = models.JSONField(default=dict, help_text="Model name -> weight.")
    diagnosis_year = models.PositiveSmallIntegerField()
    diagnoses_through = models.DateField(help_text="Latest claim through date read.")
    computed_at = models.DateTimeField(auto_now=True)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantManager()

    class Meta:
        ordering = ["beneficiary_id", "-payment_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "payment_year"], name="risk_score_one_per_year"
            ),
        ]
        indexes = [models.Index(fields=["entity", "payment_year"], name="risk_score_entity_year")]

    def __str__(self) -> str:
        return f"risk {self.payment_year} of beneficiary {self.beneficiary_id}"


class RiskScoreComponent(models.Model):
    """One model of the blend (V24, V28, ESRD V24 ...) with its weight and raw score."""

    tenant_path = "risk_score__entity"

    risk_score = models.ForeignKey(RiskScore, on_delete=models.CASCADE, related_name="components")
    model = models.CharField(max_length=40)
    weight = models.DecimalField(max_digits=8, decimal_places=6)
    segment = models.CharField(max_length=32)
    raw_score = models.DecimalField(max_digits=10, decimal_places=3)
    demographic_score = models.DecimalField(max_digits=10, decimal_places=3)

    objects = TenantManager()

    class Meta:
        ordering = ["model"]

    def __str__(self) -> str:
        return f"{self.model}: {self.raw_score}"


class RiskHcc(models.Model):
    """An HCC (after hierarchies) of one model in a beneficiary's score."""

    tenant_path = "risk_score__entity"

    risk_score = models.ForeignKey(RiskScore, on_delete=models.CASCADE, related_name="hccs")
    model = models.CharField(max_length=40)
    hcc = models.CharField(max_length=16)
    label = models.CharField(max_length=200, blank=True)
    coefficient = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["model", "hcc"]
        constraints = [
            models.UniqueConstraint(fields=["risk_score", "model", "hcc"], name="risk_hcc_unique"),
        ]

    def __str__(self) -> str:
        return f"HCC {self.hcc} ({self.model})"


class RiskDiagnosis(models.Model):
    """A diagnosis behind an HCC, with the claims it was coded on."""

    tenant_path = "hcc__risk_score__entity"

    hcc = models.ForeignKey(RiskHcc, on_delete=models.CASCADE, related_name="diagnoses")
    dx_code = models.CharField(max_length=8)
    claim_count = models.PositiveIntegerField()
    first_date = models.DateField(null=True, blank=True)
    last_date = models.DateField(null=True, blank=True)
    last_claim_id = models.CharField(max_length=20, blank=True, help_text="CUR_CLM_UNIQ_ID")

    objects = TenantManager()

    class Meta:
        ordering = ["dx_code"]

    def __str__(self) -> str:
        return self.dx_code


class BenchmarkCalculation(models.Model):
    """One stored benchmark for an entity and performance year: a version, never overwritten.

    Holds the result settlement reads (total, member-months, per segment) and, in its steps,
    every input and output of the chain that produced it.
    """

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    performance_year = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField()
    program = models.CharField(max_length=16)
    method = models.CharField(max_length=200)
    parameters = models.JSONField(
        default=dict, help_text="Agreement start, period, arrangement ..."
    )
    inputs_summary = models.JSONField(default=dict, help_text="Counts of what was read.")
    total = models.DecimalField(max_digits=16, decimal_places=2)
    member_months = models.PositiveIntegerField()
    member_months_by_enrollment_type = models.JSONField(default=dict)
    extras = models.JSONField(default=dict, help_text="Program-specific totals, as strings.")
    reference_datasets = models.ManyToManyField(ReferenceDataset, related_name="+", blank=True)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-performance_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "performance_year", "version"], name="benchmark_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Benchmark PY{self.performance_year} v{self.version}"

    @property
    def person_years(self) -> Decimal:
        return Decimal(self.member_months) / 12

    @property
    def per_capita(self) -> Decimal:
        """Total per person-year, exact."""
        return self.total * 12 / self.member_months if self.member_months else Decimal(0)


class BenchmarkSegment(models.Model):
    """The updated benchmark of one enrollment type (MSSP) or benchmark group (REACH)."""

    tenant_path = "calculation__entity"

    calculation = models.ForeignKey(
        BenchmarkCalculation, on_delete=models.CASCADE, related_name="segments"
    )
    segment = models.CharField(max_length=16)
    member_months = models.PositiveIntegerField()
    per_capita = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=16, decimal_places=2)

    objects = TenantManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["calculation", "segment"], name="benchmark_segment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment}: {self.per_capita}"

    @property
    def person_years(self) -> Decimal:
        return Decimal(self.member_months) / 12


class BenchmarkStep(models.Model):
    """One step of a stored calculation, with its rule, inputs and outputs (Figure dicts)."""

    tenant_path = "calculation__entity"

    calculation = models.ForeignKey(
        BenchmarkCalculation, on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    rule = models.TextField()
    note = models.TextField(blank=True)
    inputs = models.JSONField(default=list)
    outputs = models.JSONField(default=list)

    objects = TenantManager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["calculation", "position"], name="benchmark_step_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class BenchmarkYearPopulation(models.Model):
    """Where one year's population of a calculation came from.

    `source` "alignment_engine": the alignment engine run for the benchmark year with the current
    participant list (42 CFR 425.652(a); REACH FOG 4.1.1), its lineage in `lineage` (engine and
    parameters version, windows, participant list date/digest/size, claims snapshot, deliveries)
    and its counts by step and reason. "cclf8_roster": the roster, chosen explicitly. "alignment_run":
    the performance year's own alignment run (`alignment_run`). The aligned beneficiaries are kept
    so the population can be audited beneficiary by beneficiary.
    """

    tenant_path = "calculation__entity"

    calculation = models.ForeignKey(
        BenchmarkCalculation, on_delete=models.CASCADE, related_name="populations"
    )
    year = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=4, help_text="BY1, BY2, BY3 or PY.")
    source = models.CharField(max_length=24)
    description = models.TextField()
    alignment_run = models.ForeignKey(
        "alignment.AlignmentRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lineage = models.JSONField(default=dict, blank=True)
    by_step_reason = models.JSONField(default=list, blank=True)
    beneficiary_count = models.PositiveIntegerField(
        default=0, help_text="Beneficiaries the engine looked at (every one with claims data)."
    )
    beneficiary_ids = models.JSONField(default=list, help_text="The population's beneficiaries.")

    objects = TenantManager()

    class Meta:
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(
                fields=["calculation", "year"], name="benchmark_population_unique_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.year}: {self.source}"

    @property
    def size(self) -> int:
        return len(self.beneficiary_ids)


class InstitutionalStatus(models.Model):
    """A beneficiary's long-term institutional (LTI) status for a year, as CMS reports it.

    The CMS-HCC model scores long-term institutionalized beneficiaries with its institutional
    segment and everyone else with the community ones. CMS derives the status from Minimum Data
    Set nursing-home assessments, which CCLF does not carry; for MSSP ACOs CMS reports it in the
    assignment list report (ALR Table 1-1, `LTI_STATUS`, domain.md 8.3). No source we have states a
    claims-based proxy, so the status is an input, uploaded per year, and a beneficiary without one
    is scored as living in the community.
    """

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(help_text="The payment year the status applies to.")
    institutional = models.BooleanField()
    source = models.TextField(help_text="The CMS report the status comes from.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["year", "beneficiary_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "beneficiary", "year"], name="institutional_status_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {'institutional' if self.institutional else 'community'}"


class HighNeedsRun(models.Model):
    """The High Needs Population eligibility of an ACO REACH entity's roster of record at one
    check date of a performance year, computed by a job (`benchmarks.high_needs`) from the
    stored claims and risk scores, with the data it was read from: the entity-type page shows
    it rather than reading five years of claims on every request. One per entity, year and
    check date: a new computation replaces the earlier one in its transaction. Counts only;
    the beneficiaries' rows are `HighNeedsResult` (PHI)."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    performance_year = models.PositiveSmallIntegerField()
    check_date = models.DateField()
    criteria_version = models.CharField(max_length=40)
    roster_label = models.CharField(max_length=200, blank=True)
    roster_as_of = models.DateField(null=True, blank=True)
    claims_through = models.DateField(
        null=True, blank=True, help_text="Latest through date of the claims read."
    )
    risk_through = models.DateField(
        null=True, blank=True, help_text="Latest diagnoses through date of the risk scores read."
    )
    population = models.PositiveIntegerField(default=0)
    eligible = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="Criterion code -> beneficiaries meeting it.")
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-performance_year", "check_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "performance_year", "check_date"],
                name="high_needs_run_one_per_date",
            ),
        ]

    def __str__(self) -> str:
        return f"High Needs eligibility of entity {self.entity_id} on {self.check_date}"


class HighNeedsResult(models.Model):
    """One beneficiary of a `HighNeedsRun`: the criteria met (codes of the criteria file) and
    why, as the engine (alignment.engine.high_needs) states it. PHI."""

    run = models.ForeignKey(HighNeedsRun, on_delete=models.CASCADE, related_name="results")
    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    eligible = models.BooleanField()
    met = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    notes = models.JSONField(default=list)

    objects = TenantManager()

    class Meta:
        ordering = ["run", "beneficiary_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "beneficiary"], name="high_needs_result_one_per_bene"
            ),
        ]
        indexes = [
            models.Index(fields=["run", "eligible", "beneficiary"], name="high_needs_result_shown")
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}: {', '.join(self.met) or 'none'}"
