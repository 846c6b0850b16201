"""Where the benchmark's inputs come from: the read interfaces of other apps, as engine frames.

This module is the one seam between the benchmark engine and the rest of the platform:

* claims: `claims.selectors.final_action_claims` / `final_action_diagnoses` /
  `final_action_revenue_lines` (issue 4), plus the IME, DSH and uncompensated-care amounts of the
  final-action Part A headers and the PBP/AIPBP reduction amounts (CCLFA/CCLFB) the unified frame
  does not carry;
* beneficiaries: `beneficiaries.Beneficiary` (the latest CCLF8 demographics);
* populations: benchmark years from the alignment engine run with the current participant list
  (`benchmarks.services.populations`); the performance year from the alignment app's read
  interface (`alignment.selectors.aligned_beneficiaries`, issue 5) when the year has a succeeded
  run, else the entity's CCLF8 roster, labelled as such (see `population_source`). The source
  used is recorded on every calculation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.engine import columns as c
from benchmarks.engine import expenditures as x
from benchmarks.engine import risk as r
from core.api import ApplicationError

ZERO = Decimal(0)


@dataclass(frozen=True)
class Population:
    """Eligible months of a year's population: BENE_ID, YEAR, MONTH, ENROLLMENT_TYPE, DEATH_DATE."""

    year: int
    months: pd.DataFrame
    source: str
    kind: str = "cclf8_roster"
    run: Any = None  # the performance year's alignment run
    alignment: Any = None  # a benchmark year's populations.YearAlignment
    # (beneficiary id, why) of members whose months no source gives: CMS's list names them, CCLF
    # never described them, and the list's enrollment flags cannot place them either.
    left_out: tuple[tuple[int, str], ...] = ()
    # Members whose months come from CMS's list alone (Table 1-1 ENROLLFLAG1..12): CCLF carries
    # none of their claims, so their expenditures are zero in the platform's data.
    from_list: tuple[int, ...] = ()


def beneficiaries_frame(*, entity: Any, beneficiary_ids: list[int] | None = None) -> pd.DataFrame:
    """The latest CCLF8 demographics of the entity's beneficiaries (merged records left out)."""
    from beneficiaries.models import Beneficiary

    qs = Beneficiary.objects.for_entity(entity).filter(merged_into__isnull=True)
    if beneficiary_ids is not None:
        qs = qs.filter(pk__in=beneficiary_ids)
    rows = qs.values_list(
        "pk",
        "birth_date",
        "sex_code",
        "original_entitlement_code",
        "medicare_status_code",
        "dual_status_code",
        "part_a_start",
        "part_b_start",
        "death_date",
    )
    return pd.DataFrame(
        list(rows),
        columns=[
            c.BENE_ID,
            c.BIRTH_DATE,
            c.SEX,
            c.OREC,
            c.MEDICARE_STATUS,
            c.DUAL_STATUS,
            "part_a_start",
            c.PART_B_START,
            c.DEATH_DATE,
        ],
    )


def _eligible_months(benes: pd.DataFrame, year: int) -> pd.DataFrame:
    """Months of `year` with Part A and Part B entitlement (a month counts when entitlement has
    begun by its last day), as BENE_ID, YEAR, MONTH, ENROLLMENT_TYPE, DEATH_DATE; months after
    death are dropped later by expenditures.eligible_months."""
    starts = pd.concat(
        [pd.to_datetime(benes["part_a_start"]), pd.to_datetime(benes[c.PART_B_START])], axis=1
    ).max(axis=1)
    # A start in an earlier year counts from January; no start date at all, from January too.
    first_month = np.where(starts.dt.year < year, 1, starts.dt.month).astype(float)
    first_month[starts.isna().to_numpy()] = 1
    first_month[(starts.dt.year > year).to_numpy()] = 13  # not entitled this year
    months = np.arange(1, 13)
    grid = benes[[c.BENE_ID, c.ENROLLMENT_TYPE, c.DEATH_DATE]].loc[benes.index.repeat(12)]
    grid[c.MONTH] = np.tile(months, len(benes))
    grid[c.YEAR] = year
    keep = grid[c.MONTH].to_numpy() >= np.repeat(first_month, 12)
    return grid[keep][[c.BENE_ID, c.YEAR, c.MONTH, c.ENROLLMENT_TYPE, c.DEATH_DATE]].reset_index(
        drop=True
    )


