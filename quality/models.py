"""Quality measures computed from the entity's own claims (quality.engine), one run per entity
and performance year and claims date, kept with history: a run is never rewritten, a newer run
is added beside it.

`MeasureRun` and `MeasureResult` hold counts and rates (no PHI); `MeasureCase` (the index stays,
acute events or beneficiaries behind a rate) and `MeasureEvent` (the admissions and days away
behind UAMCC, 484 and DAH) name beneficiaries and are PHI (core.phi_tables, core.rls).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from core.tenancy import TenantManager


class MeasureRun(models.Model):
    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, related_name="quality_runs"
    )
    performance_year = models.PositiveSmallIntegerField()
    as_of = models.DateField(
        help_text="The claims data date: the latest claim through date the measures read."
    )
    population_source = models.CharField(max_length=200)
    population = models.PositiveIntegerField(default=0)
    value_set_version = models.CharField(max_length=20)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-performance_year", "-as_of", "-created_at"]
        indexes = [models.Index(fields=["entity", "performance_year", "-created_at"])]

    def __str__(self) -> str:
        return f"Quality measures of entity {self.entity_id} PY{self.performance_year} as of {self.as_of}"


class MeasureResult(models.Model):
    """One measure's observed rate in a run, with its interval, exclusions and quarterly trend."""

    tenant_path = "run__entity"

    run = models.ForeignKey(MeasureRun, on_delete=models.CASCADE, related_name="results")
    code = models.CharField(max_length=8)
    title = models.CharField(max_length=200)
    basis = models.CharField(
        max_length=16, help_text="'observed': computed here from claims, never CMS's figure."
    )
    unit = models.CharField(max_length=24)
    lower_is_better = models.BooleanField()
    numerator = models.DecimalField(max_digits=14, decimal_places=2)
    denominator = models.DecimalField(max_digits=14, decimal_places=2)
    rate = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    lower = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    upper = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    exclusions = models.JSONField(default=dict, blank=True)
    quarters = models.JSONField(default=list, blank=True)
    specification = models.TextField()
    partial_value_sets = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    open_cases = models.PositiveIntegerField(
        default=0,
        help_text="Cases whose outcome window runs past the claims date: not in the rate yet.",
    )
    window = models.TextField(
        blank=True, help_text="The outcome window as the measure's specification sets it."
    )

    objects = TenantManager()

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "code"], name="quality_result_one_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.rate}"


