"""Entities (ACOs, DCEs, practices) and their track per performance year."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from core.tenancy import TenantManager
from entities.choices import AssignmentMethod, MsrMlrChoice, TrackCategory
from entities.identifiers import validate_tin
from entities.models.registry import Program, Track


class Entity(models.Model):
    """An organisation that takes on risk in a program: an MSSP ACO, a REACH DCE, an MCP practice."""

    tenant_path = ""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="entities")
    cms_id = models.CharField("CMS ID", max_length=16, unique=True)
    legal_name = models.CharField(max_length=200)
    tin = models.CharField(
        "TIN",
        max_length=9,
        blank=True,
        validators=[validate_tin],
        help_text="The entity's own 9-digit TIN.",
    )
    agreement_start = models.DateField("agreement period start", null=True, blank=True)
    assignment_method = models.CharField(
        max_length=32, choices=AssignmentMethod.choices, default=AssignmentMethod.PROSPECTIVE
    )
    msr_mlr_choice = models.CharField(
        "MSR/MLR choice",
        max_length=8,
        choices=MsrMlrChoice.choices,
        blank=True,
        help_text="MSSP two-sided tracks: chosen at agreement start and locked for the agreement period.",
    )
    updated_at = models.DateTimeField(auto_now=True, null=True)

    objects = TenantManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "entities"
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.cms_id})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.program_id and self.cms_id and not self.program.cms_id_matches(self.cms_id):
            example = (
                f" (for example {self.program.entity_id_example})"
                if self.program.entity_id_example
                else ""
            )
            errors["cms_id"] = (
                f"CMS ID {self.cms_id} does not look like a {self.program.name} ID{example}."
            )
        if self.msr_mlr_choice and self.program_id and self.program.code != "mssp":
            errors["msr_mlr_choice"] = "An MSR/MLR choice only applies to MSSP ACOs."
        if errors:
            raise ValidationError(errors)


class EntityYear(models.Model):
    """The track/level (and, for REACH, the entity type) an entity holds in one performance year."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="years")
    performance_year = models.PositiveSmallIntegerField()
    track = models.ForeignKey(
        Track,
        on_delete=models.PROTECT,
        related_name="entity_years",
        limit_choices_to={"category": TrackCategory.TRACK},
    )
    entity_type = models.ForeignKey(
        Track,
        on_delete=models.PROTECT,
        related_name="entity_type_years",
        null=True,
        blank=True,
        limit_choices_to={"category": TrackCategory.ENTITY_TYPE},
        help_text="ACO REACH: Standard, New Entrant or High Needs.",
    )
    agreement_start = models.DateField(
        "agreement period start",
        null=True,
        blank=True,
        help_text="MSSP: the start of the agreement period this performance year belongs to "
        "(January 1; July 1 for the agreement periods that began on July 1, 2019).",
    )
    agreement_period = models.PositiveSmallIntegerField(
        "agreement period number",
        null=True,
        blank=True,
        help_text="MSSP: 1 for the ACO's first agreement period under the Shared Savings "
        "Program, 2 for the second, and so on; a re-entering ACO counts the agreement periods it "
        "re-entered from, as CMS's performance year results do.",
    )
    notes = models.CharField(max_length=300, blank=True)

    objects = TenantManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "track by performance year"
        verbose_name_plural = "tracks by performance year"
        ordering = ["entity", "performance_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "performance_year"], name="entity_year_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity.cms_id} PY{self.performance_year}: {self.track.name}"

    def clean(self) -> None:
        from entities.models.registry import PerformanceYear

        if not self.entity_id:
            return
        program = self.entity.program
        errors: dict[str, str] = {}
        if (
            self.performance_year
            and not PerformanceYear.objects.filter(
                program=program, year=self.performance_year
            ).exists()
        ):
            errors["performance_year"] = (
                f"{program.name} has no performance year {self.performance_year} in the program registry."
            )
        if self.track is not None and self.track.program_id != program.pk:
            errors["track"] = f"{self.track} is not a {program.name} track."
        elif self.track is not None and self.track.category != TrackCategory.TRACK:
            errors["track"] = f"{self.track.name} is an entity type, not a track."
        if self.entity_type_id and (
            self.entity_type.program_id != program.pk
            or self.entity_type.category != TrackCategory.ENTITY_TYPE
        ):
            errors["entity_type"] = f"{self.entity_type} is not a {program.name} entity type."
        if program.code == "mssp":
            errors |= self._agreement_errors()
        elif self.agreement_start or self.agreement_period:
            errors["agreement_period"] = "An agreement period is recorded for MSSP ACOs only."
        if errors:
            raise ValidationError(errors)

    def _agreement_errors(self) -> dict[str, str]:
        """The MSSP agreement period of the year: required, and the year must fall in it.
        Agreement periods start on January 1 and last five years; those that began on July 1,
        2019 last five years and six months (42 CFR 425.200; CMS Shared Savings Program
        program guidance: "For agreement periods beginning on July 1, 2019, and in subsequent
        years, ACOs agree to participate ... for a period of no less than five years")."""
        errors: dict[str, str] = {}
        year = self.performance_year
        if self.agreement_period is None:
            errors["agreement_period"] = (
                f"PY{year}: enter the agreement period number (1 for the ACO's first agreement "
                "period under the Shared Savings Program)."
            )
        elif self.agreement_period < 1:
            errors["agreement_period"] = f"PY{year}: the agreement period number starts at 1."
        start = self.agreement_start
        if start is None:
            errors["agreement_start"] = (
                f"PY{year}: enter the start date of the agreement period this year belongs to."
            )
            return errors
        july_2019 = start == dt.date(2019, 7, 1)
        if (start.month, start.day) != (1, 1) and not july_2019:
            errors["agreement_start"] = (
                f"PY{year}: an agreement period starts on January 1 (or on July 1, 2019), not "
                f"on {start:%Y-%m-%d}."
            )
        elif year and not start.year <= year <= start.year + (5 if july_2019 else 4):
            errors["agreement_start"] = (
                f"PY{year} is not in the agreement period that started on {start:%Y-%m-%d}."
            )
        return errors

    def first_year_of_first_agreement(self) -> bool | None:
        """Whether the year is the first performance year of the ACO's first agreement period
        (42 CFR 425.512(a)(2)); None when the year's agreement is not recorded."""
        if self.agreement_period is None or self.agreement_start is None:
            return None
        return self.agreement_period == 1 and self.agreement_start.year == self.performance_year
