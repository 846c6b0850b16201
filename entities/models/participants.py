"""Participant organisations (TINs), providers (NPIs), effective-dated participations and
participant-list change requests."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.tenancy import TenantManager, TenantQuerySet, entity_ids_for_user
from entities.choices import (
    ChangeAction,
    ChangeStatus,
    ParticipationRole,
    ProviderClass,
)
from entities.identifiers import validate_ccn, validate_npi, validate_tin
from entities.models.entity import Entity
from entities.models.registry import SpecialtyCode


class ListedThroughParticipationQuerySet(TenantQuerySet):
    """Organisations and providers are national registries (one row per TIN / NPI). A user sees
    those listed on a participation of one of their entities, at any date."""

    participation_field = ""

    def for_user(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if getattr(user, "is_superuser", False):
            return self.all()
        listed = Participation.objects.filter(entity__in=entity_ids_for_user(user)).values(
            self.participation_field
        )
        return self.filter(pk__in=listed)

    def for_entity(self, entity: Any) -> Self:
        return self.filter(
            pk__in=Participation.objects.filter(entity=entity).values(self.participation_field)
        )


class OrganizationQuerySet(ListedThroughParticipationQuerySet):
    participation_field = "organization_id"


class ProviderQuerySet(ListedThroughParticipationQuerySet):
    participation_field = "provider_id"


class ParticipantOrganization(models.Model):
    """A participant organisation, identified by its TIN (the unit MSSP lists as "ACO participant")."""

    tin = models.CharField("TIN", max_length=9, unique=True, validators=[validate_tin])
    legal_name = models.CharField(max_length=200, blank=True)
    bills_primary_care = models.BooleanField(
        default=False,
        help_text=(
            "The TIN bills primary care services used in assignment even if none of its listed clinicians "
            "has a primary care specialty. A TIN with a listed primary care clinician counts anyway."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(OrganizationQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "participant organization (TIN)"
        verbose_name_plural = "participant organizations (TINs)"
        ordering = ["legal_name", "tin"]

    def __str__(self) -> str:
        return f"{self.tin} {self.legal_name}".strip()


class Provider(models.Model):
    """A clinician or organisation with an NPI. Specialty is a CMS specialty code; the provider's
    class (primary care physician, NPP, specialist listed for assignment, other) follows from it."""

    npi = models.CharField("NPI", max_length=10, unique=True, validators=[validate_npi])
    name = models.CharField(
        max_length=200, blank=True, help_text='Clinician as "Last, First", or organisation.'
    )
    specialty = models.ForeignKey(
        SpecialtyCode, on_delete=models.PROTECT, null=True, blank=True, related_name="providers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(ProviderQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "npi"]

    def __str__(self) -> str:
        return f"{self.npi} {self.name}".strip()

    @property
    def provider_class(self) -> str:
        return self.specialty.provider_class if self.specialty is not None else ProviderClass.OTHER


class ParticipationQuerySet(TenantQuerySet):
    def active_on(self, day: dt.date) -> Self:
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)

    def overlapping(self, start: dt.date, end: dt.date | None) -> Self:
        """Rows whose [start_date, end_date] period shares at least one day with [start, end]."""
        qs = self.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        return qs if end is None else qs.filter(start_date__lte=end)


class Participation(models.Model):
    """An effective-dated row of an entity's participant list: TIN, optionally with an NPI and/or a
    CCN, in a role, from `start_date` to `end_date` inclusive (empty end: open-ended). Rows are
    never deleted; a participation ends by its end date."""

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="participations")
    organization = models.ForeignKey(
        ParticipantOrganization,
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name="TIN",
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
        verbose_name="NPI",
    )
    ccn = models.CharField("CCN", max_length=6, blank=True, validators=[validate_ccn])
    role = models.CharField(
        max_length=16, choices=ParticipationRole.choices, default=ParticipationRole.PARTICIPANT
    )
    start_date = models.DateField("effective start")
    end_date = models.DateField(
        "effective end", null=True, blank=True, help_text="Empty: open-ended."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(ParticipationQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["entity", "organization__tin", "provider__npi", "ccn", "start_date"]
        indexes = [
            models.Index(fields=["entity", "start_date"]),
            models.Index(fields=["provider", "start_date"]),
            models.Index(fields=["organization", "start_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="participation_dates_ordered",
            ),
            # On PostgreSQL an exclusion constraint (migration 0005) also forbids overlapping
            # periods for one (entity, TIN, NPI, CCN); the services check it first to explain why.
        ]

    def __str__(self) -> str:
        parts = [f"TIN {self.organization.tin}"]
        if self.provider is not None:
            parts.append(f"NPI {self.provider.npi}")
        if self.ccn:
            parts.append(f"CCN {self.ccn}")
        return f"{self.entity.cms_id}: {' '.join(parts)} from {self.start_date} to {self.end_date or 'open'}"

    @property
    def period_label(self) -> str:
        return (
            f"{self.start_date:%Y-%m-%d} to {self.end_date:%Y-%m-%d}"
            if self.end_date
            else (f"{self.start_date:%Y-%m-%d}, open-ended")
        )

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The effective end is before the effective start."})


class ParticipantChangeRequest(models.Model):
    """A request to add a TIN/NPI/CCN to the participant list, or drop one, from a date. It changes
    the participation table only when accepted."""

    tenant_path = "entity"

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="change_requests")
    action = models.CharField(max_length=8, choices=ChangeAction.choices)
    performance_year = models.PositiveSmallIntegerField()
    tin = models.CharField("TIN", max_length=9, validators=[validate_tin])
    npi = models.CharField("NPI", max_length=10, blank=True, validators=[validate_npi])
    ccn = models.CharField("CCN", max_length=6, blank=True, validators=[validate_ccn])
    specialty_code = models.CharField(max_length=2, blank=True)
    role = models.CharField(
        max_length=16, choices=ParticipationRole.choices, default=ParticipationRole.PARTICIPANT
    )
    effective_date = models.DateField(
        "requested effective date",
        help_text="Add: first day on the list. Drop: first day off the list (the participation ends the day before).",
    )
    status = models.CharField(
        max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT
    )
    reason = models.CharField(max_length=300, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    participation = models.ForeignKey(
        Participation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_requests",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "participant-list change request"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        who = " ".join(
            x for x in (f"TIN {self.tin}", f"NPI {self.npi}" if self.npi else "", self.ccn) if x
        )
        return f"{self.get_action_display()} {who} from {self.effective_date} ({self.get_status_display()})"

    @property
    def deadline(self) -> dt.date | None:
        from entities.models.registry import PerformanceYear

        py = PerformanceYear.objects.filter(
            program_id=self.entity.program_id, year=self.performance_year
        ).first()
        return py.change_request_deadline if py else None
