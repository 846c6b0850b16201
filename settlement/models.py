"""Settlement versions: each run of a settlement for an entity x performance year is a new,
immutable version with its inputs, figures, explanation and participant shares."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from core.tenancy import TenantManager


class ImmutableRecordError(RuntimeError):
    """A settlement version, once written, is never changed or deleted; run a new version."""


class SettlementKind(models.TextChoices):
    FINAL = "final", "Final settlement"
    PROJECTION = "projection", "Projected settlement"


class SettlementRun(models.Model):
    """One immutable settlement version.

    `inputs` holds the figures in the batch calculator's columns (text, so nothing is lost to a
    float); `figures` the engine's results as text; `explanation` the ordered steps. A projection
    also holds its `band` (the bootstrap interval).
    """

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="settlement_runs"
    )
    program = models.CharField(max_length=16)
    performance_year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=SettlementKind.choices)
    version = models.PositiveIntegerField()
    inputs = models.JSONField()
    figures = models.JSONField()
    explanation = models.JSONField()
    band = models.JSONField(default=dict, blank=True)
    parameter_version = models.CharField(max_length=120)
    gross_savings = models.DecimalField(max_digits=16, decimal_places=2)
    earned_savings_losses = models.DecimalField(max_digits=16, decimal_places=2)
    distribution_method = models.CharField(max_length=200, blank=True)
    note = models.CharField("why this version", max_length=300, blank=True)
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="settlement_run"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-performance_year", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "performance_year", "kind", "version"],
                name="settlement_run_one_version_number",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="settlement_run_version_from_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity.cms_id} PY{self.performance_year} {self.get_kind_display()} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRecordError("A settlement version cannot be changed; run a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRecordError("A settlement version cannot be deleted.")


tin_validator = RegexValidator(r"^\d{9}$", "A TIN is nine digits.")


class ParticipantShare(models.Model):
    """A participant TIN's part of one settlement version, with the figures it was weighed on."""

    tenant_path = "run__entity"

    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="shares")
    tin = models.CharField("TIN", max_length=9, validators=[tin_validator])
    name = models.CharField(max_length=200)
    attributed_beneficiaries = models.PositiveIntegerField()
    benchmark = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    expenditure = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    quality_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    weight = models.DecimalField(
        max_digits=13, decimal_places=12
    )  # display; the split used exact weights
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    objects = TenantManager()

    class Meta:
        ordering = ["run", "tin"]
        constraints = [
            models.UniqueConstraint(fields=["run", "tin"], name="participant_share_one_per_tin")
        ]

    def __str__(self) -> str:
        return f"{self.tin} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRecordError(
                "A participant share belongs to an immutable settlement version."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRecordError("A participant share cannot be deleted.")

    @property
    def weight_pct(self) -> Decimal:
        """The share of the whole in percent, to two decimals (display only)."""
        return (self.weight * 100).quantize(Decimal("0.01"))


class QualityResult(models.Model):
    """An entity's quality result for a performance year: computed on the platform from the
    measure results (the quality app writes it, with its measure-by-measure `path`), or entered
    by an entity admin in the admin console from CMS's report, which overrides the computed one
    (`origin`). Settlement reads it; each settlement version copies the values it used into its
    inputs, so correcting a result later never changes a stored version.
    """

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="quality_results"
    )
    performance_year = models.PositiveSmallIntegerField()
    quality_score = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="0-100, as on CMS's quality report.",
    )
    met_standard = models.BooleanField("met the quality performance standard", default=False)
    met_alternative = models.BooleanField("met the alternative quality standard", default=False)
    met_reporting = models.BooleanField("met the quality reporting requirement", default=False)
    source = models.CharField(
        max_length=300, help_text="Where the figures come from (CMS report, date)."
    )
    origin = models.CharField(
        max_length=12,
        choices=[
            ("computed", "Computed on the platform from the measure results"),
            ("override", "Entered from CMS's report (overrides the computed score)"),
        ],
        default="override",
    )
    path = models.JSONField(
        default=list,
        blank=True,
        help_text="A computed score's measure-by-measure path to the standards (lines of text).",
    )
    score_range = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "A computed score with every measure at the worse and at the better end of its 95% "
            "interval: {'low'|'high': {'score', 'met_standard', 'met_alternative'}}."
        ),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ["entity", "-performance_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "performance_year"], name="quality_result_one_per_entity_year"
            ),
            models.CheckConstraint(
                condition=models.Q(quality_score__gte=0) & models.Q(quality_score__lte=100),
                name="quality_result_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity.cms_id} PY{self.performance_year} quality {self.quality_score}"
