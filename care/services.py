"""Writes of the care app: worklist items (by hand and generated) and the claims refresh.

One transaction per business action; each status change leaves a `WorklistNote` saying who moved
the item from what to what, and why.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal, TypeVar

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import STAFF_ROLES, Membership
from care import upstream
from care.engine import alignment_risk as ar
from care.engine import columns as c
from care.engine import eligibility
from care.engine.eligibility import HOSPICE_CLAIM_TYPE
from care.engine.gaps import care_gaps
from care.engine.timeline import claim_events
from care.engine.value_sets import value_sets
from care.engine.worklist import discharges_without_follow_up, ed_visits, snf_admissions
from care.medications import medications_by_beneficiary
from care.models import (
    OPEN_STATUSES,
    CareGap,
    CareProfile,
    CareSummary,
    ClaimEvent,
    ItemKind,
    ItemStatus,
    OutreachAttempt,
    OutreachMethod,
    OutreachOutcome,
    WorklistItem,
    WorklistNote,
)
from care.signals import care_refreshed
from core.api import ApplicationError
from core.bulk import rows_insert
from core.prepared import prepared_cursor, rows_json

_UNSET: Any = object()
INPATIENT_CLAIM_TYPES = ("60", "61")
# Claim-generated items carry a source key starting with one of these (items made by hand or
# from live events carry none of them): the refresh closes those it no longer generates.
GENERATED_PREFIXES: dict[str, str] = {
    ItemKind.DISCHARGE_FOLLOW_UP: "discharge:",
    ItemKind.SNF_ADMISSION: "snf:",
    ItemKind.ED_VISIT: "ed:",
    ItemKind.AWV_DUE: "awv:",
    ItemKind.ALIGNMENT_RISK: "alignment_risk:",
    ItemKind.HCC_RECAPTURE: "hcc:",
}


# How claims are valued (benchmarks.engine.expenditures.claim_expenditures).
Valuation = Literal["paid", "pre_reduction"]


def _check_assignee(*, entity: Any, user: Any) -> None:
    if user is None:
        return
    if not Membership.objects.filter(user=user, entity=entity, role__in=STAFF_ROLES).exists():
        raise ApplicationError(
            "The assignee is not a member of this entity.", {"field": "assigned_to"}
        )


def worklist_item_create(
    *,
    entity: Any,
    beneficiary: Any,
    title: str,
    acting_user: Any,
    kind: str = ItemKind.MANUAL,
    detail: str = "",
    due_date: date | None = None,
    assigned_to: Any = None,
) -> WorklistItem:
    """Add a worklist item by hand for one beneficiary of the entity."""
    if beneficiary.entity_id != entity.pk:
        raise ApplicationError("The beneficiary is not in this entity.", {"field": "beneficiary"})
    _check_assignee(entity=entity, user=assigned_to)
    item = WorklistItem(
        entity=entity,
        beneficiary=beneficiary,
        kind=kind,
        title=title.strip(),
        detail=detail.strip(),
        due_date=due_date,
        assigned_to=assigned_to,
        created_by=acting_user,
    )
    item.full_clean()
    with transaction.atomic(durable=True):
        item.save()
        WorklistNote.objects.create(
            item=item, author=acting_user, text="Created", status_to=item.status
        )
    return item


def worklist_item_update(
    *,
    item: WorklistItem,
    acting_user: Any,
    status: str | None = None,
    dismissed_reason: str = "",
    assigned_to: Any = _UNSET,
    due_date: Any = _UNSET,
    note: str = "",
) -> WorklistItem:
    """Change an item's status, assignee or due date, or add a note. Dismissing needs a reason."""
    with transaction.atomic(durable=True):
        item = WorklistItem.objects.select_for_update().get(pk=item.pk)
        previous = item.status
        if status is not None and status != previous:
            if status not in ItemStatus.values:
                raise ApplicationError(f"Unknown status {status!r}.", {"field": "status"})
            if status == ItemStatus.DISMISSED and not dismissed_reason.strip():
                raise ApplicationError(
                    "Say why the item is dismissed.", {"field": "dismissed_reason"}
                )
            item.status = status
            item.dismissed_reason = (
                dismissed_reason.strip() if status == ItemStatus.DISMISSED else ""
            )
            item.closed_at = None if status in OPEN_STATUSES else timezone.now()
        if assigned_to is not _UNSET:
            _check_assignee(entity=item.entity, user=assigned_to)
            item.assigned_to = assigned_to
        if due_date is not _UNSET:
            item.due_date = due_date
        item.full_clean()
        item.save()
        if item.status != previous or note.strip():
            WorklistNote.objects.create(
                item=item,
                author=acting_user,
                text=note.strip() or item.dismissed_reason,
                status_from=previous if item.status != previous else "",
                status_to=item.status if item.status != previous else "",
            )
    return item


def worklist_items_assign(
    *, entity: Any, item_ids: list[int], assigned_to: Any, acting_user: Any
) -> int:
    """Assign many of the entity's items at once (None: unassign), with a note on each saying
    who assigned them to whom. Items of another entity are not touched (the count says how many
    were). One transaction."""
    _check_assignee(entity=entity, user=assigned_to)
    to_whom = (assigned_to.full_name or assigned_to.email) if assigned_to else "nobody"
    with transaction.atomic(durable=True):
        items = list(
            WorklistItem.objects.select_for_update()
            .filter(entity=entity, pk__in=item_ids)
            .only("pk", "status")
        )
        ids = [item.pk for item in items]
        WorklistItem.objects.filter(pk__in=ids).update(
            assigned_to=assigned_to, updated_at=timezone.now()
        )
        WorklistNote.objects.bulk_create(
            [
                WorklistNote(item_id=pk, author=acting_user, text=f"Assigned to {to_whom}")
                for pk in ids
            ]
        )
    return len(ids)


