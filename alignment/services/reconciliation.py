"""Reconciliation of an alignment run with CMS's list for an entity, performance year and period.

The service reads the run's results and the list's rows into frames, calls the pure engine
(alignment.engine.reconcile) with the dates each side saw, and stores the counts (one
`Reconciliation` row per run, list and margin) for the entity overview. The people are computed
again whenever the page or the export is read: nothing about them is stored twice.

What each side saw:
- the run: the claims of its deliveries (the latest delivery's date is its "claims through"), the
  participant list in force on its participant date;
- CMS's list: its date (CMS's claims are taken as through the list's date: the report does not
  say more), the TINs of its TIN table, its voluntary-alignment flags, its excluded-beneficiary
  table with CMS's reason.
- Data-sharing withholding comes from the claims app's `withheld_beneficiaries` reader when that
  reader exists (CMS's data-sharing files); without it the engine still treats a person who is on
  CMS's list but in no delivered beneficiary file as withheld (CCLF Information Packet 2.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import IntegrityError, transaction

from alignment.engine import columns as c
from alignment.engine.reconcile import Context, Exclusion, Summary, reconcile, summarize
from alignment.models import AlignmentResult, AlignmentRun, Reconciliation, RunStatus
from alignment.services.inputs import claims_first_day, participant_list
from claims import selectors as claims_selectors
from cmslists.models import (
    ANNUAL_KINDS,
    CmsList,
    CmsListBeneficiary,
    CmsListProvider,
    ExclusionReason,
    ProviderKind,
    Status,
)
from cmslists.selectors import cms_list_assigned, cms_list_covering
from core.api import ApplicationError
from entities.models import Entity

#: The plurality margin shown unless the user states another (a reading aid, not a CMS rule).
DEFAULT_MARGIN = Decimal("50.00")
MAX_MARGIN = Decimal("100000")

#: CMS's exclusion reasons (cmslists) as the engine reads them.
EXCLUSIONS: dict[str, Exclusion] = {
    ExclusionReason.DECEASED: Exclusion.DECEASED,
    ExclusionReason.MISSING_ID: Exclusion.OTHER,
    ExclusionReason.PART_A_B_ONLY: Exclusion.PART_A_B,
    ExclusionReason.MEDICARE_ADVANTAGE: Exclusion.MEDICARE_ADVANTAGE,
    ExclusionReason.OUTSIDE_US: Exclusion.OUTSIDE_US,
    ExclusionReason.OTHER_INITIATIVE: Exclusion.OTHER_INITIATIVE,
    ExclusionReason.PLURALITY: Exclusion.PLURALITY,
    ExclusionReason.OTHER: Exclusion.OTHER,
}


@dataclass(frozen=True)
class ReconciliationResult:
    """One comparison: what was compared, with which dates, and the people in their groups."""

    entity: Entity
    cms_list: CmsList
    run: AlignmentRun
    margin: Decimal
    context: Context
    frame: pd.DataFrame  # alignment.engine.columns.RECONCILE_COLUMNS; PERSON is a beneficiary id
    summary: Summary
    data_sharing_known: bool
    record: Reconciliation


def reconciliation_run_for(*, cms_list: CmsList) -> AlignmentRun | None:
    """The run a list is compared with: the latest succeeded final run of the year for an annual
    list, the latest quarterly run for a quarterly one, else the latest run of the year."""
    runs = AlignmentRun.objects.filter(
        entity_id=cms_list.entity_id,
        performance_year=cms_list.performance_year,
        status=RunStatus.SUCCEEDED,
    ).order_by("-created_at", "-id")
    kind = "final" if cms_list.kind in ANNUAL_KINDS else "quarterly"
    return runs.filter(list_kind=kind).first() or runs.first()


def parse_margin(value: str | None) -> Decimal:
    """The margin a user typed (dollars), or an ApplicationError naming the field."""
    if value in (None, ""):
        return DEFAULT_MARGIN
    try:
        margin = Decimal(str(value).replace("$", "").replace(",", "").strip())
    except ArithmeticError:
        raise ApplicationError(
            f"margin: {value!r} is not an amount in dollars.", {"field": "margin"}
        ) from None
    if not margin.is_finite() or margin < 0 or margin > MAX_MARGIN:
        raise ApplicationError(
            f"margin: give an amount between $0 and ${MAX_MARGIN:,}.", {"field": "margin"}
        )
    return margin.quantize(Decimal("0.01"))


def _cents(amount: Any) -> int:
    return int((Decimal(amount or 0) * 100).to_integral_value())


def _ours(run: AlignmentRun) -> pd.DataFrame:
    rows = AlignmentResult.objects.filter(run=run).values_list(
        "beneficiary_id",
        "aligned",
        "step",
        "reason",
        "attributed_tin",
        "entity_allowed",
        "top_competitor",
        "competitor_allowed",
        "entity_last_service",
        "beneficiary__death_date",
        "beneficiary__demographics_as_of",
        "beneficiary__part_a_start",
        "beneficiary__part_b_start",
    )
    records = [
        {
            c.PERSON: bene,
            c.ALIGNED: aligned,
            c.STEP: step,
            c.REASON: reason,
            c.ATTRIBUTED_TIN: tin,
            c.ENTITY_ALLOWED_CENTS: _cents(entity_allowed),
            c.TOP_COMPETITOR: competitor,
            c.COMPETITOR_ALLOWED_CENTS: _cents(competitor_allowed),
            c.ENTITY_LAST_SERVICE: pd.Timestamp(last) if last else pd.NaT,
            c.DEATH_DATE: pd.Timestamp(death) if death else pd.NaT,
            # Known from a delivered beneficiary file (CCLF8: demographics, Part A/B dates), not
            # only from CMS's list, which carries a name and dates of birth and death.
            c.IN_DATA: any(x is not None for x in (seen, part_a, part_b)),
        }
        for (bene, aligned, step, reason, tin, entity_allowed, competitor, competitor_allowed,
             last, death, seen, part_a, part_b) in rows.iterator(chunk_size=5000)
    ]  # fmt: skip
    return pd.DataFrame.from_records(records)


def _cms(cms_list: CmsList) -> pd.DataFrame:
    tins = dict(cms_list_assigned(cms_list=cms_list))
    people: dict[int, dict[str, Any]] = {}
    rows = CmsListBeneficiary.objects.filter(cms_list=cms_list).values_list(
        "beneficiary_id", "status", "reason", "voluntary", "death_date"
    )
    for bene, status, reason, voluntary, death in rows.order_by("beneficiary_id", "status"):
        row = people.setdefault(
            bene,
            {
                c.PERSON: bene,
                c.CMS_ASSIGNED: False,
                c.CMS_VOLUNTARY: False,
                c.CMS_TIN: tins.get(bene, ""),
                c.CMS_EXCLUSION: "",
                c.CMS_EXCLUSION_TEXT: "",
                c.CMS_DEATH_DATE: pd.NaT,
            },
        )
        if status == Status.ASSIGNED:
            row[c.CMS_ASSIGNED] = True
            row[c.CMS_VOLUNTARY] = row[c.CMS_VOLUNTARY] or bool(voluntary)
        elif reason:
            row[c.CMS_EXCLUSION] = EXCLUSIONS.get(reason, Exclusion.OTHER).value
            row[c.CMS_EXCLUSION_TEXT] = ExclusionReason(reason).label
        if death:
            row[c.CMS_DEATH_DATE] = pd.Timestamp(death)
    return pd.DataFrame.from_records(list(people.values()))


def _withheld(entity: Entity, as_of: date) -> pd.DataFrame | None:
    """Who CMS withholds data for, from the claims app's reader of CMS's data-sharing files;
    None where that reader is not there (the engine then relies on who is missing from the
    delivered files)."""
    reader = getattr(claims_selectors, "withheld_beneficiaries", None)
    if reader is None:
        return None
    held = reader(entity=entity, as_of=as_of)
    return pd.DataFrame(
        {
            c.PERSON: list(held),
            c.WITHHELD_FROM: [pd.Timestamp(w.effective_date) for w in held.values()],
        }
    )


def _our_tins(run: AlignmentRun) -> frozenset[str]:
    plist, _, _ = participant_list(
        entity=run.entity, as_of=run.participants_as_of, program=run.program
    )
    return frozenset(plist.tins) | frozenset(t for t, _ in plist.providers)


def _window_starts(run: AlignmentRun) -> tuple[date | None, date | None]:
    """The first day of the run's assignment window (REACH: its first alignment year) and of
    its expanded window (MSSP step 3), from the windows the run stored."""
    windows = run.windows or {}
    first = windows.get("assignment") or windows.get("alignment_year_1")
    expanded = windows.get("expanded")
    return (
        date.fromisoformat(first["start"]) if first else None,
        date.fromisoformat(expanded["start"]) if expanded else None,
    )


def _claims_through(run: AlignmentRun) -> date | None:
    days = [date.fromisoformat(d["delivered_at"][:10]) for d in run.deliveries or []]
    return max(days) if days else None


def reconciliation_build(
    *,
    entity: Entity,
    performance_year: int,
    period: int,
    margin: Decimal = DEFAULT_MARGIN,
    run: AlignmentRun | None = None,
) -> ReconciliationResult:
    """Compare the run with the CMS list covering the entity's year and period; store the
    counts. The caller has checked the user's access to the entity."""
    cms_list = cms_list_covering(entity=entity, performance_year=performance_year, period=period)
    if cms_list is None:
        raise ApplicationError(
            f"No CMS list covers PY{performance_year}"
            + (f" quarter {period}" if period else "")
            + f" of {entity.cms_id}: load CMS's assignment or alignment report first.",
            {"field": "period"},
        )
    run = run or reconciliation_run_for(cms_list=cms_list)
    if run is None:
        raise ApplicationError(
            f"{entity.cms_id} has no finished alignment run for PY{performance_year} to compare "
            "with CMS's list: run alignment first.",
            {"field": "run"},
        )
    if run.entity_id != entity.pk or run.performance_year != performance_year:
        raise ApplicationError("The run is not of this entity and year.", {"field": "run"})
    cms_frame = _cms(cms_list)
    tin_table = frozenset(
        CmsListProvider.objects.filter(cms_list=cms_list, kind=ProviderKind.TIN)
        .values_list("identifier", flat=True)
        .distinct()
    )
    window_start, expanded_start = _window_starts(run)
    context = Context(
        performance_year=performance_year,
        list_date=cms_list.list_date,
        margin_cents=_cents(margin),
        our_claims_through=_claims_through(run),
        cms_claims_through=cms_list.list_date,
        our_tins=_our_tins(run),
        cms_tins=tin_table or None,
        our_claims_from=claims_first_day(run.deliveries or []),
        window_start=window_start,
        expanded_window_start=expanded_start,
    )
    withheld = _withheld(entity, cms_list.list_date)
    frame = reconcile(_ours(run), cms_frame, withheld, context)
    summary = summarize(frame)
    fields = {
        "entity": entity,
        "people": summary.total,
        "groups": summary.groups,
        "causes": [
            {"group": g, "cause": cause, "count": n}
            for (g, cause), n in sorted(summary.causes.items())
        ],
        "agreement_percent": summary.agreement_percent,
        "data_sharing_known": withheld is not None,
    }
    try:
        with transaction.atomic():
            record, _ = Reconciliation.objects.update_or_create(
                run=run, cms_list=cms_list, margin=margin, defaults=fields
            )
    except IntegrityError:  # computed at the same moment by another request: same figures
        record = Reconciliation.objects.get(run=run, cms_list=cms_list, margin=margin)
    return ReconciliationResult(
        entity=entity,
        cms_list=cms_list,
        run=run,
        margin=margin,
        context=context,
        frame=frame,
        summary=summary,
        data_sharing_known=withheld is not None,
        record=record,
    )
