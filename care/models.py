"""Care coordination: care gaps found in claims, the per-beneficiary care profile the roster
filters on, and worklist items (generated from data or added by hand).

Every row points at `beneficiaries.Beneficiary` by its surrogate key and carries its entity, so
that scoping is one indexed filter (`objects.for_user(user)`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from care.engine.reasons import REASON_TEXT
from core.tenancy import TenantManager


class CareProfile(models.Model):
    """What the roster filters and sorts on, one row per beneficiary, rebuilt by the
    `care.refresh` job from final-action claims (so a roster page never aggregates claims)."""

    beneficiary = models.OneToOneField(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, primary_key=True, related_name="care"
    )
    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(help_text="The date the claims were read up to.")
    last_inpatient_discharge = models.DateField(null=True, blank=True)
    last_ed_visit = models.DateField(null=True, blank=True)
    inpatient_stays_12m = models.PositiveSmallIntegerField(default=0)
    ed_visits_12m = models.PositiveSmallIntegerField(default=0)
    open_gap_count = models.PositiveSmallIntegerField(default=0)
    # From the entity's latest succeeded alignment run (alignment.selectors) at the refresh.
    aligned = models.BooleanField(default=False, db_default=False)
    newly_aligned = models.BooleanField(
        default=False, db_default=False, help_text="Added by the latest run."
    )
    alignment_at_risk = models.BooleanField(
        default=False,
        db_default=False,
        help_text="care/engine/alignment_risk.py: thin plurality or no recent visit.",
    )
    attributed_tin = models.CharField(max_length=9, blank=True, db_default="")
    attributed_npi = models.CharField(max_length=10, blank=True, db_default="")
    # From the latest risk score (benchmarks), tiers of settings.CARE_RISK_TIERS.
    risk_tier = models.CharField(max_length=16, blank=True, db_default="")
    risk_score = models.DecimalField(
        max_digits=7, decimal_places=3, null=True, blank=True, help_text="Latest CMS-HCC raw score."
    )
    last_primary_care_visit = models.DateField(
        null=True,
        blank=True,
        help_text="Latest primary care service (the MSSP assignment HCPCS codes) in the claims.",
    )
    medications = models.JSONField(
        default=list,
        blank=True,
        help_text="Part D drugs (CCLF7) as of as_of: per NDC the last fill, days' supply and "
        "fills, and its chronic class's refill record (care.medications).",
    )
    # Why the refresh made no care gap or task for the person (care.engine.eligibility:
    # "deceased", "hospice", "not_in_population"); "" when it did consider them.
    no_care_work_reason = models.CharField(
        max_length=20, blank=True, db_default="", choices=list(REASON_TEXT.items())
    )
    # Expenditure (benchmarks' rules: Part A and B paid, less IME/DSH/uncompensated care) and
    # eligible months in the entity's population of the year (empty when not in it), this year
    # to the last complete claims month and last year; PMPM = spend / months.
    spend_this_year = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    months_this_year = models.PositiveSmallIntegerField(null=True, blank=True)
    spend_last_year = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    months_last_year = models.PositiveSmallIntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        indexes = [
            models.Index(fields=["entity", "last_inpatient_discharge"], name="care_prof_ip"),
            models.Index(fields=["entity", "last_ed_visit"], name="care_prof_ed"),
            models.Index(fields=["entity", "open_gap_count"], name="care_prof_gaps"),
            models.Index(fields=["entity", "attributed_tin"], name="care_prof_tin"),
            models.Index(fields=["entity", "attributed_npi"], name="care_prof_npi"),
            models.Index(fields=["entity", "risk_tier"], name="care_prof_tier"),
            # With the TIN: "at risk" (or "new") at one practice reads only those rows.
            models.Index(
                fields=["entity", "attributed_tin"],
                condition=Q(newly_aligned=True),
                name="care_prof_new_tin",
            ),
            models.Index(
                fields=["entity", "attributed_tin"],
                condition=Q(alignment_at_risk=True),
                name="care_prof_at_risk_tin",
            ),
        ]

    def __str__(self) -> str:
        return f"Care profile of beneficiary {self.beneficiary_id}"

    @property
    def pmpm_this_year(self) -> Decimal | None:
        if not self.months_this_year or self.spend_this_year is None:
            return None
        return self.spend_this_year / self.months_this_year

    @property
    def pmpm_last_year(self) -> Decimal | None:
        if not self.months_last_year or self.spend_last_year is None:
            return None
        return self.spend_last_year / self.months_last_year


class CareGap(models.Model):
    """An open care gap found in claims on `as_of` (rules: `care.engine.gaps`)."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="care_gaps"
    )
    gap = models.CharField(max_length=40)
    label = models.CharField(max_length=100)
    last_done = models.DateField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    as_of = models.DateField()
    closes_on = models.DateField(
        null=True, blank=True, help_text="A quality measure's gap: the day its window closes."
    )

    objects = TenantManager()

    class Meta:
        ordering = ["beneficiary", "gap"]
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "gap"], name="care_gap_one_per_kind"),
        ]
        indexes = [models.Index(fields=["entity", "gap"], name="care_gap_entity_gap")]

    def __str__(self) -> str:
        return f"{self.label} (beneficiary {self.beneficiary_id})"