def outreach_attempt_create(
    *,
    item: WorklistItem,
    acting_user: Any,
    attempted_at: Any,
    method: str,
    outcome: str,
    note: str = "",
    next_action_on: date | None = None,
) -> OutreachAttempt:
    """Record one attempt to reach the item's beneficiary (when, how, outcome). An attempt in
    the future is refused; the first attempt on an open item moves it to in progress. A next
    action date becomes the item's due date (the task comes back on that day's list)."""
    if method not in OutreachMethod.values:
        raise ApplicationError(f"Unknown outreach method {method!r}.", {"field": "method"})
    if outcome not in OutreachOutcome.values:
        raise ApplicationError(f"Unknown outreach outcome {outcome!r}.", {"field": "outcome"})
    if attempted_at > timezone.now() + timedelta(minutes=5):
        raise ApplicationError(
            "The attempt's time is in the future: record attempts once made.",
            {"field": "attempted_at"},
        )
    attempt = OutreachAttempt(
        entity_id=item.entity_id,
        item=item,
        beneficiary_id=item.beneficiary_id,
        attempted_at=attempted_at,
        method=method,
        outcome=outcome,
        note=note.strip(),
        next_action_on=next_action_on,
        recorded_by=acting_user,
    )
    if next_action_on is not None and next_action_on < attempted_at.date() - timedelta(days=1):
        raise ApplicationError(
            "The next action date is before the attempt: choose a later day.",
            {"field": "next_action_on"},
        )
    attempt.full_clean()
    with transaction.atomic(durable=True):
        attempt.save()
        locked = WorklistItem.objects.select_for_update().get(pk=item.pk)
        if next_action_on is not None and locked.due_date != next_action_on:
            WorklistNote.objects.create(
                item=locked,
                author=acting_user,
                text=f"Next action on {next_action_on:%Y-%m-%d} (was due "
                f"{locked.due_date:%Y-%m-%d})."
                if locked.due_date
                else f"Next action on {next_action_on:%Y-%m-%d}.",
            )
            locked.due_date = next_action_on
            locked.save(update_fields=["due_date", "updated_at"])
        if locked.status == ItemStatus.OPEN:
            locked.status = ItemStatus.IN_PROGRESS
            locked.save(update_fields=["status", "updated_at"])
            WorklistNote.objects.create(
                item=locked,
                author=acting_user,
                text=f"Outreach: {attempt}",
                status_from=ItemStatus.OPEN,
                status_to=ItemStatus.IN_PROGRESS,
            )
    return attempt


# ------------------------------------------------------------------------------------------------
# Refresh from claims


def _claims_read(*, entity: Any, as_of: date) -> pd.DataFrame:
    """The entity's final-action claims the refresh reads, once: from the care rules' longest
    lookback (colorectal screening's colonoscopy, ten years: value_sets.json) to the end of the
    as-of year, which the year's expenditures (`_expenditures`) read too."""
    from claims.selectors import final_action_claims

    return final_action_claims(
        entity=entity, thru_from=date(as_of.year - 10, 1, 1), thru_to=date(as_of.year, 12, 31)
    )


def _claims_frames(*, entity: Any, as_of: date, read: pd.DataFrame) -> dict[str, Any]:
    """Engine inputs from the final-action claims interface (`claims.selectors`); `read` is
    `_claims_read`."""
    from claims.selectors import (
        claims_in_span,
        final_action_diagnoses,
        final_action_revenue_lines,
        part_a_discharge_status,
        shareable_claims,
    )

    # The longest lookback is colorectal screening's colonoscopy, ten years (value_sets.json).
    # Claims of beneficiaries CMS withholds as of the date (declined data sharing, suppressed)
    # are left out: nothing of care is derived from them (claims.selectors.shareable_claims).
    since = date(as_of.year - 10, 1, 1)
    claims, revenue, dx = shareable_claims(
        [
            claims_in_span(read, thru_from=since, thru_to=as_of),
            *(
                reader(entity=entity, thru_from=since, thru_to=as_of)
                for reader in (final_action_revenue_lines, final_action_diagnoses)
            ),
        ],
        entity=entity,
        as_of=as_of,
    )
    lines = claims[claims["source"] != "A"]
    procedures = pd.concat(
        [
            pd.DataFrame(
                {
                    c.BENEFICIARY_ID: lines["beneficiary_id"],
                    c.SERVICE_DATE: lines["line_from_date"],
                    c.CODE: lines["hcpcs_cd"].fillna(""),
                }
            ),
            pd.DataFrame(
                {
                    c.BENEFICIARY_ID: revenue.get("beneficiary_id", pd.Series(dtype=object)),
                    c.SERVICE_DATE: revenue.get("service_date", pd.Series(dtype=object)),
                    c.CODE: revenue.get("hcpcs_cd", pd.Series(dtype=object)),
                }
            ),
        ],
        ignore_index=True,
    )
    procedures = procedures[procedures[c.CODE].astype(str) != ""]
    diagnoses = pd.DataFrame(
        {
            c.BENEFICIARY_ID: dx.get("beneficiary_id", pd.Series(dtype=object)),
            c.SERVICE_DATE: dx.get("thru_date", pd.Series(dtype=object)),
            c.CODE: dx.get("dx_code", pd.Series(dtype=object)),
        }
    )
    part_a = claims[claims["source"] == "A"]
    inpatient = part_a[part_a["claim_type_cd"].isin(INPATIENT_CLAIM_TYPES)]
    hospice = part_a[part_a["claim_type_cd"] == HOSPICE_CLAIM_TYPE]
    status = part_a_discharge_status(
        entity=entity,
        claim_ids=list(inpatient["claim_id"].astype(str)) + list(hospice["claim_id"].astype(str)),
    )
    stays = pd.DataFrame(
        {
            c.BENEFICIARY_ID: inpatient["beneficiary_id"],
            c.CLAIM_ID: inpatient["claim_id"].astype(str),
            c.ADMISSION_DATE: inpatient["from_date"],
            c.DISCHARGE_DATE: inpatient["thru_date"],
            c.DISCHARGE_STATUS: [status.get(str(i), "") for i in inpatient["claim_id"]],
            c.BILL_TYPE: inpatient["bill_type"].fillna("").astype(str),
        }
    )
    hospice_claims = pd.DataFrame(
        {
            c.BENEFICIARY_ID: hospice["beneficiary_id"],
            c.DISCHARGE_DATE: hospice["thru_date"],
            c.DISCHARGE_STATUS: [status.get(str(i), "") for i in hospice["claim_id"]],
        },
        columns=[c.BENEFICIARY_ID, c.DISCHARGE_DATE, c.DISCHARGE_STATUS],
    )
    ed_spec = value_sets()["ed_visit"]
    ed_rev = (
        revenue[revenue["revenue_cd"].isin(ed_spec["revenue_codes"])] if len(revenue) else revenue
    )
    ed_b = lines[lines["hcpcs_cd"].isin(ed_spec["procedure_codes"])]
    ed = pd.concat(
        [
            pd.DataFrame(
                {
                    c.BENEFICIARY_ID: ed_rev.get("beneficiary_id", pd.Series(dtype=object)),
                    c.CLAIM_ID: ed_rev.get("claim_id", pd.Series(dtype=object)).astype(str),
                    c.SERVICE_DATE: ed_rev.get("service_date", pd.Series(dtype=object)),
                }
            ),
            pd.DataFrame(
                {
                    c.BENEFICIARY_ID: ed_b["beneficiary_id"],
                    c.CLAIM_ID: ed_b["claim_id"].astype(str),
                    c.SERVICE_DATE: ed_b["line_from_date"],
                }
            ),
        ],
        ignore_index=True,
    ).drop_duplicates(subset=[c.CLAIM_ID])
    events = claim_events(claims, since=date(as_of.year - 1, 1, 1))
    return {
        "procedures": procedures,
        "diagnoses": diagnoses,
        "stays": stays,
        "hospice": hospice_claims,
        "ed": ed,
        "events": events,
    }


