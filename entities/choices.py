"""Choice lists of the entities app."""

from __future__ import annotations

from django.db import models


class ProgramStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed out"
    ANNOUNCED = "announced", "Announced (not started)"


class TrackCategory(models.TextChoices):
    TRACK = "track", "Track / level"
    ENTITY_TYPE = "entity_type", "Entity type"


class RiskArrangement(models.TextChoices):
    ONE_SIDED = "one_sided", "One-sided (savings only)"
    TWO_SIDED = "two_sided", "Two-sided (savings and losses)"
    NOT_STATED = "", "Not stated"


class Evidence(models.TextChoices):
    """How far a value has been checked (domain.md section 0)."""

    VERIFIED = "V", "[V] seen in a primary or secondary source"
    RECALLED = "R", "[R] recalled from the named document, not re-read"
    THIRD_PARTY = "3P", "[3P] third-party secondary source"


class ParameterUnit(models.TextChoices):
    PERCENT = "percent", "percent"
    USD = "usd", "US dollars"
    USD_PBPM = "usd_pbpm", "US dollars per beneficiary per month"
    COUNT = "count", "count"
    POINTS = "points", "points"
    PERCENTILE = "percentile", "percentile"
    TEXT = "text", "text"


class BandTable(models.TextChoices):
    MSR_VARIABLE = "msr_variable", "MSSP variable MSR/MLR by assigned beneficiaries"
    RISK_CORRIDOR = (
        "risk_corridor",
        "REACH risk corridor (share kept by band of gross savings/losses)",
    )


class ProviderClass(models.TextChoices):
    """How assignment/alignment treats a specialty (domain.md section 1.3)."""

    PRIMARY_CARE_PHYSICIAN = "pcp", "Primary care physician"
    NPP = "npp", "Nurse practitioner / physician assistant / clinical nurse specialist"
    SPECIALIST = "specialist", "Specialist listed for assignment"
    OTHER = "other", "Other"


PRIMARY_CARE_CLASSES = (ProviderClass.PRIMARY_CARE_PHYSICIAN, ProviderClass.NPP)


class AssignmentMethod(models.TextChoices):
    PROSPECTIVE = "prospective", "Prospective"
    PRELIMINARY_PROSPECTIVE = (
        "preliminary_prospective",
        "Preliminary prospective with retrospective reconciliation",
    )


class MsrMlrChoice(models.TextChoices):
    """MSSP two-sided MSR/MLR chosen at agreement start (domain.md section 3.2)."""

    NOT_APPLICABLE = "", "Not applicable (one-sided or not MSSP)"
    FIXED_0_0 = "0.0", "0.0%"
    FIXED_0_5 = "0.5", "0.5%"
    FIXED_1_0 = "1.0", "1.0%"
    FIXED_1_5 = "1.5", "1.5%"
    FIXED_2_0 = "2.0", "2.0%"
    VARIABLE = "variable", "Variable (by number of assigned beneficiaries)"


class ParticipationRole(models.TextChoices):
    PARTICIPANT = "participant", "Participant"
    PREFERRED = "preferred", "Preferred provider"


class ChangeAction(models.TextChoices):
    ADD = "add", "Add"
    DROP = "drop", "Drop"


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
