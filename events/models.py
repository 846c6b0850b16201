"""Hospital events: the senders of ADT messages, every message received once, and the stays
(admissions, emergency visits) they describe.

A sender (a hospital's interface engine, named by MSH-3 and MSH-4) belongs to one entity; its
messages are matched only to that entity's beneficiaries. A message is stored once per sender
and message control id (MSH-10); a resend is answered as the first time and stores nothing.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.tenancy import TenantManager


class FacilityKind(models.TextChoices):
    HOSPITAL = "hospital", "Hospital"
    SNF = "snf", "Skilled nursing facility"


class Sender(models.Model):
    """A system that sends ADT messages, mapped to the entity whose beneficiaries they concern."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120, help_text="The facility, as coordinators know it.")
    sending_application = models.CharField(
        max_length=180, help_text="MSH-3, the sending application (its first component)."
    )
    sending_facility = models.CharField(
        max_length=180, help_text="MSH-4, the sending facility (its first component)."
    )
    facility_kind = models.CharField(
        max_length=16,
        choices=FacilityKind.choices,
        default=FacilityKind.HOSPITAL,
        help_text="An admission at a skilled nursing facility opens a SNF task.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["sending_application", "sending_facility"], name="events_sender_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sending_application}^{self.sending_facility})"


class Channel(models.TextChoices):
    MLLP = "mllp", "HL7 v2 over MLLP"
    HTTPS = "https", "HL7 v2 over HTTPS"
    FHIR = "fhir", "FHIR Encounter over HTTPS"


class MessageStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    UNMATCHED = "unmatched", "Patient not matched"
    RESOLVED = "resolved", "Matched by a coordinator"
    DISMISSED = "dismissed", "Dismissed by a coordinator"


class MatchRule(models.TextChoices):
    MBI = "mbi", "MBI in PID-3"
    DEMOGRAPHICS = "demographics", "Name, date of birth and sex"
    COORDINATOR = "coordinator", "A coordinator"


class AdtMessage(models.Model):
    """One ADT message as received (its text kept), what it said, and whom it was matched to."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT, related_name="messages")
    control_id = models.CharField(max_length=199, help_text="MSH-10")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    trigger = models.CharField(max_length=3, help_text="A01, A03, A04, A08, A11 or A13")
    event_at = models.DateTimeField(help_text="EVN-2 (or the visit's admit/discharge time).")
    received_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=MessageStatus.choices)
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adt_messages",
    )
    match_rule = models.CharField(max_length=16, choices=MatchRule.choices, blank=True)
    stay = models.ForeignKey(
        "Stay", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    # What the message said (PID and PV1), for matching, the queue and the timeline.
    mbi = models.CharField(max_length=11, blank=True)
    family_name = models.CharField(max_length=60, blank=True)
    given_name = models.CharField(max_length=60, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True, help_text="PID-8 (F, M, U, ...)")
    patient_class = models.CharField(max_length=1, blank=True, help_text="PV1-2")
    visit_number = models.CharField(max_length=60, blank=True, help_text="PV1-19")
    location = models.CharField(max_length=120, blank=True, help_text="PV1-3")
    discharge_disposition = models.CharField(max_length=4, blank=True, help_text="PV1-36")
    admit_at = models.DateTimeField(null=True, blank=True, help_text="PV1-44")
    discharge_at = models.DateTimeField(null=True, blank=True, help_text="PV1-45")
    outcome = models.CharField(max_length=300, blank=True, help_text="What the event did.")
    raw = models.TextField()
    resolved_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-event_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "control_id"], name="events_msg_once")
        ]
        indexes = [
            models.Index(fields=["beneficiary", "-event_at"], name="events_msg_bene"),
            models.Index(
                fields=["entity", "-received_at"],
                condition=Q(status="unmatched"),
                name="events_msg_unmatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trigger} {self.control_id}"


class StayKind(models.TextChoices):
    INPATIENT = "inpatient", "Inpatient stay"
    EMERGENCY = "emergency", "Emergency department visit"
    SNF = "snf", "Skilled nursing facility stay"
    OTHER = "other", "Other visit"


class StayStatus(models.TextChoices):
    IN_FACILITY = "in_facility", "In the facility"
    DISCHARGED = "discharged", "Discharged"
    CANCELLED = "cancelled", "Cancelled"


class Stay(models.Model):
    """A visit at one sender (PV1-19), opened by an admission or registration and closed by a
    discharge. An open inpatient or SNF stay is the beneficiary's "in hospital" flag. A later
    final-action claim for the same stay is recorded on it (`claim_id`), so the stay is counted
    once: the claims refresh does not raise a second discharge task for it."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="stays"
    )
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT, related_name="stays")
    visit_number = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=StayKind.choices)
    status = models.CharField(max_length=12, choices=StayStatus.choices)
    admitted_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharge_disposition = models.CharField(max_length=4, blank=True)
    location = models.CharField(max_length=120, blank=True)
    claim_id = models.CharField(max_length=20, blank=True, help_text="The claim for this stay.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-admitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "visit_number"], name="events_stay_once")
        ]
        indexes = [
            models.Index(
                fields=["beneficiary"],
                condition=Q(status="in_facility"),
                name="events_stay_in_facility",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visit_number}"