def _recapture_items(*, entity: Any, as_of: date, acting_user: Any) -> list[WorklistItem]:
    """HCC recapture tasks: HCCs coded last year and not yet this year (benchmarks.selectors,
    read with the scope of the user who asked for the refresh). Due 31 December: a risk score
    counts only the diagnoses of its calendar year (domain.md 6)."""
    from care import upstream

    hccs = upstream.recapture_gaps(user=acting_user, entity=entity, year=as_of.year)
    return [
        WorklistItem(
            entity=entity,
            beneficiary_id=h.risk_score.beneficiary_id,
            kind=ItemKind.HCC_RECAPTURE,
            source_key=f"hcc:{h.risk_score.beneficiary_id}:{h.model}:{h.hcc}:{as_of.year}"[:100],
            title=f"HCC recapture: {h.model} {h.hcc}",
            detail=f"{h.label} was coded in {as_of.year - 1} and not yet in {as_of.year}".strip(),
            due_date=date(as_of.year, 12, 31),
        )
        for h in hccs
    ]


#: The gap key of a quality measure's open numerator events: "measure_" + the measure's code.
MEASURE_GAP_PREFIX = "measure_"


def measure_gaps_replace(
    *, entity: Any, measure: str, as_of: date, gaps: list[dict[str, Any]]
) -> int:
    """Replace the entity's open gaps of one quality measure (the quality app calls this: care
    cannot import quality). Each gap is a beneficiary's open numerator event of the measure
    (`beneficiary_id`, `label` naming the measure, `detail` with the date it closes); one per
    beneficiary and measure, the first to close. Nobody deceased, in hospice or withheld from
    data sharing gets one (as for the claims gaps). Returns how many were written."""
    from beneficiaries.models import Beneficiary
    from claims.selectors import withheld_beneficiaries

    key = f"{MEASURE_GAP_PREFIX}{measure.lower()}"[:40]
    wanted = {int(g["beneficiary_id"]): g for g in gaps}
    held = set(withheld_beneficiaries(entity=entity, as_of=as_of))
    living = set(
        Beneficiary.objects.filter(
            entity=entity, pk__in=list(wanted), death_date__isnull=True, merged_into__isnull=True
        )
        .exclude(
            Q(hospice_start__lte=as_of) & (Q(hospice_end__isnull=True) | Q(hospice_end__gte=as_of))
        )
        .values_list("pk", flat=True)
    )
    rows = [
        CareGap(
            entity=entity,
            beneficiary_id=bene,
            gap=key,
            label=str(g["label"])[:100],
            detail=str(g.get("detail", ""))[:300],
            last_done=g.get("last_done"),
            as_of=as_of,
            closes_on=g.get("closes_on"),
        )
        for bene, g in wanted.items()
        if bene in living and bene not in held
    ]
    with transaction.atomic():
        touched = set(
            CareGap.objects.filter(entity=entity, gap=key).values_list("beneficiary_id", flat=True)
        ) | {row.beneficiary_id for row in rows}
        CareGap.objects.filter(entity=entity, gap=key).delete()
        CareGap.objects.bulk_create(rows, batch_size=5000)
        open_gap_counts_update(entity=entity, beneficiary_ids=touched)
        # The overview's counts read the same gaps as the roster's filter: recount them (as of
        # the care refresh's own date, which the recent stays and visits count back from).
        summary = CareSummary.objects.filter(entity=entity).first()
        if summary is not None:
            care_summary_rebuild(entity=entity, as_of=summary.as_of)
    return len(rows)


def open_gap_counts_update(*, entity: Any, beneficiary_ids: set[int]) -> None:
    """Set the care profiles' open gap count of these beneficiaries from their gaps (the claims
    rules' and the quality measures' alike), so the roster's count, sort and filter see both."""
    counts = dict(
        CareGap.objects.filter(entity=entity, beneficiary_id__in=beneficiary_ids)
        .values("beneficiary_id")
        .annotate(n=Count("pk"))
        .values_list("beneficiary_id", "n")
    )
    profiles = list(CareProfile.objects.filter(entity=entity, beneficiary_id__in=beneficiary_ids))
    for profile in profiles:
        profile.open_gap_count = min(counts.get(profile.beneficiary_id, 0), 32767)
    CareProfile.objects.bulk_update(profiles, ["open_gap_count"], batch_size=5000)