def roster_ids(*, entity: Any, year: int) -> list[int]:
    """The entity's CCLF8 roster of a year: beneficiaries on a loaded delivery for that year."""
    from beneficiaries.models import BeneficiaryDemographics
    from claims.models import Delivery

    deliveries = Delivery.objects.for_entity(entity).filter(performance_year=year, status="loaded")
    return sorted(
        set(
            BeneficiaryDemographics.objects.filter(delivery__in=deliveries).values_list(
                "beneficiary_id", flat=True
            )
        )
    )


def population_source(*, entity: Any, year: int) -> tuple[list[int], str]:
    """The beneficiary ids of a year's population and a description of where they came from.

    First choice: the year's roster of record (`alignment.selectors.roster_of_record`): CMS's
    list where one covers the year, else the aligned beneficiaries of the entity's latest
    succeeded alignment run for that year (the final list, else the latest quarterly one).
    Without either, the entity's CCLF8 roster: beneficiaries on a delivery for that performance
    year, else those with a final-action claim that year.
    """
    from alignment.selectors import roster_of_record

    roster = roster_of_record(entity=entity, performance_year=year)
    ids = sorted(set(roster.beneficiary_ids))
    if ids and roster.is_cms_list:
        return ids, f"CMS list {roster.label} ({len(ids):,} assigned)"
    if ids and roster.run is not None:
        run = roster.run
        return (
            ids,
            f"alignment run {run} ({run.get_list_kind_display().lower()}, {len(ids):,} aligned)",
        )
    ids = roster_ids(entity=entity, year=year)
    if ids:
        return ids, f"CCLF8 roster of the {year} deliveries (no alignment run for {year})"
    from claims.selectors import final_action_claims

    claims = final_action_claims(
        entity=entity, thru_from=date(year, 1, 1), thru_to=date(year, 12, 31)
    )
    ids = sorted({int(b) for b in claims["beneficiary_id"].dropna()})
    return (
        ids,
        f"beneficiaries with final-action claims in {year} (no alignment run or roster for {year})",
    )


def population_months(*, entity: Any, year: int) -> Population:
    """Eligible months by enrollment type for a performance year's population (person-years to
    death): its roster of record (CMS's list, else the alignment run's aligned beneficiaries),
    else the roster (labelled)."""
    ids, source = population_source(entity=entity, year=year)
    from alignment.selectors import roster_of_record

    roster = roster_of_record(entity=entity, performance_year=year)
    kind = (
        "cms_list"
        if roster.is_cms_list and roster.members
        else "alignment_run"
        if roster.run is not None and roster.members
        else "cclf8_roster"
    )
    return population_from_ids(
        entity=entity,
        year=year,
        ids=ids,
        source=source,
        kind=kind,
        run=roster.run if kind == "alignment_run" else None,
        cms_list=roster.cms_list if kind == "cms_list" else None,
    )


def population_from_ids(
    *,
    entity: Any,
    year: int,
    ids: list[int],
    source: str,
    kind: str,
    run: Any = None,
    cms_list: Any = None,
) -> Population:
    """Eligible months by enrollment type of the given beneficiaries in `year`.

    A beneficiary CCLF never described (no CCLF8 Medicare status code) is refused by name,
    unless `cms_list` (the population is CMS's list) gives their monthly enrollment type: an
    opted-out beneficiary, withheld from CCLF, keeps their place in the population that way
    (42 CFR 425.708(b); CCLF Information Packet 2.4). Whom the list cannot place either is
    left out of the months and named, with the reason, in `Population.left_out`."""
    benes = beneficiaries_frame(entity=entity, beneficiary_ids=ids)
    missing = benes[benes[c.MEDICARE_STATUS].isin(["", None])]
    listed = pd.DataFrame(columns=[c.BENE_ID, c.YEAR, c.MONTH, c.ENROLLMENT_TYPE, c.DEATH_DATE])
    left_out: tuple[tuple[int, str], ...] = ()
    if not missing.empty and cms_list is None:
        raise ApplicationError(
            f"Beneficiary {int(missing.iloc[0][c.BENE_ID])} has no Medicare status code "
            "(CCLF8 BENE_MDCR_STUS_CD): its enrollment type is unknown.",
            {"beneficiary_id": int(missing.iloc[0][c.BENE_ID]), "field": "medicare_status_code"},
        )
    if not missing.empty:
        listed, left_out = _list_months(cms_list, missing, year)
        benes = benes[~benes[c.BENE_ID].isin(missing[c.BENE_ID])].copy()
    try:
        benes[c.ENROLLMENT_TYPE] = x.enrollment_types(
            benes[c.MEDICARE_STATUS], benes[c.DUAL_STATUS]
        )
    except ValueError as exc:
        raise ApplicationError(str(exc), {"field": "medicare_status_code"}) from exc
    months = _eligible_months(benes, year)
    if not listed.empty:
        months = pd.concat([months, listed], ignore_index=True).sort_values(
            [c.BENE_ID, c.MONTH], kind="stable", ignore_index=True
        )
    return Population(
        year,
        x.eligible_months(months),
        source,
        kind,
        run,
        left_out=left_out,
        from_list=tuple(sorted({int(b) for b in listed[c.BENE_ID]})),
    )


