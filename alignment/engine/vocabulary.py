"""The fixed vocabulary of alignment results: the step (or route) that decided a beneficiary and
the reason, aligned or not. Stored as these string values; labels are for people."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    """Where the algorithm decided the beneficiary (domain.md 1.1, 1.2, 1.4)."""

    ELIGIBILITY = "eligibility"  # failed the eligibility screen (1.1 A-D)
    VOLUNTARY = "voluntary"  # voluntary alignment (1.2 "Voluntary alignment", 1.4)
    PRE_STEP = "pre_step"  # MSSP: not identified by the pre-step, and not by step 3 (1.2)
    STEP_1 = "step_1"  # MSSP step 1: PCP/NPP plurality, 12-month window
    STEP_2 = "step_2"  # MSSP step 2: specialist plurality, 12-month window
    STEP_3 = "step_3"  # MSSP step 3 (PY2025+): expanded 24-month window
    PRIMARY_CARE = "primary_care"  # REACH: PQEM from primary care specialties
    SPECIALIST = "specialist"  # REACH: PQEM from listed specialists
    NO_CLAIMS_ROUTE = "no_claims_route"  # REACH: no PQEM service that could align
    # Not the engine's: a run keeps, as CMS's list of record assigns them, the people CMS
    # withholds the claims of (alignment.services.runs; 42 CFR 425.708(b)).
    CMS_LIST = "cms_list"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS: dict[Step, str] = {
    Step.ELIGIBILITY: "Eligibility screen",
    Step.VOLUNTARY: "Voluntary alignment",
    Step.PRE_STEP: "Pre-step",
    Step.STEP_1: "Step 1 (primary care physicians and practitioners)",
    Step.STEP_2: "Step 2 (specialists)",
    Step.STEP_3: "Step 3 (expanded window)",
    Step.PRIMARY_CARE: "Claims: primary care specialties",
    Step.SPECIALIST: "Claims: listed specialists",
    Step.NO_CLAIMS_ROUTE: "Claims: no qualifying service",
    Step.CMS_LIST: "CMS's list of record",
}


class Reason(StrEnum):
    """Why a beneficiary is aligned or not. The first failing eligibility criterion is reported,
    in the order A (no Part A and B month), A (A-only or B-only month), B, C, D of 1.1."""

    ALIGNED_VOLUNTARY = "aligned_voluntary"
    ALIGNED_PLURALITY = "aligned_plurality"
    ALIGNED_TIE_MOST_RECENT = "aligned_tie_most_recent"
    NOT_ELIGIBLE_NO_PART_A_AND_B = "not_eligible_no_part_a_and_b"
    NOT_ELIGIBLE_PART_A_OR_B_ONLY = "not_eligible_part_a_or_b_only"
    NOT_ELIGIBLE_GROUP_HEALTH_PLAN = "not_eligible_group_health_plan"
    NOT_ELIGIBLE_OTHER_INITIATIVE = "not_eligible_other_initiative"
    NOT_ELIGIBLE_OUTSIDE_US = "not_eligible_outside_us"
    NOT_ELIGIBLE_DIED_BEFORE_PY = "not_eligible_died_before_py"
    NO_PRIMARY_CARE_SERVICE = "no_primary_care_service"
    NO_ENTITY_SERVICE = "no_entity_primary_care_service"
    PLURALITY_LOST = "plurality_lost"
    TIE_LOST_MOST_RECENT = "tie_lost_most_recent"
    TIE_UNRESOLVED = "tie_unresolved"
    ALIGNED_CMS_LIST_WITHHELD = "aligned_cms_list_withheld"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]

    @property
    def is_aligned(self) -> bool:
        return self in ALIGNED_REASONS

    @property
    def names_competitor(self) -> bool:
        return self in {Reason.PLURALITY_LOST, Reason.TIE_LOST_MOST_RECENT, Reason.TIE_UNRESOLVED}


ALIGNED_REASONS = frozenset(
    {
        Reason.ALIGNED_VOLUNTARY,
        Reason.ALIGNED_PLURALITY,
        Reason.ALIGNED_TIE_MOST_RECENT,
        Reason.ALIGNED_CMS_LIST_WITHHELD,
    }
)

REASON_LABELS: dict[Reason, str] = {
    Reason.ALIGNED_VOLUNTARY: "Voluntarily aligned to one of the entity's clinicians",
    Reason.ALIGNED_PLURALITY: "Plurality of primary care charges with the entity",
    Reason.ALIGNED_TIE_MOST_RECENT: "Tie broken toward the entity's more recent service",
    Reason.NOT_ELIGIBLE_NO_PART_A_AND_B: "Not eligible: no month with both Part A and Part B",
    Reason.NOT_ELIGIBLE_PART_A_OR_B_ONLY: "Not eligible: a month with only Part A or only Part B",
    Reason.NOT_ELIGIBLE_GROUP_HEALTH_PLAN: "Not eligible: months in Medicare Advantage or another group health plan",
    Reason.NOT_ELIGIBLE_OTHER_INITIATIVE: "Not eligible: aligned to another shared-savings initiative",
    Reason.NOT_ELIGIBLE_OUTSIDE_US: "Not eligible: lived outside the US",
    Reason.NOT_ELIGIBLE_DIED_BEFORE_PY: "Not eligible: died before the performance year began",
    Reason.NO_PRIMARY_CARE_SERVICE: "No qualifying primary care service in the window",
    Reason.NO_ENTITY_SERVICE: "No qualifying primary care service from the entity's clinicians",
    Reason.PLURALITY_LOST: "Plurality of primary care charges went to another entity",
    Reason.TIE_LOST_MOST_RECENT: "Tie broken toward another entity's more recent service",
    Reason.TIE_UNRESOLVED: "Tie with another entity on charges and on the most recent service",
    Reason.ALIGNED_CMS_LIST_WITHHELD: "Aligned by CMS's list of record: declined data sharing, claims withheld",
}


def reason_text(reason: str, competitor: str = "") -> str:
    """A sentence for people: the reason's label, naming the competitor when the reason has one."""
    r = Reason(reason)
    if r is Reason.PLURALITY_LOST and competitor:
        return f"Plurality of primary care charges went to {competitor}"
    if r is Reason.TIE_LOST_MOST_RECENT and competitor:
        return f"Tie broken toward {competitor}'s more recent service"
    if r is Reason.TIE_UNRESOLVED and competitor:
        return f"Tie with {competitor} on charges and on the most recent service"
    return r.label