def care_refresh(
    *, entity: Any, as_of: date | None = None, progress: Any = None, acting_user: Any = None
) -> dict[str, Any]:
    """Recompute care gaps, care profiles and generated worklist items of one entity from its
    final-action claims, as of a date (by default the claims' own date, `claims_data_date`; a
    later date is allowed but reported as a warning: counts back from a day the claims do not
    reach come out empty).

    Nobody deceased, in hospice or outside the population of record gets a gap or a generated
    task (`care.engine.eligibility`). Safe to repeat: gaps and profiles are replaced in one
    transaction; generated items are keyed by their source event and never duplicated, items
    someone already worked on keep their status, and an open generated item the refresh no longer
    finds (the person died, the visit was billed, a new run) is closed as dismissed with the
    reason. HCC recapture tasks are made when the refresh has an acting user (whose scope the
    risk results are read with)."""
    from beneficiaries.models import Beneficiary
    from claims.selectors import claims_data_date, withheld_beneficiaries

    report = progress or (lambda percent, message="": None)
    data_date = claims_data_date(entity=entity)
    as_of = as_of or data_date
    if as_of is None:
        raise ApplicationError(
            f"Entity {entity.cms_id} has no claims loaded yet: load a CCLF delivery first.",
            {"field": "as_of"},
        )
    warnings = []
    if data_date is not None and as_of > data_date:
        warnings.append(
            f"Refreshed as of {as_of:%Y-%m-%d}, after the claims' last date {data_date:%Y-%m-%d}:"
            " counts of recent stays and visits look back from a day the claims do not reach."
        )
    report(5, "Reading claims")
    read = _claims_read(entity=entity, as_of=as_of)
    frames = _claims_frames(entity=entity, as_of=as_of, read=read)
    held = withheld_beneficiaries(entity=entity, as_of=as_of)
    person_columns = [
        "id", "birth_date", "sex_code", "death_date", "hospice_start", "hospice_end",
        "part_b_start",
    ]  # fmt: skip
    people = pd.DataFrame.from_records(
        Beneficiary.objects.filter(entity=entity, merged_into__isnull=True).values(*person_columns),
        columns=person_columns,
    ).rename(columns={"id": c.BENEFICIARY_ID})
    population = upstream.population_of_record(entity=entity)
    excluded = eligibility.excluded(
        beneficiaries=people,
        hospice_claims=frames["hospice"],
        population=population["ids"] if population else None,
        as_of=as_of,
    )
    eligible = people[~people[c.BENEFICIARY_ID].isin(set(excluded))]

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[~frame[c.BENEFICIARY_ID].isin(set(excluded))]

    report(40, "Finding care gaps")
    gaps = care_gaps(
        # A withheld beneficiary's missing claims say nothing: no gap is found for them.
        beneficiaries=eligible[~eligible[c.BENEFICIARY_ID].isin(list(held))],
        procedures=frames["procedures"],
        diagnoses=frames["diagnoses"],
        as_of=as_of,
    )
    discharges = keep(
        discharges_without_follow_up(
            stays=frames["stays"], procedures=frames["procedures"], as_of=as_of
        )
    )
    snf = keep(snf_admissions(stays=frames["stays"], as_of=as_of))
    ed = keep(ed_visits(visits=frames["ed"], as_of=as_of))
    year_ago = pd.Timestamp(as_of) - pd.DateOffset(months=12)
    stays = frames["stays"]
    stays_12m = stays[pd.to_datetime(stays[c.DISCHARGE_DATE]) >= year_ago]
    ed_12m = frames["ed"][pd.to_datetime(frames["ed"][c.SERVICE_DATE]) >= year_ago]
    last_ip = pd.to_datetime(stays[c.DISCHARGE_DATE]).groupby(stays[c.BENEFICIARY_ID]).max()
    last_ed = (
        pd.to_datetime(frames["ed"][c.SERVICE_DATE]).groupby(frames["ed"][c.BENEFICIARY_ID]).max()
    )
    ip_count = stays_12m.groupby(c.BENEFICIARY_ID).size()
    ed_count = ed_12m.groupby(c.BENEFICIARY_ID).size()
    gap_count = gaps.groupby(c.BENEFICIARY_ID).size()
    # The quality measures' gaps stay through this refresh (below): the count holds them too.
    kept = dict(
        CareGap.objects.filter(entity=entity, gap__startswith=MEASURE_GAP_PREFIX)
        .values("beneficiary_id")
        .annotate(n=Count("pk"))
        .values_list("beneficiary_id", "n")
    )
    gap_count = gap_count.add(pd.Series(kept, dtype="int64"), fill_value=0).astype("int64")
    report(60, "Reading alignment and risk scores")
    alignment = _alignment_profile(entity=entity, as_of=as_of)
    latest_scores = upstream.latest_risk_scores(entity=entity)
    tiers = ar.risk_tiers(scores=latest_scores, cuts=settings.CARE_RISK_TIERS)
    tier_of = dict(zip(tiers[c.BENEFICIARY_ID], tiers[ar.TIER], strict=True))
    score_of = dict(zip(latest_scores["beneficiary_id"], latest_scores["raw_score"], strict=True))
    procedures = frames["procedures"]
    primary = procedures[procedures[c.CODE].isin(upstream.primary_care_codes())]
    last_pc = pd.to_datetime(primary[c.SERVICE_DATE]).groupby(primary[c.BENEFICIARY_ID]).max()
    report(65, "Reading expenditures")
    spending = _expenditures(entity=entity, as_of=as_of, read=read)
    report(68, "Reading Part D fills")
    medications = _medications(entity=entity, as_of=as_of, held=held, people=people)
    report(70, "Writing results")

    def day(value: Any) -> date | None:
        return None if value is None or pd.isna(value) else pd.Timestamp(value).date()

    with transaction.atomic():
        # Quality measures' gaps are written by `measure_gaps_replace` (after this refresh, from
        # the care_refreshed receiver of the quality app): the claims rules here leave them.
        CareGap.objects.filter(entity=entity).exclude(gap__startswith=MEASURE_GAP_PREFIX).delete()
        CareGap.objects.bulk_create(
            [
                CareGap(
                    entity=entity,
                    beneficiary_id=int(row[c.BENEFICIARY_ID]),
                    gap=row[c.GAP],
                    label=row[c.LABEL],
                    last_done=day(row[c.LAST_DONE]),
                    detail=row[c.DETAIL],
                    as_of=as_of,
                )
                for row in gaps.to_dict("records")
            ],
            batch_size=5000,
        )
        CareProfile.objects.filter(entity=entity).delete()
        CareProfile.objects.bulk_create(
            [
                CareProfile(
                    beneficiary_id=int(bid),
                    entity=entity,
                    as_of=as_of,
                    last_inpatient_discharge=day(last_ip.get(bid)),
                    last_ed_visit=day(last_ed.get(bid)),
                    inpatient_stays_12m=int(ip_count.get(bid, 0)),
                    ed_visits_12m=int(ed_count.get(bid, 0)),
                    open_gap_count=int(gap_count.get(bid, 0)),
                    risk_tier=tier_of.get(bid, "") if bid not in held else "",
                    risk_score=score_of.get(bid) if bid not in held else None,
                    last_primary_care_visit=day(last_pc.get(bid)),
                    no_care_work_reason=excluded.get(bid, ""),
                    # A withheld beneficiary keeps their alignment; what claims say of them
                    # (spending, thin plurality) is not shown.
                    **{
                        **alignment["profile"].get(int(bid), {}),
                        **({"alignment_at_risk": False} if bid in held else {}),
                    },
                    **(spending["profile"].get(int(bid), {}) if bid not in held else {}),
                    medications=medications.get(int(bid), []),
                )
                for bid in people[c.BENEFICIARY_ID]
            ],
            batch_size=5000,
        )
        ClaimEvent.objects.filter(entity=entity).delete()
        # A hundred thousand rows per entity: written without a model instance each.
        rows_insert(
            ClaimEvent,
            (
                "entity_id", "beneficiary_id", "claim_id", "kind", "from_date", "thru_date",
                "codes", "dx", "paid", "as_of",
            ),
            (
                (
                    entity.pk, int(e["beneficiary_id"]), e["claim_id"], e["kind"],
                    e["from_date"], e["thru_date"], ", ".join(e["codes"])[:200], e["dx"][:10],
                    e["paid"], as_of,
                )
                for e in frames["events"]
            ),
        )  # fmt: skip
        awv_due = gaps[gaps[c.GAP] == "awv"]
        generated = [
            WorklistItem(
                entity=entity,
                beneficiary_id=int(row[c.BENEFICIARY_ID]),
                kind=row[c.KIND],
                source_key=row[c.SOURCE_KEY],
                title=ItemKind(row[c.KIND]).label,
                detail=row[c.DETAIL],
                due_date=row[c.DUE_DATE],
            )
            for frame in (discharges, snf, ed)
            for row in frame.to_dict("records")
        ] + [
            WorklistItem(
                entity=entity,
                beneficiary_id=int(row[c.BENEFICIARY_ID]),
                kind=ItemKind.AWV_DUE,
                # One AWV item per person per calendar year of the as-of date.
                source_key=f"awv:{row[c.BENEFICIARY_ID]}:{as_of.year}",
                title=ItemKind.AWV_DUE.label,
                detail=row[c.DETAIL],
                due_date=as_of,
            )
            for row in awv_due.to_dict("records")
        ]
        generated += [i for i in alignment["items"] if i.beneficiary_id not in excluded]
        kinds: set[str] = set(GENERATED_PREFIXES) - {ItemKind.HCC_RECAPTURE}
        if acting_user is not None:
            kinds.add(ItemKind.HCC_RECAPTURE)
            generated += [
                i
                for i in _recapture_items(entity=entity, as_of=as_of, acting_user=acting_user)
                if i.beneficiary_id not in excluded
            ]
        generated = [item for item in generated if item.beneficiary_id not in held]
        _withheld_items_dismiss(entity=entity, held=held)
        created = WorklistItem.objects.bulk_create(
            generated, batch_size=5000, ignore_conflicts=True
        )
        reopened = _reopen_found_again(entity=entity, generated=generated, as_of=as_of)
        superseded = _supersede(
            entity=entity,
            kinds=kinds,
            keep={(i.kind, i.source_key) for i in generated},
            as_of=as_of,
            acting_user=acting_user,
        )
        care_summary_rebuild(entity=entity, as_of=as_of, pmpm=spending["summary"])
    care_refreshed.send(sender=WorklistItem, entity=entity, as_of=as_of)
    report(100, "Done")
    counts = pd.Series(list(excluded.values()), dtype=object).value_counts()
    return {
        "as_of": as_of.isoformat(),
        "claims_data_date": data_date.isoformat() if data_date else None,
        "population": population["source"] if population else "all beneficiaries on file",
        "beneficiaries": len(people),
        "no_care_work": {str(k): int(v) for k, v in counts.items()},
        "care_gaps": len(gaps),
        "items_considered": len(created),
        "items_superseded": superseded,
        "items_reopened": reopened,
        "discharges_without_follow_up": len(discharges),
        "snf_admissions": len(snf),
        "ed_visits": len(ed),
        "alignment_at_risk": len(alignment["items"]),
        "warnings": warnings,
    }


