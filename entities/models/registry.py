"""The program registry: programs, performance years, tracks, parameter tables and the specialty
code table. All of it is data (shipped by data migrations, edited in the admin with history), so
a new model such as LEAD is configuration, not code."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from entities.choices import (
    BandTable,
    Evidence,
    ParameterUnit,
    ProgramStatus,
    ProviderClass,
    RiskArrangement,
    TrackCategory,
)


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(f"This is not a valid regular expression: {exc}.") from exc


class Program(models.Model):
    """A CMS program or model (MSSP, ACO REACH, MCP, LEAD). Rules and rates are data keyed by it."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    entity_kind = models.CharField(
        max_length=40,
        blank=True,
        help_text="What the program calls a participating entity: ACO, DCE, practice.",
    )
    entity_id_pattern = models.CharField(
        "entity ID pattern",
        max_length=100,
        default=r"^[A-Z0-9]{4,16}$",
        validators=[validate_regex],
        help_text="Regular expression every CMS ID of this program's entities must match.",
    )
    entity_id_example = models.CharField("entity ID example", max_length=16, blank=True)
    entity_id_to_confirm = models.BooleanField(
        "entity ID pattern to confirm",
        default=False,
        help_text="The pattern is a permissive default, not confirmed against a CMS document.",
    )
    status = models.CharField(
        max_length=16, choices=ProgramStatus.choices, default=ProgramStatus.ACTIVE
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(
        null=True, blank=True, help_text="Last day of the program (empty: no end set)."
    )
    has_preferred_providers = models.BooleanField(
        default=False,
        help_text="Entities may list Preferred Providers besides Participant Providers.",
    )
    npi_exclusive_participants = models.BooleanField(
        "NPI exclusive across entities",
        default=False,
        help_text="An NPI may be a participant of only one entity of this program at a time.",
    )
    primary_care_tin_exclusive = models.BooleanField(
        "primary-care TIN exclusive across entities",
        default=False,
        help_text="A TIN billing primary care may be in only one entity of this program per performance year.",
    )
    description = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text="Where the dates, pattern and rules come from.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def cms_id_matches(self, cms_id: str) -> bool:
        return re.fullmatch(self.entity_id_pattern, cms_id) is not None


class PerformanceYear(models.Model):
    """One performance year of a program, with its own dates (MCP's first PY is Jul-Dec 2024;
    GPDC's first is Apr-Dec 2021) and the participant-list change deadline."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="performance_years")
    year = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=60, blank=True, help_text='For example "GPDC PY1".')
    start_date = models.DateField()
    end_date = models.DateField()
    change_request_deadline = models.DateField(
        "participant-list change deadline",
        null=True,
        blank=True,
        help_text="Last day CMS accepts participant-list change requests for this year.",
    )
    notes = models.TextField(blank=True)
    source = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["program__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="performance_year_unique"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="performance_year_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code.upper()} PY{self.year}" + (
            f" ({self.label})" if self.label else ""
        )


class Track(models.Model):
    """A track or level (MSSP BASIC A-E, ENHANCED; REACH Global/Professional; MCP Track 1-3), or
    an entity type (REACH Standard, New Entrant, High Needs)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="tracks")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=100)
    category = models.CharField(
        max_length=16, choices=TrackCategory.choices, default=TrackCategory.TRACK
    )
    risk = models.CharField(max_length=16, choices=RiskArrangement.choices, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    source = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["program__code", "category", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="track_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.program.code.upper()} {self.name}"


class ProgramParameter(models.Model):
    """One rate, cap, weight or threshold for program x performance year x track (track empty:
    the value applies to every track of the program that year). Percentages are stored as
    percents (40 means 40%); `fraction` gives 0.40."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="parameters")
    performance_year = models.PositiveSmallIntegerField()
    track = models.ForeignKey(
        Track, on_delete=models.PROTECT, null=True, blank=True, related_name="parameters"
    )
    key = models.SlugField(max_length=64)
    value = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    text_value = models.CharField(
        max_length=300, blank=True, help_text="For lists and non-numeric values."
    )
    unit = models.CharField(max_length=16, choices=ParameterUnit.choices)
    evidence = models.CharField(max_length=2, choices=Evidence.choices)
    to_confirm = models.BooleanField(
        default=False,
        help_text="A default that must be confirmed against the current CMS document.",
    )
    source = models.TextField(help_text="Document and section the value comes from.")
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["program__code", "performance_year", "track__sort_order", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "performance_year", "track", "key"],
                condition=Q(track__isnull=False),
                name="parameter_unique_per_track",
            ),
            models.UniqueConstraint(
                fields=["program", "performance_year", "key"],
                condition=Q(track__isnull=True),
                name="parameter_unique_all_tracks",
            ),
        ]

    def __str__(self) -> str:
        track = f" {self.track.code}" if self.track is not None else ""
        return f"{self.program.code.upper()} PY{self.performance_year}{track} {self.key}"

    @property
    def fraction(self) -> Decimal:
        """The value as a fraction (percent / 100). Only for percentages."""
        if self.unit != ParameterUnit.PERCENT or self.value is None:
            raise ValueError(f"{self} is not a percentage with a value.")
        return self.value / Decimal(100)

    def clean(self) -> None:
        if self.track is not None and self.program_id and self.track.program_id != self.program_id:
            raise ValidationError({"track": "This track belongs to another program."})
        if self.value is None and not self.text_value and not self.to_confirm:
            raise ValidationError(
                {
                    "value": "Give a value, or mark the parameter as to confirm when the value is not known yet."
                }
            )


class ParameterBand(models.Model):
    """One row of a banded table (the MSSP variable MSR, the REACH risk corridors): from `lower`
    to `upper` (empty: no upper bound) the value runs from `value_at_lower` to `value_at_upper`
    (equal when the band is flat)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="bands")
    performance_year = models.PositiveSmallIntegerField()
    track = models.ForeignKey(
        Track, on_delete=models.PROTECT, null=True, blank=True, related_name="bands"
    )
    table = models.CharField(max_length=32, choices=BandTable.choices)
    lower = models.DecimalField(max_digits=16, decimal_places=4)
    upper = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    bound_unit = models.CharField(max_length=16, choices=ParameterUnit.choices)
    value_at_lower = models.DecimalField(max_digits=10, decimal_places=4)
    value_at_upper = models.DecimalField(max_digits=10, decimal_places=4)
    value_unit = models.CharField(
        max_length=16, choices=ParameterUnit.choices, default=ParameterUnit.PERCENT
    )
    evidence = models.CharField(max_length=2, choices=Evidence.choices)
    to_confirm = models.BooleanField(default=False)
    source = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["program__code", "performance_year", "table", "track__sort_order", "lower"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "performance_year", "table", "track", "lower"],
                condition=Q(track__isnull=False),
                name="band_unique_per_track",
            ),
            models.UniqueConstraint(
                fields=["program", "performance_year", "table", "lower"],
                condition=Q(track__isnull=True),
                name="band_unique_all_tracks",
            ),
            models.CheckConstraint(
                condition=Q(upper__isnull=True) | Q(upper__gte=F("lower")),
                name="band_bounds_ordered",
            ),
        ]

    def __str__(self) -> str:
        upper = self.upper if self.upper is not None else "+"
        return f"{self.program.code.upper()} PY{self.performance_year} {self.table} {self.lower}-{upper}"


class SpecialtyCode(models.Model):
    """A CMS provider/supplier specialty code (as on claims: CCLF5 CLM_PRVDR_SPCLTY_CD) and the
    provider class assignment/alignment gives it."""

    code = models.CharField(max_length=2, primary_key=True)
    description = models.CharField(max_length=200)
    provider_class = models.CharField(
        max_length=16, choices=ProviderClass.choices, default=ProviderClass.OTHER
    )
    evidence = models.CharField(max_length=2, choices=Evidence.choices)
    to_confirm = models.BooleanField(default=False)
    source = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"