def _list_months(
    cms_list: Any, missing: pd.DataFrame, year: int
) -> tuple[pd.DataFrame, tuple[tuple[int, str], ...]]:
    """The months CMS's list gives for beneficiaries CCLF never described (Table 1-1
    ENROLLFLAG1..12, cmslists.selectors.cms_list_enrollment), in the population's columns."""
    from cmslists.selectors import cms_list_enrollment

    found = cms_list_enrollment(
        cms_list=cms_list, beneficiary_ids=[int(b) for b in missing[c.BENE_ID]]
    )
    death = dict(zip(missing[c.BENE_ID].astype(int), missing[c.DEATH_DATE], strict=True))
    frame = pd.DataFrame(
        [(bene, year, month, etype, death.get(bene)) for bene, month, etype in found.months],
        columns=[c.BENE_ID, c.YEAR, c.MONTH, c.ENROLLMENT_TYPE, c.DEATH_DATE],
    )
    return frame, tuple(found.left_out)


def _service_category(source: str, claim_type: str) -> str:
    if source == "B":
        return c.PROFESSIONAL
    if source == "DME":
        return c.DME
    try:
        return c.PART_A_CLAIM_TYPE_CATEGORIES[str(claim_type).strip()]
    except KeyError:
        raise ApplicationError(
            f"Part A claim type {claim_type!r} has no service category.", {"field": "claim_type_cd"}
        ) from None