def _withheld_items_dismiss(*, entity: Any, held: dict[int, Any]) -> None:
    """Open generated items of beneficiaries CMS now withholds came from claims that may no
    longer be used: dismissed, with the reason in a note. Items added by hand stay."""
    items = list(
        WorklistItem.objects.filter(
            entity=entity, beneficiary_id__in=list(held), status__in=OPEN_STATUSES
        ).exclude(source_key="")
    )
    for item in items:
        why = held[item.beneficiary_id]
        reason = (
            f"CMS withholds this beneficiary's claims from {why.effective_date:%Y-%m-%d} "
            f"({'declined data sharing' if why.declined else 'claims suppressed by CMS'}; "
            f"{why.source}); the task came from those claims."
        )[:300]
        WorklistNote.objects.create(
            item=item, text=reason, status_from=item.status, status_to=ItemStatus.DISMISSED
        )
        item.status, item.dismissed_reason, item.closed_at = (
            ItemStatus.DISMISSED,
            reason,
            timezone.now(),
        )
        item.save(update_fields=["status", "dismissed_reason", "closed_at", "updated_at"])


SUPERSEDED_PREFIX = "No longer found in the claims"
SUPERSEDED_REASON = SUPERSEDED_PREFIX + " as of {as_of:%Y-%m-%d}"


_T = TypeVar("_T")


