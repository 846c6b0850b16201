"""What an ADT event asks of a care team: the rules, in pure Python (no database, no clock).

Transitional care management (TCM), CMS MLN booklet "Transitional Care Management Services"
(MLN908628) and CMS "Frequently Asked Questions about Billing the Physician Fee Schedule for
Transitional Care Management Services": after a discharge from an inpatient hospital setting or
a skilled nursing facility to the beneficiary's community setting (home, domiciliary, rest home,
assisted living), an interactive contact within 2 business days of discharge (business days are
Monday through Friday, except holidays) and a face-to-face visit within 7 calendar days (CPT
99496, high-complexity medical decision making) or 14 calendar days (CPT 99495, at least
moderate complexity).

Discharge disposition (PV1-36) is read as the NUBC patient discharge status code (UB-04 form
locator 17), which US senders put there and which CMS claims carry as the patient discharge
status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

TCM_CONTACT_BUSINESS_DAYS = 2
TCM_VISIT_DAYS_HIGH = 7  # CPT 99496
TCM_VISIT_DAYS_MODERATE = 14  # CPT 99495

#: NUBC patient discharge status codes, by what follows the discharge.
COMMUNITY = {
    "01": "home or self care",
    "04": "an intermediate care facility (assisted living)",
    "06": "home under a home health organisation",
    "07": "home, against medical advice",
    "08": "home under a home IV provider",
    "21": "court or law enforcement",
}
SNF = {"03": "a skilled nursing facility", "61": "a swing bed", "64": "a nursing facility"}
TRANSFER = {
    "02": "another short-term hospital",
    "05": "another type of institution",
    "43": "a federal hospital",
    "62": "an inpatient rehabilitation facility",
    "63": "a long-term care hospital",
    "65": "a psychiatric hospital",
    "66": "a critical access hospital",
    "70": "another type of health care institution",
}
EXPIRED = {"20": "expired", "40": "expired at home", "41": "expired in a facility", "42": "expired"}
HOSPICE = {"50": "hospice at home", "51": "hospice in a medical facility"}


@dataclass(frozen=True)
class Task:
    kind: str  # a care ItemKind value
    suffix: str  # makes the item's source key, one per event and task
    title: str
    detail: str
    due: date | None


@lru_cache(maxsize=8)
def _holidays(year: int) -> frozenset[date]:
    # US federal holidays, with their observed days (python-holidays' "US" calendar). Imported
    # here, once a year asked for: its calendars cost every process start a fifth of a second.
    import holidays

    return frozenset(holidays.country_holidays("US", years=year).keys())


def business_days_after(moment: date, days: int) -> date:
    """The date `days` business days after `moment` (Monday to Friday, less US federal
    holidays): a discharge on Friday with 2 business days is due Tuesday."""
    current = moment
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in _holidays(current.year):
            left -= 1
    return current


def discharge_tasks(
    *, disposition: str, discharged: datetime, high_risk: bool, stay_label: str
) -> tuple[list[Task], str]:
    """The tasks a discharge opens, and a sentence saying why (shown on the event)."""
    day = discharged.date()
    when = f"discharged {discharged:%Y-%m-%d %H:%M}"
    code = disposition.strip().zfill(2) if disposition.strip() else ""
    if code in EXPIRED:
        return [], f"{stay_label} {when}: {EXPIRED[code]} (status {code}); no follow-up task."
    if code in HOSPICE:
        return [], f"{stay_label} {when} to {HOSPICE[code]} (status {code}); no TCM task."
    if code in TRANSFER:
        return [], (
            f"{stay_label} {when}: transferred to {TRANSFER[code]} (status {code}); transitional "
            "care starts at the discharge to the community."
        )
    if code in SNF:
        return [
            Task(
                kind="snf_admission",
                suffix="snf",
                title="Skilled nursing facility admission",
                detail=f"{stay_label} {when} to {SNF[code]} (status {code}): follow the SNF stay "
                "and plan the discharge home.",
                due=business_days_after(day, TCM_CONTACT_BUSINESS_DAYS),
            )
        ], f"{stay_label} {when} to {SNF[code]} (status {code}): a SNF task, no TCM task."
    where = COMMUNITY.get(code, "")
    said = (
        f"to {where} (status {code})"
        if where
        else (
            f"(status {code!r}, not a NUBC code read here)"
            if code
            else "(no discharge status given)"
        )
    )
    visit_days = TCM_VISIT_DAYS_HIGH if high_risk else TCM_VISIT_DAYS_MODERATE
    contact_due = business_days_after(day, TCM_CONTACT_BUSINESS_DAYS)
    tasks = [
        Task(
            kind="tcm_contact",
            suffix="contact",
            title="Transitional care: contact within 2 business days",
            detail=f"{stay_label} {when} {said}. Interactive contact with the patient or "
            f"caregiver by {contact_due:%a %Y-%m-%d} (2 business days; CMS TCM FAQ).",
            due=contact_due,
        ),
        Task(
            kind="tcm_visit",
            suffix="visit",
            title=f"Transitional care: face-to-face visit within {visit_days} days",
            detail=f"{stay_label} {when} {said}. Face-to-face visit within 7 calendar days for "
            "high-complexity decision making (CPT 99496) or 14 (CPT 99495); due on the "
            f"{visit_days}-day date {'(high risk tier)' if high_risk else ''}".rstrip()
            + ". The clinician decides the complexity.",
            due=day + timedelta(days=visit_days),
        ),
    ]
    return tasks, f"{stay_label} {when} {said}: transitional care tasks opened."


#: An emergency visit's follow-up has no CMS deadline; the entity's practice is this many
#: business days (a setting, EVENTS_ED_FOLLOW_UP_BUSINESS_DAYS).
def ed_task(*, registered: datetime, business_days: int, location: str) -> Task:
    due = business_days_after(registered.date(), business_days)
    at = f" ({location})" if location else ""
    return Task(
        kind="ed_follow_up",
        suffix="ed",
        title="Emergency department visit: follow up",
        detail=f"Registered in the emergency department {registered:%Y-%m-%d %H:%M}{at}. "
        f"Follow up by {due:%a %Y-%m-%d} (the organisation's practice: {business_days} "
        "business days; CMS sets no deadline).",
        due=due,
    )


def snf_admission_task(*, admitted: datetime, business_days: int, facility: str) -> Task:
    due = business_days_after(admitted.date(), business_days)
    return Task(
        kind="snf_admission",
        suffix="snf",
        title="Skilled nursing facility admission",
        detail=f"Admitted to {facility} {admitted:%Y-%m-%d %H:%M}: follow the stay and plan "
        f"the discharge home (first contact by {due:%a %Y-%m-%d}).",
        due=due,
    )
