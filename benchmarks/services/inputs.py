"""Where the benchmark's inputs come from: the read interfaces of other apps, as engine frames.

This module is the one seam between the benchmark engine and the rest of the platform:

* claims: `claims.selectors.final_action_claims` / `final_action_diagnoses` /
  `final_action_revenue_lines` (issue 4), plus the IME, DSH and uncompensated-care amounts of the
  final-action Part A headers and the PBP/AIPBP reduction amounts (CCLFA/CCLFB) the unified frame
  does not carry;
* beneficiaries: `beneficiaries.Beneficiary` (the latest CCLF8 demographics);
* populations: `population_months()`. The alignment app (issue 5) has no read interface yet; until
  it has, the population of a year is the entity's CCLF8 roster (see `population_source`). The
  source used is recorded on every calculation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db.models import Sum

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


def _eligible_month_rows(benes: pd.DataFrame, year: int) -> list[dict[str, Any]]:
    """Months of `year` with Part A and Part B entitlement, up to the month of death."""
    rows = []
    for b in benes.itertuples(index=False):
        starts = [d for d in (b.part_a_start, b.part_b_start) if d is not None and not pd.isna(d)]
        first = max(starts) if starts else date(year, 1, 1)
        for month in range(1, 13):
            month_end = (
                date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)
            ).toordinal() - 1
            if first.toordinal() > month_end:
                continue
            rows.append(
                {
                    c.BENE_ID: b.bene_id,
                    c.YEAR: year,
                    c.MONTH: month,
                    c.ENROLLMENT_TYPE: b.enrollment_type,
                    c.DEATH_DATE: b.death_date,
                }
            )
    return rows


def population_source(*, entity: Any, year: int) -> tuple[list[int], str]:
    """The beneficiary ids of a year's population and a description of where they came from.

    Until the alignment app publishes a read interface, the population is the entity's CCLF8
    roster: beneficiaries on a delivery for that performance year, else those with a
    final-action claim that year. Both are CMS's own assigned/aligned lists as delivered, not
    a recomputation with the current participant list.
    """
    from beneficiaries.models import BeneficiaryDemographics
    from claims.models import Delivery

    deliveries = Delivery.objects.for_entity(entity).filter(performance_year=year, status="loaded")
    ids = set(
        BeneficiaryDemographics.objects.filter(delivery__in=deliveries).values_list(
            "beneficiary_id", flat=True
        )
    )
    if ids:
        return sorted(
            ids
        ), f"CCLF8 roster of the {year} deliveries (alignment results not yet available)"
    from claims.selectors import final_action_claims

    claims = final_action_claims(
        entity=entity, thru_from=date(year, 1, 1), thru_to=date(year, 12, 31)
    )
    ids = {int(b) for b in claims["beneficiary_id"].dropna()}
    return sorted(
        ids
    ), f"beneficiaries with final-action claims in {year} (no {year} roster or alignment results)"


def population_months(*, entity: Any, year: int) -> Population:
    """Eligible months by enrollment type for a year's population (person-years to death)."""
    ids, source = population_source(entity=entity, year=year)
    benes = beneficiaries_frame(entity=entity, beneficiary_ids=ids)
    missing = benes[benes[c.MEDICARE_STATUS].isin(["", None])]
    if not missing.empty:
        raise ApplicationError(
            f"Beneficiary {int(missing.iloc[0][c.BENE_ID])} has no Medicare status code "
            "(CCLF8 BENE_MDCR_STUS_CD): its enrollment type is unknown.",
            {"beneficiary_id": int(missing.iloc[0][c.BENE_ID]), "field": "medicare_status_code"},
        )
    try:
        benes[c.ENROLLMENT_TYPE] = x.enrollment_types(
            benes[c.MEDICARE_STATUS], benes[c.DUAL_STATUS]
        )
    except ValueError as exc:
        raise ApplicationError(str(exc), {"field": "medicare_status_code"}) from exc
    months = pd.DataFrame(
        _eligible_month_rows(benes, year),
        columns=[c.BENE_ID, c.YEAR, c.MONTH, c.ENROLLMENT_TYPE, c.DEATH_DATE],
    )
    return Population(year, x.eligible_months(months), source)


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
    *, entity: Any, start: date, end: date, idr_load_cutoff: date | None
) -> pd.DataFrame:
    from claims.models import PartABeDemo, PartAClaimHeader, PartBBeDemo, PartBPhysicianLine
    from claims.selectors import final_action_claims

    claims = final_action_claims(
        entity=entity, thru_from=start, thru_to=end, idr_load_cutoff=idr_load_cutoff
    )
    if claims.empty:
        return pd.DataFrame(columns=CLAIM_COLUMNS)
    part_a_in_span = PartAClaimHeader.objects.filter(entity=entity, clm_thru_dt__range=(start, end))
    part_b_in_span = PartBPhysicianLine.objects.filter(
        entity=entity, clm_thru_dt__range=(start, end)
    )
    headers = part_a_in_span.values_list(
        "cur_clm_uniq_id",
        "clm_oprtnl_ime_amt",
        "clm_mdcr_ip_pps_cptl_ime_amt",
        "clm_oprtnl_dsprprtnt_amt",
        "clm_hipps_uncompd_care_amt",
    )
    excluded = {
        int(claim): ((ime or ZERO) + (capital_ime or ZERO), dsh or ZERO, uc or ZERO)
        for claim, ime, capital_ime, dsh, uc in headers
    }
    part_a_reduction = dict(
        PartABeDemo.objects.filter(
            entity=entity, cur_clm_uniq_id__in=part_a_in_span.values("cur_clm_uniq_id")
        )
        .values("cur_clm_uniq_id")
        .annotate(total=Sum("clm_pbp_rdctn_amt"))
        .values_list("cur_clm_uniq_id", "total")
    )
    part_b_reduction = {
        (int(claim), int(line)): amount
        for claim, line, amount in PartBBeDemo.objects.filter(
            entity=entity, cur_clm_uniq_id__in=part_b_in_span.values("cur_clm_uniq_id")
        )
        .exclude(clm_pbp_rdctn_amt__isnull=True)
        .values_list("cur_clm_uniq_id", "clm_line_num", "clm_pbp_rdctn_amt")
    }
    rows = []
    none = (ZERO, ZERO, ZERO)
    for claim in claims.itertuples(index=False):
        claim_id = int(claim.claim_id)
        ime, dsh, uc = excluded.get(claim_id, none) if claim.source == "A" else none
        if claim.source == "A":
            reduction = part_a_reduction.get(claim_id) or ZERO
        elif claim.source == "B":
            reduction = part_b_reduction.get((claim_id, int(claim.line_num)), ZERO)
        else:
            reduction = ZERO
        rows.append(
            (
                int(claim.beneficiary_id),
                f"{claim.source}:{claim_id}:{int(claim.line_num)}",
                int(claim.thru_date.year),
                int(claim.thru_date.month),
                _service_category(claim.source, claim.claim_type_cd),
                claim.paid_amount if claim.paid_amount is not None else ZERO,
                ime,
                dsh,
                uc,
                reduction,
            )
        )
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


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


def claims_frame(*, entity: Any, year: int, idr_load_cutoff: date | None = None) -> pd.DataFrame:
    """Final-action claims with thru dates in `year`, as the expenditures engine wants them.

    Part A amounts come with the header's IME (operational + capital), operational DSH and
    uncompensated-care amounts; every claim with its PBP/AIPBP reduction (CCLFA per claim,
    CCLFB per line), so REACH can value claims before the reduction.
    """
    return _claims_span(
        entity=entity,
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        idr_load_cutoff=idr_load_cutoff,
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