def _chunks(ids: list[_T], size: int = 5000) -> list[list[_T]]:
    """`ids` in slices a query can take (SQLite, the demo's database, caps its parameters)."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _reopen_found_again(*, entity: Any, generated: list[WorklistItem], as_of: date) -> int:
    """Reopen the items a refresh had closed as no longer found (`_supersede`) that this refresh
    finds again (a refresh of another date came between): the person's work is back. Items
    someone dismissed stay dismissed."""
    keys: dict[str, set[str]] = {}
    for item in generated:
        keys.setdefault(item.kind, set()).add(item.source_key)
    ids: list[int] = []
    for kind, source_keys in keys.items():
        for some_keys in _chunks(sorted(source_keys)):
            ids += WorklistItem.objects.filter(
                entity=entity,
                kind=kind,
                status=ItemStatus.DISMISSED,
                dismissed_reason__startswith=SUPERSEDED_PREFIX,
                source_key__in=some_keys,
            ).values_list("pk", flat=True)
    if not ids:
        return 0
    for chunk in _chunks(ids):
        WorklistItem.objects.filter(pk__in=chunk).update(
            status=ItemStatus.OPEN, dismissed_reason="", closed_at=None, updated_at=timezone.now()
        )
    WorklistNote.objects.bulk_create(
        [
            WorklistNote(
                item_id=pk,
                text=f"Found again in the claims as of {as_of:%Y-%m-%d}",
                status_from=ItemStatus.DISMISSED,
                status_to=ItemStatus.OPEN,
            )
            for pk in ids
        ],
        batch_size=5000,
    )
    return len(ids)


def _supersede(
    *, entity: Any, kinds: set[str], keep: set[tuple[str, str]], as_of: date, acting_user: Any
) -> int:
    """Close the open (not started) claim-generated items of `kinds` that this refresh did not
    generate again: dismissed, with the reason and a note. Items in progress, done or made by
    hand or from live events are left alone."""
    stale = [
        item
        for item in WorklistItem.objects.filter(
            entity=entity, kind__in=kinds, status=ItemStatus.OPEN
        ).only("pk", "kind", "source_key")
        if item.source_key.startswith(GENERATED_PREFIXES[item.kind])
        and (item.kind, item.source_key) not in keep
    ]
    if not stale:
        return 0
    return _dismiss(
        {item.pk: ItemStatus.OPEN for item in stale},
        reason=SUPERSEDED_REASON.format(as_of=as_of),
        author=acting_user,
    )


def _dismiss(status_of: dict[int, str], *, reason: str, author: Any) -> int:
    """Dismiss the items `status_of` names (id -> status now) with the reason, each with its
    note; returns how many. The caller holds the transaction."""
    ids = list(status_of)
    now = timezone.now()
    for chunk in _chunks(ids):
        WorklistItem.objects.filter(pk__in=chunk).update(
            status=ItemStatus.DISMISSED, dismissed_reason=reason, closed_at=now, updated_at=now
        )
    WorklistNote.objects.bulk_create(
        [
            WorklistNote(
                item_id=pk,
                author=author,
                text=reason,
                status_from=status,
                status_to=ItemStatus.DISMISSED,
            )
            for pk, status in status_of.items()
        ],
        batch_size=5000,
    )
    return len(ids)


ALIGNMENT_RISK_DUE = timedelta(days=30)


def _medications(
    *, entity: Any, as_of: date, held: dict[int, Any], people: pd.DataFrame
) -> dict[int, list[dict[str, Any]]]:
    """Each person's Part D drugs as of the date (`care.medications`), from the final-action
    CCLF7 events of this year and last; none for a person CMS withholds."""
    from claims.selectors import final_action_part_d

    part_d = final_action_part_d(entity=entity)
    if not part_d.empty:
        part_d = part_d[
            (pd.to_datetime(part_d["fill_date"]) >= pd.Timestamp(as_of.year - 1, 1, 1))
            & ~part_d["beneficiary_id"].isin(list(held))
        ]
    deaths = {
        int(bid): (None if pd.isna(d) else pd.Timestamp(d).date())
        for bid, d in zip(people[c.BENEFICIARY_ID], people["death_date"], strict=True)
    }
    return medications_by_beneficiary(part_d=part_d, as_of=as_of, deaths=deaths)


def _claims_window_end(run: Any) -> date:
    """The last day of claims the run read: the MSSP assignment window's end, or REACH's second
    alignment year's end (alignment.services: `run.windows`); the run's as-of date otherwise."""
    windows = run.windows or {}
    for key in ("assignment", "alignment_year_2"):
        end = (windows.get(key) or {}).get("end")
        if end:
            return date.fromisoformat(end)
    return run.as_of


def _expenditures(*, entity: Any, as_of: date, read: pd.DataFrame | None = None) -> dict[str, Any]:
    """Expenditure and eligible months per beneficiary this year (to the last complete claims
    month before `as_of`) and last year, and this year's totals by enrollment type, computed by
    the benchmarks app's expenditure rules (benchmarks.engine.expenditures: Part A and B paid
    amounts less IME, DSH and uncompensated care, REACH at the pre-reduction amount; months of
    eligibility to death; domain.md 2.2-2.4) for the year's population (its aligned
    beneficiaries, else the CCLF8 roster: benchmarks.selectors.expenditure_population). Per
    person: no truncation and no completion factor, spending as paid so far. The totals by
    enrollment type are the benchmarks app's own year-to-date PMPM report (`pmpm_report`, with
    the year's completion factors where loaded). A year whose population cannot be typed (a
    missing Medicare status) is left out with the reason. `read`: the refresh's final-action
    claims (`_claims_read`), which cover both years."""
    from benchmarks.selectors import claims_through_month

    valuation: Valuation = "pre_reduction" if entity.program.code == "reach" else "paid"
    profile: dict[int, dict[str, Any]] = {}
    summary: dict[str, Any] = {"year": as_of.year, "valuation": valuation, "by_type": []}
    for key, year in (("this_year", as_of.year), ("last_year", as_of.year - 1)):
        through = 12
        if year == as_of.year:
            through = min(claims_through_month(entity=entity, year=year), as_of.month - 1)
            summary["through_month"] = through
            if through < 1:
                continue
        try:
            _expenditure_year(
                entity=entity, year=year, key=key, through=through, valuation=valuation,
                profile=profile, summary=summary, read=read,
            )  # fmt: skip
        except (ApplicationError, ValueError, KeyError) as exc:
            # Bad or missing inputs for spending must not stop the care refresh: the page says
            # why PMPM is missing instead.
            message = exc.message if isinstance(exc, ApplicationError) else str(exc)
            summary.setdefault("notes", []).append(f"PMPM {year}: {message}")
    return {"profile": profile, "summary": summary}


def _expenditure_year(
    *,
    entity: Any,
    year: int,
    key: str,
    through: int,
    valuation: Valuation,
    profile: dict[int, dict[str, Any]],
    summary: dict[str, Any],
    read: pd.DataFrame | None = None,
) -> None:
    """One year of `_expenditures`: per-person spend and months into `profile`, and for the
    current year the PMPM report's totals by enrollment type into `summary`. The year's claims
    and population are read once for both."""
    from benchmarks.engine import columns as bc
    from benchmarks.engine import expenditures as x
    from benchmarks.selectors import expenditure_claims, expenditure_population
    from benchmarks.services.calculations import pmpm_report

    population = expenditure_population(entity=entity, year=year)
    months = population.months[population.months[bc.MONTH] <= through]
    if months.empty:
        return
    year_claims = expenditure_claims(entity=entity, year=year, claims=read)
    claims = x.claim_expenditures(year_claims, valuation=valuation)
    years = x.beneficiary_years(x.month_expenditures(claims, months), months)
    per_bene = years.groupby(bc.BENE_ID).agg({bc.MONTHS: "sum", bc.EXPENDITURE: "sum"})
    for bid, row in per_bene.iterrows():
        entry = profile.setdefault(int(bid), {})
        entry[f"spend_{key}"] = row[bc.EXPENDITURE]
        entry[f"months_{key}"] = int(row[bc.MONTHS])
    if key == "this_year":
        report_ = pmpm_report(
            entity=entity,
            year=year,
            through_month=through,
            year_claims=year_claims,
            population=population,
        )
        summary["source"] = report_["population_source"]
        summary["completion_factors"] = bool(report_["completion_factors"])
        summary["by_type"] = [
            {
                "type": str(row[bc.ENROLLMENT_TYPE]),
                "months": int(row[bc.MONTHS]),
                "expenditure": str(row[bc.EXPENDITURE]),
                "completed": str(row["completed"]),
            }
            for row in report_["rows"]
            if row[bc.SERVICE_CATEGORY] == "" and row[bc.ENROLLMENT_TYPE] != ""
        ]


def _alignment_profile(*, entity: Any, as_of: date) -> dict[str, Any]:
    """Roster facts from the entity's latest alignment run (aligned, newly aligned, attributed
    TIN/NPI, at risk of dropping) by beneficiary id, and a worklist item for each person at risk
    (one per person per run: `source_key` names the run). Due in 30 days: time to book a
    primary care visit before the next quarterly run."""
    facts = upstream.alignment_facts(entity=entity)
    roster = upstream.roster_of_record_current(entity=entity)
    if facts is None:
        if roster is not None and roster.is_cms_list:
            return {"profile": _cms_list_profile(roster, {}), "items": []}
        return {"profile": {}, "items": []}
    run, results = facts["run"], facts["results"]
    at_risk = ar.at_risk_of_dropping(
        results=results,
        window_end=_claims_window_end(run),
        margin=settings.CARE_ALIGNMENT_RISK_MARGIN,
        no_visit_months=settings.CARE_ALIGNMENT_RISK_NO_VISIT_MONTHS,
    )
    risky = dict(zip(at_risk[c.BENEFICIARY_ID], at_risk[c.DETAIL], strict=True))
    profile = {
        int(row["beneficiary_id"]): {
            "aligned": bool(row["aligned"]),
            "newly_aligned": bool(row["aligned"]) and row["beneficiary_id"] in facts["added"],
            "alignment_at_risk": row["beneficiary_id"] in risky,
            "attributed_tin": row["attributed_tin"] if row["aligned"] else "",
            "attributed_npi": row["attributed_npi"] if row["aligned"] else "",
        }
        for row in results[
            ["beneficiary_id", "aligned", "attributed_tin", "attributed_npi"]
        ].to_dict("records")
    }
    if roster is not None and roster.is_cms_list:
        # CMS's list is the roster of record: who is aligned (and to which TIN) is CMS's word;
        # the run's projection only says who is at risk of dropping, among those on the list.
        profile = _cms_list_profile(roster, profile)
        risky = {bid: detail for bid, detail in risky.items() if profile[int(bid)]["aligned"]}
    items = [
        WorklistItem(
            entity=entity,
            beneficiary_id=int(bid),
            kind=ItemKind.ALIGNMENT_RISK,
            source_key=f"alignment_risk:{bid}:{run.pk}",
            title=ItemKind.ALIGNMENT_RISK.label,
            detail=(
                f"Aligned in the alignment run as of {run.as_of:%Y-%m-%d}, but {detail}. "
                "A primary care visit with the entity keeps the plurality."
            ),
            due_date=as_of + ALIGNMENT_RISK_DUE,
        )
        for bid, detail in risky.items()
    ]
    return {"profile": profile, "items": items}


def _cms_list_profile(roster: Any, profile: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The run's profile facts with CMS's list as the roster of record laid over them: aligned
    means on the list, attributed to the list's TIN (the run's NPI kept where the TIN agrees)."""
    members = dict(roster.members)
    out: dict[int, dict[str, Any]] = {}
    for bid, facts in profile.items():
        if bid not in members:
            out[bid] = {**facts, "aligned": False, "newly_aligned": False,
                        "alignment_at_risk": False, "attributed_tin": "", "attributed_npi": ""}  # fmt: skip
    for bid, tin in members.items():
        facts = profile.get(bid, {})
        same_tin = bool(tin) and facts.get("attributed_tin") == tin
        out[bid] = {
            "aligned": True,
            "newly_aligned": bool(facts.get("newly_aligned")),
            "alignment_at_risk": bool(facts.get("alignment_at_risk")),
            "attributed_tin": tin or facts.get("attributed_tin", ""),
            "attributed_npi": facts.get("attributed_npi", "") if same_tin or not tin else "",
        }
    return out