class ItemKind(models.TextChoices):
    DISCHARGE_FOLLOW_UP = "discharge_follow_up", "Discharge without 7-day follow-up"
    # From a claim's discharge status (to a SNF or swing bed) or an ADT admission at a SNF.
    SNF_ADMISSION = "snf_admission", "Skilled nursing facility admission"
    ED_VISIT = "ed_visit", "Emergency department visit"
    AWV_DUE = "awv_due", "Annual wellness visit due"
    HCC_RECAPTURE = "hcc_recapture", "HCC recapture"
    ALIGNMENT_RISK = "alignment_risk", "At risk of dropping from alignment"
    MANUAL = "manual", "Added by hand"
    # Raised by hospital ADT events (the events app), as they happen.
    TCM_CONTACT = "tcm_contact", "Transitional care: contact within 2 business days"
    TCM_VISIT = "tcm_visit", "Transitional care: face-to-face visit"
    ED_FOLLOW_UP = "ed_follow_up", "Emergency department visit: follow up"


class ItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DISMISSED = "dismissed", "Dismissed"


OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)


class WorklistItem(models.Model):
    """A piece of work about one beneficiary. Generated items carry a `source_key` (the event
    that raised them) so regenerating never duplicates one; hand-made items have none."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="worklist_items"
    )
    kind = models.CharField(max_length=32, choices=ItemKind.choices)
    source_key = models.CharField(max_length=100, blank=True)
    # When the event that raised the item happened (an ADT message's event time); empty for
    # items raised from claims or by hand. "My work today" shows its age.
    source_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    dismissed_reason = models.CharField(max_length=300, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="worklist_items",
    )
    due_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "kind", "source_key"],
                condition=~Q(source_key=""),
                name="care_item_one_per_source",
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismissed_reason=""),
                name="care_item_dismissed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["assigned_to", "status", "due_date"], name="care_item_mine"),
            models.Index(fields=["entity", "status", "due_date"], name="care_item_entity"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class WorklistNote(models.Model):
    """A note on a worklist item, and the record of each status change (who, when, from, to)."""

    item = models.ForeignKey(WorklistItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(blank=True)
    status_from = models.CharField(max_length=16, blank=True)
    status_to = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()
    tenant_path = "item__entity"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on item {self.item_id}"

    @property
    def status_change(self) -> str:
        """The status change in words ("Open to In progress"; "created Open"), or ""."""
        if not self.status_to:
            return ""
        to = ItemStatus(self.status_to).label
        if not self.status_from:
            return f"created {to}"
        return f"{ItemStatus(self.status_from).label} to {to}"


class ClaimEvent(models.Model):
    """One final-action claim of a beneficiary since 1 January of the year before the refresh,
    for the beneficiary page's timeline and paid-amount comparison. Rebuilt by `care.refresh`
    (a read model: the page reads one indexed table instead of re-deriving final action)."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="claim_events"
    )
    claim_id = models.CharField(max_length=20)
    kind = models.CharField(max_length=30)
    from_date = models.DateField()
    thru_date = models.DateField()
    codes = models.CharField(max_length=200, blank=True)
    dx = models.CharField(max_length=10, blank=True)
    paid = models.DecimalField(max_digits=12, decimal_places=2)
    as_of = models.DateField()

    objects = TenantManager()

    class Meta:
        ordering = ["-thru_date", "-from_date"]
        indexes = [models.Index(fields=["beneficiary", "-thru_date"], name="care_event_bene")]

    def __str__(self) -> str:
        return f"{self.kind} {self.thru_date}"


