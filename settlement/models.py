"""Settlement versions: each run of a settlement for an entity x performance year is a new,
immutable version with its inputs, figures, explanation and participant shares."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
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