RECENT_DAYS = 90


def care_summary_rebuild(
    *, entity: Any, as_of: date, pmpm: dict[str, Any] | None = None
) -> CareSummary:
    """Recount the overview's figures from the profiles and gaps (recent = 90 days before
    `as_of`)."""
    from beneficiaries.models import Beneficiary

    since = as_of - timedelta(days=RECENT_DAYS)
    counts = CareProfile.objects.filter(entity=entity).aggregate(
        profiled=Count("pk"),
        with_gaps=Count("pk", filter=Q(open_gap_count__gt=0)),
        recent_ip=Count("pk", filter=Q(last_inpatient_discharge__gte=since)),
        recent_ed=Count("pk", filter=Q(last_ed_visit__gte=since)),
    )
    gaps = list(
        CareGap.objects.filter(entity=entity)
        .values("gap", "label")
        .annotate(n=Count("pk"))
        .order_by("label")
    )
    summary, _ = CareSummary.objects.update_or_create(
        entity=entity,
        defaults={
            "as_of": as_of,
            "beneficiaries": Beneficiary.objects.filter(
                entity=entity, merged_into__isnull=True
            ).count(),
            "gaps": gaps,
            **({"pmpm": pmpm} if pmpm is not None else {}),
            **counts,
        },
    )
    return summary