# Short phrases for change explanations ("dropped: plurality moved to TIN 123456789").
_CHANGE_PHRASES: dict[Reason, str] = {
    Reason.ALIGNED_VOLUNTARY: "voluntary alignment to one of the entity's clinicians",
    Reason.ALIGNED_PLURALITY: "plurality of primary care charges with the entity",
    Reason.ALIGNED_TIE_MOST_RECENT: "tie broken toward the entity's more recent service",
    Reason.NOT_ELIGIBLE_NO_PART_A_AND_B: "no month with both Part A and Part B",
    Reason.NOT_ELIGIBLE_PART_A_OR_B_ONLY: "a month with only Part A or only Part B",
    Reason.NOT_ELIGIBLE_GROUP_HEALTH_PLAN: "months in Medicare Advantage or another group health plan",
    Reason.NOT_ELIGIBLE_OTHER_INITIATIVE: "aligned to another shared-savings initiative",
    Reason.NOT_ELIGIBLE_OUTSIDE_US: "moved outside the US",
    Reason.NOT_ELIGIBLE_DIED_BEFORE_PY: "died before the performance year began",
    Reason.NO_PRIMARY_CARE_SERVICE: "no qualifying primary care service in the window",
    Reason.NO_ENTITY_SERVICE: "no qualifying primary care service from the entity's clinicians",
    Reason.PLURALITY_LOST: "plurality moved to {competitor}",
    Reason.TIE_LOST_MOST_RECENT: "tie went to {competitor}'s more recent service",
    Reason.TIE_UNRESOLVED: "tie with {competitor}",
    Reason.ALIGNED_CMS_LIST_WITHHELD: "on CMS's list of record (declined data sharing, claims withheld)",
}


def change_text(
    *,
    kind: str,
    reason: str,
    competitor: str = "",
    previous_step: str = "",
    step: str = "",
    previous_tin: str = "",
    tin: str = "",
    previous_npi: str = "",
    npi: str = "",
) -> str:
    """Why a beneficiary was added, dropped or changed between two runs, in one line."""
    if kind == "dropped" and not reason:
        return "dropped: no longer in the entity's beneficiary data"
    if kind in ("added", "dropped"):
        phrase = _CHANGE_PHRASES[Reason(reason)].format(competitor=competitor or "another entity")
        return f"{kind}: {phrase}"
    parts = []
    if previous_step != step:
        parts.append(f"from {Step(previous_step).label} to {Step(step).label}")
    if previous_tin != tin:
        parts.append(f"attributed TIN from {previous_tin or 'none'} to {tin or 'none'}")
    if previous_npi != npi:
        parts.append(f"attributed NPI from {previous_npi or 'none'} to {npi or 'none'}")
    return "changed: " + "; ".join(parts)