def _runs(years: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs of years: (2016, 2019), (2024, 2025)."""
    runs: list[tuple[int, int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return runs


def _claims_span(
    *,
    entity: Any,
    start: date,
    end: date,
    idr_load_cutoff: date | None,
    claims: pd.DataFrame | None = None,
) -> pd.DataFrame:
    from claims.selectors import final_action_spending

    spending = final_action_spending(
        entity=entity, thru_from=start, thru_to=end, idr_load_cutoff=idr_load_cutoff, claims=claims
    )
    if spending.empty:
        return pd.DataFrame(columns=CLAIM_COLUMNS)
    out = pd.DataFrame(
        {
            c.BENE_ID: spending["beneficiary_id"],
            c.CLAIM_ID: spending["source"]
            + ":"
            + spending["claim_id"].astype(str)
            + ":"
            + spending["line_num"].astype(str),
            c.YEAR: spending["thru_date"].dt.year,
            c.MONTH: spending["thru_date"].dt.month,
            c.SERVICE_CATEGORY: [
                _service_category(source, claim_type)
                for source, claim_type in zip(
                    spending["source"], spending["claim_type_cd"], strict=True
                )
            ],
            c.PAID_AMOUNT: spending["paid_amount"],
            c.IME_AMOUNT: spending["ime_amount"],
            c.DSH_AMOUNT: spending["dsh_amount"],
            c.UNCOMPENSATED_CARE_AMOUNT: spending["uncompensated_care_amount"],
            c.PBP_REDUCTION_AMOUNT: spending["pbp_reduction_amount"],
        }
    )
    return out[CLAIM_COLUMNS]


CLAIM_COLUMNS = [
    c.BENE_ID,
    c.CLAIM_ID,
    c.YEAR,
    c.MONTH,
    c.SERVICE_CATEGORY,
    c.PAID_AMOUNT,
    c.IME_AMOUNT,
    c.DSH_AMOUNT,
    c.UNCOMPENSATED_CARE_AMOUNT,
    c.PBP_REDUCTION_AMOUNT,
]
LINE_COLUMNS = [c.CLAIM_ID, c.FACILITY_TYPE, c.SERVICE_TYPE, c.PROCEDURE_CODE, c.YEAR]
DX_COLUMNS = [c.CLAIM_ID, c.BENE_ID, c.DX_CODE, c.SERVICE_DATE, c.YEAR]


def _diagnoses_span(*, entity: Any, start: date, end: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    from claims.selectors import final_action_diagnoses, final_action_revenue_lines

    dx = final_action_diagnoses(entity=entity, thru_from=start, thru_to=end)
    if dx.empty:
        return pd.DataFrame(columns=LINE_COLUMNS), pd.DataFrame(columns=DX_COLUMNS)
    dx = dx.assign(
        **{
            c.CLAIM_ID: dx["source"] + ":" + dx["claim_id"].astype(str),
            c.YEAR: dx["thru_date"].dt.year,
        }
    )
    diagnoses = pd.DataFrame(
        {
            c.CLAIM_ID: dx[c.CLAIM_ID],
            c.BENE_ID: dx["beneficiary_id"].astype(int),
            c.DX_CODE: dx["dx_code"].str.replace(".", "", regex=False).str.strip().str.upper(),
            c.SERVICE_DATE: dx["thru_date"],
            c.YEAR: dx[c.YEAR],
        }
    )
    part_b = dx[dx["source"] == "B"]
    lines = [
        pd.DataFrame(
            {
                c.CLAIM_ID: part_b[c.CLAIM_ID],
                c.FACILITY_TYPE: None,
                c.SERVICE_TYPE: None,
                c.PROCEDURE_CODE: part_b["hcpcs_cd"],
                c.YEAR: part_b[c.YEAR],
            }
        )
    ]
    # Part A bills: one row per claim (inpatient bills pass on their type alone) and one per
    # revenue line with its HCPCS (outpatient bills need an eligible procedure).
    part_a = dx[dx["source"] == "A"].drop_duplicates(c.CLAIM_ID)
    bill = part_a["bill_type"].fillna("")
    lines.append(
        pd.DataFrame(
            {
                c.CLAIM_ID: part_a[c.CLAIM_ID],
                c.FACILITY_TYPE: bill.str[0:1],
                c.SERVICE_TYPE: bill.str[1:2],
                c.PROCEDURE_CODE: None,
                c.YEAR: part_a[c.YEAR],
            }
        )
    )
    revenue = final_action_revenue_lines(entity=entity, thru_from=start, thru_to=end)
    if not revenue.empty:
        bill = revenue["bill_type"].fillna("")
        lines.append(
            pd.DataFrame(
                {
                    c.CLAIM_ID: "A:" + revenue["claim_id"].astype(str),
                    c.FACILITY_TYPE: bill.str[0:1],
                    c.SERVICE_TYPE: bill.str[1:2],
                    c.PROCEDURE_CODE: revenue["hcpcs_cd"],
                    c.YEAR: revenue["thru_date"].dt.year,
                }
            )
        )
    all_lines = pd.concat(lines, ignore_index=True)
    all_lines[c.PROCEDURE_CODE] = all_lines[c.PROCEDURE_CODE].replace("", None)
    return all_lines[LINE_COLUMNS], diagnoses[DX_COLUMNS]


class ClaimsData:
    """Final-action claims, diagnoses and claim lines of an entity for some years, read once.

    The claims app's final-action query works over all of an entity's claim versions, so one
    read per run of contiguous years is much cheaper than one per year.
    """

    def __init__(
        self, *, entity: Any, years: list[int], idr_load_cutoff: date | None = None
    ) -> None:
        self.entity = entity
        self.years = set(years)
        self.idr_load_cutoff = idr_load_cutoff
        self._claims: pd.DataFrame | None = None
        self._lines: pd.DataFrame | None = None
        self._diagnoses: pd.DataFrame | None = None

    @property
    def claims(self) -> pd.DataFrame:
        """Read on first use: a risk-only caller never reads the claims."""
        if self._claims is None:
            spans = [
                _claims_span(
                    entity=self.entity,
                    start=date(first, 1, 1),
                    end=date(last, 12, 31),
                    idr_load_cutoff=self.idr_load_cutoff,
                )
                for first, last in _runs(sorted(self.years))
            ]
            self._claims = (
                pd.concat(spans, ignore_index=True)
                if spans
                else pd.DataFrame(columns=CLAIM_COLUMNS)
            )
        return self._claims

    def _read_diagnoses(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self._lines is None or self._diagnoses is None:
            lines, diagnoses = [], []
            for first, last in _runs(sorted(self.years)):
                span = _diagnoses_span(
                    entity=self.entity, start=date(first, 1, 1), end=date(last, 12, 31)
                )
                lines.append(span[0])
                diagnoses.append(span[1])
            self._lines = (
                pd.concat(lines, ignore_index=True) if lines else pd.DataFrame(columns=LINE_COLUMNS)
            )
            self._diagnoses = (
                pd.concat(diagnoses, ignore_index=True)
                if diagnoses
                else pd.DataFrame(columns=DX_COLUMNS)
            )
        return self._lines, self._diagnoses

    def claims_for(self, year: int) -> pd.DataFrame:
        """The expenditures engine's claims frame for a year (see claims_frame)."""
        self._check(year)
        return self.claims[self.claims[c.YEAR] == year].reset_index(drop=True)

    def diagnoses_for(self, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(lines, diagnoses) of a year's claims for risk.eligible_diagnoses()."""
        self._check(year)
        all_lines, all_diagnoses = self._read_diagnoses()
        lines = all_lines[all_lines[c.YEAR] == year].drop(columns=c.YEAR)
        diagnoses = all_diagnoses[all_diagnoses[c.YEAR] == year].drop(columns=c.YEAR)
        return lines.reset_index(drop=True), diagnoses.reset_index(drop=True)

    def _check(self, year: int) -> None:
        if year not in self.years:
            raise ValueError(f"{year} was not read.")


def claims_frame(
    *,
    entity: Any,
    year: int,
    idr_load_cutoff: date | None = None,
    claims: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Final-action claims with thru dates in `year`, as the expenditures engine wants them.

    Part A amounts come with the header's IME (operational + capital), operational DSH and
    uncompensated-care amounts; every claim with its PBP/AIPBP reduction (CCLFA per claim,
    CCLFB per line), so REACH can value claims before the reduction. `claims`: the entity's
    `claims.selectors.final_action_claims` already read over a span covering the year.
    """
    return _claims_span(
        entity=entity,
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        idr_load_cutoff=idr_load_cutoff,
        claims=claims,
    )


def diagnosis_frames(*, entity: Any, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Claim lines and diagnoses of `year`'s final-action claims, for eligible_diagnoses().

    Returns (lines, diagnoses): lines has CLAIM_ID, FACILITY_TYPE, SERVICE_TYPE, PROCEDURE_CODE;
    diagnoses has CLAIM_ID, BENE_ID, DX_CODE, SERVICE_DATE.
    """
    return ClaimsData(entity=entity, years=[year]).diagnoses_for(year)


def risk_inputs(benes: pd.DataFrame, *, payment_year: int) -> tuple[pd.DataFrame, list[int]]:
    """The risk engine's beneficiary frame for a payment year, and the ids it cannot score
    (no birth date, unknown sex, or no Medicare status)."""
    rows, unscorable = [], []
    age_date = r.risk_age_date(payment_year)
    for b in benes.itertuples(index=False):
        if (
            b.birth_date is None
            or pd.isna(b.birth_date)
            or b.sex not in {"1", "2"}
            or not b.medicare_status
        ):
            unscorable.append(int(b.bene_id))
            continue
        rows.append(
            {
                c.BENE_ID: int(b.bene_id),
                c.AGE: r.age_on(b.birth_date, age_date),
                c.SEX: b.sex,
                c.OREC: b.orec or "0",
                c.MEDICARE_STATUS: b.medicare_status,
                c.DUAL_STATUS: b.dual_status or "NA",
                c.NEW_ENROLLEE: r.is_new_enrollee(
                    None if b.part_b_start is None or pd.isna(b.part_b_start) else b.part_b_start,
                    payment_year - 1,
                ),
            }
        )
    columns = [c.BENE_ID, c.AGE, c.SEX, c.OREC, c.MEDICARE_STATUS, c.DUAL_STATUS, c.NEW_ENROLLEE]
    return pd.DataFrame(rows, columns=columns), unscorable