def care_due_rollover(*, entity: Any) -> int:
    """The daily roll-over of due dates, as of the entity's care data date (its latest refresh):
    an HCC recapture task is due 31 December of its year, because the CMS-HCC model scores a
    payment year from the diagnoses of the calendar year before it; once the data date is past
    that year, an open task of it can no longer be done and is closed with the reason. Returns
    how many were closed."""
    summary = CareSummary.objects.filter(entity=entity).first()
    if summary is None:
        return 0
    ended = WorklistItem.objects.filter(
        entity=entity,
        kind=ItemKind.HCC_RECAPTURE,
        status__in=OPEN_STATUSES,
        due_date__lt=date(summary.as_of.year, 1, 1),
    )
    reason = (
        f"The diagnosis year ended before the claims date {summary.as_of:%Y-%m-%d}: "
        "a recapture now counts toward another payment year"
    )
    with transaction.atomic():
        statuses = dict(ended.select_for_update().values_list("pk", "status"))
        return _dismiss(statuses, reason=reason, author=None) if statuses else 0


# ------------------------------------------------------------------------------------------------
# Items raised and withdrawn by events (hospital ADT feeds), inside the caller's transaction


def worklist_items_raise(*, items: list[dict[str, Any]]) -> None:
    """Raise generated items (entity_id, beneficiary, kind, source_key, source_at, title,
    detail, due_date), each once: a source that raised its item before raises nothing. Runs in
    the caller's transaction (an event's message is stored with its items or not at all)."""
    for spec in items:
        if spec["beneficiary"].entity_id != spec["entity_id"]:
            raise ApplicationError(
                "The beneficiary is not in this entity.", {"field": "beneficiary"}
            )
    if connection.vendor == "postgresql":
        _worklist_items_insert_sql(items)
        return
    WorklistItem.objects.bulk_create(
        [
            WorklistItem(
                entity_id=spec["entity_id"],
                beneficiary=spec["beneficiary"],
                kind=spec["kind"],
                source_key=spec["source_key"],
                source_at=spec.get("source_at"),
                title=spec["title"],
                detail=spec.get("detail", ""),
                due_date=spec.get("due_date"),
            )
            for spec in items
        ],
        ignore_conflicts=True,
    )


_ITEM_WRITTEN = (
    "entity_id, beneficiary_id, kind, source_key, source_at, title, detail, due_date, status, "
    "dismissed_reason, created_at, updated_at"
)
_ITEMS_INSERT = f"""
INSERT INTO care_worklistitem ({_ITEM_WRITTEN})
SELECT {_ITEM_WRITTEN} FROM json_populate_recordset(NULL::care_worklistitem, %s::json)
ON CONFLICT DO NOTHING
"""  # noqa: S608 - column names written here


def _worklist_items_insert_sql(items: list[dict[str, Any]]) -> None:
    """`worklist_items_raise`'s rows on PostgreSQL: one prepared INSERT whatever their number,
    the rows one JSON parameter (the ADT listener raises tasks in every batch; bulk_create built
    and compiled the statement anew and prepared every value field by field). New items are
    open, created now; a source that raised its item before raises nothing (ON CONFLICT DO
    NOTHING, as ignore_conflicts)."""
    now = timezone.now()
    rows = [
        {
            "entity_id": spec["entity_id"],
            "beneficiary_id": spec["beneficiary"].pk,
            "kind": spec["kind"],
            "source_key": spec["source_key"],
            "source_at": spec.get("source_at"),
            "title": spec["title"],
            "detail": spec.get("detail", ""),
            "due_date": spec.get("due_date"),
            "status": ItemStatus.OPEN.value,
            "dismissed_reason": "",
            "created_at": now,
            "updated_at": now,
        }
        for spec in items
    ]
    with prepared_cursor() as cursor:
        cursor.execute(_ITEMS_INSERT, [rows_json(rows)])


def worklist_items_withdraw(*, entity: Any, source_keys: list[str], reason: str) -> int:
    """Dismiss the open items raised by these sources (the event was cancelled), each with a note
    saying why; items someone closed stay as they are. In the caller's transaction."""
    items = list(
        WorklistItem.objects.select_for_update().filter(
            entity=entity, source_key__in=source_keys, status__in=OPEN_STATUSES
        )
    )
    now = timezone.now()
    for item in items:
        previous = item.status
        item.status = ItemStatus.DISMISSED
        item.dismissed_reason = reason[:300]
        item.closed_at = now
        item.save(update_fields=["status", "dismissed_reason", "closed_at", "updated_at"])
        WorklistNote.objects.create(
            item=item, text=item.dismissed_reason, status_from=previous, status_to=item.status
        )
    return len(items)