class MeasureCase(models.Model):
    """A denominator unit of a measure: an index stay (ACR, 479), an acute event (TFU) or a
    beneficiary (UAMCC, 484, DAH), with its outcome. PHI."""

    tenant_path = "result__run__entity"

    result = models.ForeignKey(MeasureResult, on_delete=models.CASCADE, related_name="cases")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    unit = models.CharField(max_length=12)
    category = models.CharField(max_length=300, blank=True)
    event_claim_id = models.CharField(max_length=20, blank=True)
    event_start = models.DateField(null=True, blank=True)
    event_end = models.DateField(null=True, blank=True)
    event_dx = models.CharField(max_length=8, blank=True)
    outcome = models.DecimalField(max_digits=10, decimal_places=2)
    exposure = models.DecimalField(max_digits=10, decimal_places=2)
    outcome_claim_id = models.CharField(max_length=20, blank=True)
    outcome_date = models.DateField(null=True, blank=True)
    outcome_dx = models.CharField(max_length=8, blank=True)
    window_end = models.DateField(null=True, blank=True)
    window_complete = models.BooleanField(
        default=True,
        help_text="The outcome window is over by the run's claims date; False: left out of the "
        "rate until it closes (an open care gap while it has no outcome).",
    )
    tin = models.CharField(max_length=9, blank=True)
    npi = models.CharField(max_length=10, blank=True)
    facility_ccn = models.CharField(max_length=6, blank=True)
    facility_npi = models.CharField(max_length=10, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["result", "event_end", "id"]
        indexes = [models.Index(fields=["result", "outcome"])]

    def __str__(self) -> str:
        return f"Case {self.pk} of result {self.result_id}"


class MeasureEvent(models.Model):
    """An admission (UAMCC, 484: counted or not, and why) or a day away from home (DAH). PHI."""

    tenant_path = "result__run__entity"

    result = models.ForeignKey(MeasureResult, on_delete=models.CASCADE, related_name="events")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    claim_id = models.CharField(max_length=20)
    kind = models.CharField(max_length=16)
    start = models.DateField()
    end = models.DateField()
    principal_dx = models.CharField(max_length=8, blank=True)
    counted = models.BooleanField()
    reason = models.CharField(max_length=80, blank=True)
    facility_ccn = models.CharField(max_length=6, blank=True)
    facility_npi = models.CharField(max_length=10, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["result", "start", "id"]

    def __str__(self) -> str:
        return f"Event {self.pk} of result {self.result_id}"


class ReportedFile(models.Model):
    """A file of quality results a partner or vendor submitted (QRDA Category III from an EHR),
    with its source, submission date and reporting period. A new upload for the same entity,
    year, kind and source replaces the current one; the replaced file stays, pointing at its
    successor (the history)."""

    class Kind(models.TextChoices):
        QRDA3 = "qrda3", "QRDA Category III (eCQM aggregate results)"
        CAHPS = "cahps", "CAHPS for MIPS survey results (survey vendor's file)"
        MEASURE_REPORT = "fhir_mr", "FHIR MeasureReport (individual, patient-level eCQM results)"

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, related_name="quality_files"
    )
    performance_year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    source = models.CharField(max_length=200, help_text="Who sent it: the EHR or vendor.")
    submitted_on = models.DateField(help_text="The date the source submitted the file.")
    period_start = models.DateField()
    period_end = models.DateField()
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced"
    )

    objects = TenantManager()

    class Meta:
        ordering = ["-performance_year", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.source}, PY{self.performance_year}"

    @property
    def measures_in_order(self) -> list[Any]:
        """Its measures by id, numbers in order (CAHPS_2 before CAHPS_11)."""
        from quality.engine.app_score import ssm_order

        return sorted(self.measures.all(), key=lambda m: ssm_order(m.measure_id))


class ReportedMeasure(models.Model):
    """One measure's aggregate counts and performance rate as the file reports them."""

    tenant_path = "file__entity"

    file = models.ForeignKey(ReportedFile, on_delete=models.CASCADE, related_name="measures")
    measure_id = models.CharField(max_length=80, help_text="The measure's version-specific id.")
    title = models.CharField(max_length=300, blank=True)
    ipop = models.PositiveIntegerField(null=True, blank=True)
    denom = models.PositiveIntegerField(null=True, blank=True)
    numer = models.PositiveIntegerField(null=True, blank=True)
    denex = models.PositiveIntegerField(null=True, blank=True)
    denexcep = models.PositiveIntegerField(null=True, blank=True)
    performance_rate = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["file", "measure_id"]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.performance_rate}"

    @property
    def rate_shown(self) -> Decimal | None:
        """The performance rate (0 to 1) the file gives, else the one its counts give:
        numerator / (denominator - exclusions - exceptions), as the quality score reads it."""
        if self.performance_rate is not None:
            return self.performance_rate
        if self.numer is None or self.denom is None:
            return None
        eligible = self.denom - (self.denex or 0) - (self.denexcep or 0)
        return Decimal(self.numer) / Decimal(eligible) if eligible > 0 else None

    @property
    def display_title(self) -> str:
        """The title CMS publishes for a CAHPS summary survey measure, else the file's own."""
        from quality.engine.app_score import cahps_ssm_title

        return cahps_ssm_title(self.measure_id) or self.title