class CareSummary(models.Model):
    """Entity-wide counts for the overview, computed by the refresh (aggregating 250,000
    profiles and their gaps on every page view would cost half a second)."""

    entity = models.OneToOneField(
        "entities.Entity", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    as_of = models.DateField()
    beneficiaries = models.PositiveIntegerField(default=0)
    profiled = models.PositiveIntegerField(default=0)
    with_gaps = models.PositiveIntegerField(default=0)
    recent_ip = models.PositiveIntegerField(default=0)
    recent_ed = models.PositiveIntegerField(default=0)
    gaps = models.JSONField(default=list, help_text="[{gap, label, n}] open gaps by measure")
    pmpm = models.JSONField(
        default=dict,
        blank=True,
        help_text="This year's expenditure and eligible months by enrollment type (strings).",
    )
    refreshed_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    def __str__(self) -> str:
        return f"Care summary of entity {self.entity_id} as of {self.as_of}"


class OutreachMethod(models.TextChoices):
    CALL = "call", "Phone call"
    TEXT = "text", "Text message"
    LETTER = "letter", "Letter"
    VISIT = "visit", "Visit"


class OutreachOutcome(models.TextChoices):
    REACHED = "reached", "Reached"
    LEFT_MESSAGE = "left_message", "Left a message"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    DECLINED = "declined", "Declined"


class OutreachAttempt(models.Model):
    """One attempt to reach a beneficiary about a worklist item: when, how, and what came of it,
    recorded by a coordinator (PHI: read through the access policy, every read recorded)."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(
        WorklistItem, on_delete=models.CASCADE, related_name="outreach_attempts"
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="outreach_attempts"
    )
    attempted_at = models.DateTimeField()
    method = models.CharField(max_length=16, choices=OutreachMethod.choices)
    outcome = models.CharField(max_length=16, choices=OutreachOutcome.choices)
    note = models.TextField(blank=True)
    next_action_on = models.DateField(
        null=True, blank=True, help_text="When to try again or follow up; the task falls due then."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [
            models.Index(fields=["beneficiary", "-attempted_at"], name="care_outreach_bene"),
            models.Index(fields=["item", "-attempted_at"], name="care_outreach_item"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} on {self.attempted_at:%Y-%m-%d}: {self.get_outcome_display()}"


class RosterView(models.Model):
    """A named set of roster filters and a sort, kept for its author or shared with everyone of
    the entity. Never a search term: no name, date of birth or MBI is stored (care.forms)."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    filters = models.JSONField(default=dict, help_text="The roster form's filters and sort.")
    shared = models.BooleanField(default=False, help_text="Listed for every member of the entity.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "created_by", "name"], name="care_roster_view_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ContactSource(models.TextChoices):
    BENEFICIARY = "beneficiary", "The beneficiary"
    CAREGIVER = "caregiver", "A caregiver or family member"
    PRACTICE = "practice", "The practice's records"
    HOSPITAL = "hospital", "A hospital or facility"
    OTHER = "other", "Other"


class ContactDetails(models.Model):
    """How to reach a beneficiary, as the care team recorded it: every edit is a new row (who,
    when, from what source), the newest is shown beside the CCLF8 address as CMS delivered it."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="contact_details"
    )
    phone = models.CharField(max_length=30, blank=True)
    address = models.TextField(blank=True, help_text="Blank: the CCLF8 address stands.")
    preferred_language = models.CharField(max_length=40, blank=True)
    caregiver_name = models.CharField(max_length=100, blank=True)
    caregiver_phone = models.CharField(max_length=30, blank=True)
    source = models.CharField(max_length=16, choices=ContactSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["beneficiary", "-recorded_at"], name="care_contact_bene")]

    def __str__(self) -> str:
        return f"Contact details of beneficiary {self.beneficiary_id}"