class BenchmarkFile(models.Model):
    """A performance year's MIPS quality benchmarks as CMS publishes them (the QPP benchmark CSV
    layout), uploaded with its source. National data, the same for every entity: platform staff
    upload it. A new upload for the year replaces the current file; the replaced file stays,
    pointing at its successor. Optionally it carries the year's quality performance standard
    threshold (the 40th percentile of MIPS quality scores) with its source."""

    performance_year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=300, help_text="The CMS publication and its date.")
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    qps_threshold = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    qps_source = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced"
    )

    class Meta:
        ordering = ["-performance_year", "-uploaded_at"]

    def __str__(self) -> str:
        return f"MIPS quality benchmarks PY{self.performance_year} ({self.source})"


class MipsBenchmark(models.Model):
    """One measure x collection type's benchmark: the percentile values of the file, as text."""

    file = models.ForeignKey(BenchmarkFile, on_delete=models.CASCADE, related_name="rows")
    measure_id = models.CharField(max_length=40)
    collection = models.CharField(max_length=60)
    name = models.CharField(max_length=400, blank=True)
    inverse = models.BooleanField()
    topped_out_by_program = models.BooleanField()
    percentiles = models.JSONField()

    class Meta:
        ordering = ["file", "measure_id", "collection"]

    def __str__(self) -> str:
        return f"{self.measure_id} ({self.collection})"


class HealthEquityInput(models.Model):
    """CMS's health equity adjustment inputs for an MSSP ACO's performance year, entered in the
    admin console with their source (CMS's quality report): the performance scaler, the
    underserved multiplier and whether CMS found the ACO eligible. The quality score adds
    performance scaler x underserved multiplier bonus points, at most 10 (42 CFR 425.512; CY2023
    PFS final rule). CMS ranks the ACO's measures among all ACOs for the scaler and uses Part D
    low-income subsidy and area deprivation data for the multiplier: the platform holds neither.
    """

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="health_equity_inputs"
    )
    performance_year = models.PositiveSmallIntegerField()
    performance_scaler = models.DecimalField(
        max_digits=6, decimal_places=2, help_text="As on CMS's report."
    )
    underserved_multiplier = models.DecimalField(
        max_digits=5, decimal_places=4, help_text="0 to 1, as on CMS's report (e.g. 0.4250)."
    )
    eligible = models.BooleanField(
        "eligible for the adjustment", default=True, help_text="As CMS determined it."
    )
    source = models.CharField(max_length=300, help_text="CMS's report and its date.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ["entity", "-performance_year"]
        verbose_name = "health equity adjustment input"
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "performance_year"], name="health_equity_one_per_entity_year"
            ),
            models.CheckConstraint(
                condition=models.Q(underserved_multiplier__gte=0)
                & models.Q(underserved_multiplier__lte=1)
                & models.Q(performance_scaler__gte=0),
                name="health_equity_inputs_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity.cms_id} PY{self.performance_year} health equity inputs"


class PatientResult(models.Model):
    """One patient's populations for one eCQM as a partner EHR reported them (a FHIR
    `MeasureReport` of type individual), in a `ReportedFile` that carries the source, the
    submission date and the reporting period. PHI: names a beneficiary (matched by MBI within the
    entity; the MBI itself is not kept here)."""

    tenant_path = "file__entity"

    file = models.ForeignKey(ReportedFile, on_delete=models.CASCADE, related_name="patients")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    quality_id = models.CharField(max_length=8, help_text="The MIPS Quality ID, e.g. 001.")
    measure_ref = models.CharField(max_length=300, help_text="The measure as the report names it.")
    entry = models.CharField(max_length=120, help_text="Where in the submission: entry and id.")
    initial_population = models.BooleanField(default=False)
    denominator = models.BooleanField(default=False)
    denominator_exclusion = models.BooleanField(default=False)
    denominator_exception = models.BooleanField(default=False)
    numerator = models.BooleanField(default=False)

    objects = TenantManager()

    class Meta:
        ordering = ["file", "quality_id", "id"]
        indexes = [models.Index(fields=["file", "quality_id"])]

    def __str__(self) -> str:
        return f"{self.quality_id} of beneficiary {self.beneficiary_id} in file {self.file_id}"
