"""Reads of CMS claims. The interface other apps use: final-action claims as DataFrames.

`final_action_claims` is what alignment, risk adjustment and expenditures read. Its rules (most
recent MBI, natural keys, cancellation matching, denials, Part A header amounts, run-out cut-off)
are documented in `claims.final_action`. All reads are scoped to one entity, given by the caller
(a service that already checked the user's access) or through `deliveries_for_user`.

Money columns hold `decimal.Decimal` (never float); dates are `datetime64[ns]` (NaT for null).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import connection
from django.db.models import QuerySet, Sum

from claims.final_action import UNIFIED_COLUMNS, final_action_sql, part_d_sql
from claims.models import Delivery, PartABeDemo, PartAClaimHeader, PartBBeDemo, PartBPhysicianLine
from core.db import local_settings
from datasharing.selectors import Withholding, withholdings

CENTS = Decimal("0.01")
_ZERO = Decimal(0)

_DATE_COLUMNS = {
    "from_date",
    "thru_date",
    "line_from_date",
    "line_thru_date",
    "effective_date",
    "idr_load_date",
    "delivered_on",
    "fill_date",
    "service_date",
}
_MONEY_COLUMNS = {
    "paid_amount",
    "allowed_amount",
    "patient_pay_amount",
    "part_a",
    "part_b",
    "dme",
    "total",
}


def _entity_id(entity: Any) -> int:
    return int(getattr(entity, "pk", entity))


def _frame(sql: str, params: dict[str, Any], columns: list[str] | None = None) -> pd.DataFrame:
    # The final-action query sorts whole related sets; give those sorts memory.
    with local_settings(work_mem="128MB"), connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    frame = _typed(pd.DataFrame.from_records(rows, columns=names))
    if columns is not None:
        frame = frame[columns]
    return frame


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as datetime64, money as Decimal (the rows as the database driver returned them)."""
    for col in frame.columns:
        if col in _DATE_COLUMNS:
            frame[col] = pd.to_datetime(frame[col])
        elif col in _MONEY_COLUMNS:
            frame[col] = frame[col].map(_money)
    return frame


def _money(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, Decimal):
        return value.quantize(CENTS)
    # SQLite hands back numbers as int/float: go through their shortest repr, then round to cents.
    return Decimal(str(value)).quantize(CENTS)


def _filters(
    thru_from: date | None,
    thru_to: date | None,
    beneficiary_ids: list[int] | None,
    prefix: str = "",
) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if thru_from is not None:
        clauses.append(f"{prefix}thru_date >= %(thru_from)s")
        params["thru_from"] = thru_from
    if thru_to is not None:
        clauses.append(f"{prefix}thru_date <= %(thru_to)s")
        params["thru_to"] = thru_to
    if beneficiary_ids is not None:
        ids = [int(b) for b in beneficiary_ids] or [-1]
        clauses.append(f"{prefix}beneficiary_id IN ({', '.join(str(i) for i in ids)})")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def final_action_claims(
    *,
    entity: Any,
    thru_from: date | None = None,
    thru_to: date | None = None,
    idr_load_cutoff: date | None = None,
    beneficiary_ids: list[int] | None = None,
) -> pd.DataFrame:
    """Final-action Part A claims and Part B physician/DME claim lines of one entity.

    One row per Part A claim (CCLF1 header; `line_num` 0) and per Part B (CCLF5) or DME (CCLF6)
    claim line that survives cancellation matching and denial screening.

    Filters: `thru_from`/`thru_to` on the claim through date (CLM_THRU_DT), `idr_load_cutoff` keeps
    only claim versions loaded into the IDR on or before that date (run-out control, IP 3.4),
    `beneficiary_ids` limits to some beneficiaries.

    Columns:
        entity_id          the entity
        beneficiary_id     `beneficiaries.Beneficiary` id (the person, through the CCLF9 crosswalk)
        claim_id           CUR_CLM_UNIQ_ID of the final-action version
        line_num           CLM_LINE_NUM (0 for a Part A claim)
        source             "A" (CCLF1 institutional), "B" (CCLF5 physician), "DME" (CCLF6)
        claim_type_cd      CLM_TYPE_CD (A: 10 HHA, 20/30 SNF, 40 outpatient, 50 hospice,
                           60/61 inpatient; B: 71/72; DME: 81/82)
        from_date, thru_date            claim dates (CLM_FROM_DT, CLM_THRU_DT)
        line_from_date, line_thru_date  line dates (Part A: the claim dates)
        bill_type          Part A type of bill: facility type + classification + frequency ("131",
                           FQHC "77x", RHC "71x"); "" for B/DME
        place_of_service   CLM_POS_CD (B, DME)
        specialty_cd       CLM_PRVDR_SPCLTY_CD (B)
        hcpcs_cd           CLM_LINE_HCPCS_CD (B, DME; Part A HCPCS are on revenue lines, see
                           `final_action_revenue_lines`)
        hcpcs_modifier     HCPCS_1_MDFR_CD (B)
        rendering_npi      B: RNDRG_PRVDR_NPI_NUM (PECOS), else CLM_RNDRG_PRVDR_NPI_NUM; DME: pay-to
                           NPI; A: attending NPI
        rendering_tin      CLM_RNDRG_PRVDR_TAX_NUM as delivered (B)
        ccn                Part A CCN: CLM_BLG_PRVDR_OSCAR_NUM, else PRVDR_OSCAR_NUM
        facility_npi       FAC_PRVDR_NPI_NUM (A)
        attending_npi      ATNDG_PRVDR_NPI_NUM (A)
        principal_dx       A: PRNCPL_DGNS_CD; B: CLM_LINE_DGNS_CD (ICD-10, no dot)
        paid_amount        Decimal: A header CLM_PMT_AMT (IP 3.5), B/DME line CLM_LINE_CVRD_PD_AMT
        allowed_amount     Decimal: CLM_LINE_ALOWD_CHRG_AMT (B, DME); None for A
        adjustment_type_cd CLM_ADJSMT_TYPE_CD of the final version ("0" original, "2" adjustment)
        effective_date     CLM_EFCTV_DT
        idr_load_date      CLM_IDR_LD_DT
        delivered_on       delivery date of the stored copy (lineage)
        source_file_id     `claims.DeliveryFile` id (lineage)
        source_line        line in that file (lineage)
    """
    if _memo is not None:
        key = ("claims", _entity_id(entity), idr_load_cutoff)
        if key not in _memo:
            _memo[key] = _final_action_claims_read(entity, None, None, idr_load_cutoff, None)
        return _final_action_claims_subset(
            _memo[key], thru_from=thru_from, thru_to=thru_to, beneficiary_ids=beneficiary_ids
        )
    return _final_action_claims_read(entity, thru_from, thru_to, idr_load_cutoff, beneficiary_ids)


def _final_action_claims_read(
    entity: Any,
    thru_from: date | None,
    thru_to: date | None,
    idr_load_cutoff: date | None,
    beneficiary_ids: list[int] | None,
) -> pd.DataFrame:
    params: dict[str, Any] = {"entity_id": _entity_id(entity)}
    if idr_load_cutoff is not None:
        params["idr_load_cutoff"] = idr_load_cutoff
    where, extra = _filters(thru_from, thru_to, beneficiary_ids)
    params.update(extra)
    sql = f"SELECT * FROM ({final_action_sql(entity=True, cutoff=idr_load_cutoff is not None)}) fa{where}"
    sql += " ORDER BY beneficiary_id, thru_date, claim_id, line_num"
    return _frame(sql, params, UNIFIED_COLUMNS)


def _final_action_claims_subset(
    claims: pd.DataFrame,
    *,
    thru_from: date | None,
    thru_to: date | None,
    beneficiary_ids: list[int] | None,
) -> pd.DataFrame:
    """The rows of an unfiltered `final_action_claims` read that a read with these filters
    returns, in its order (the filters keep the sort order), with a fresh index."""
    keep = pd.Series(True, index=claims.index)
    if thru_from is not None:
        keep &= claims["thru_date"] >= pd.Timestamp(thru_from)
    if thru_to is not None:
        keep &= claims["thru_date"] <= pd.Timestamp(thru_to)
    if beneficiary_ids is not None:
        keep &= claims["beneficiary_id"].isin({int(b) for b in beneficiary_ids})
    if not keep.any():  # typed as an empty read is
        return _typed(pd.DataFrame.from_records([], columns=list(claims.columns)))
    return claims[keep].reset_index(drop=True)


def _read_once(
    kind: str,
    read: Any,
    entity: Any,
    thru_from: date | None,
    thru_to: date | None,
    idr_load_cutoff: date | None,
) -> pd.DataFrame:
    """`read(entity, thru_from, thru_to, idr_load_cutoff)`, or inside
    `final_action_claims_read_once` the rows of its one unfiltered read in the span (`read`
    filters on the final-action claim's thru_date, a column of its result)."""
    if _memo is None:
        return read(entity, thru_from, thru_to, idr_load_cutoff)
    key = (kind, _entity_id(entity), idr_load_cutoff)
    if key not in _memo:
        _memo[key] = read(entity, None, None, idr_load_cutoff)
    return _final_action_claims_subset(
        _memo[key], thru_from=thru_from, thru_to=thru_to, beneficiary_ids=None
    )


# Each entity's unfiltered final-action claims, revenue lines and diagnoses by (kind, entity id,
# IDR load cutoff), inside `final_action_claims_read_once`.
_memo: dict[tuple[Any, ...], pd.DataFrame] | None = None


def final_action_reads_forget() -> None:
    """Drop the reads kept by an open `final_action_claims_read_once`: for a writer of claims
    inside the block (the demo's synthetic history), so that later reads see its rows."""
    if _memo is not None:
        _memo.clear()


@contextmanager
def final_action_claims_read_once() -> Iterator[None]:
    """Inside the block, `final_action_claims` (and `final_action_revenue_lines`,
    `final_action_diagnoses`) run their query once per entity (and cutoff), over all thru dates,
    and answer each call with that read's rows that match its filters: the same rows, in the
    same order, as a query of its own. Only for a caller that
    writes no claims and changes no MBI crosswalk inside the block (the demo's steps after the
    claims are loaded): the reads would not see the change."""
    global _memo  # noqa: PLW0603 - one read per block, reset on the way out
    outer = _memo
    if outer is None:
        _memo = {}
    try:
        yield
    finally:
        if outer is None:
            _memo = None


def claims_in_span(claims: pd.DataFrame, *, thru_from: date, thru_to: date) -> pd.DataFrame:
    """The rows of a `final_action_claims` frame with thru dates in the span, as a read with
    those filters returns them (same order, fresh index)."""
    return _final_action_claims_subset(
        claims, thru_from=thru_from, thru_to=thru_to, beneficiary_ids=None
    )


SPENDING_COLUMNS = [
    "beneficiary_id",
    "claim_id",
    "line_num",
    "source",
    "claim_type_cd",
    "thru_date",
    "paid_amount",
    "ime_amount",
    "dsh_amount",
    "uncompensated_care_amount",
    "pbp_reduction_amount",
]


def final_action_spending(
    *,
    entity: Any,
    thru_from: date,
    thru_to: date,
    idr_load_cutoff: date | None = None,
    claims: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What Medicare paid on the entity's final-action claims with thru dates in the span, with
    the amounts that benchmark and expenditure rules take out or add back.

    `claims`: the entity's `final_action_claims` already read (same cutoff) over a span that
    covers this one; its rows in the span are used instead of a second final-action query.

    One row per final-action Part A claim and Part B/DME line, as `final_action_claims` (same
    filters). Columns: beneficiary_id, claim_id (int), line_num (int; 0 for Part A), source,
    claim_type_cd, thru_date, and Decimal amounts, zero where the files carry none:
        paid_amount                as in `final_action_claims` (IP 3.5)
        ime_amount                 Part A header: operational IME CLM_OPRTNL_IME_AMT plus capital
                                   IME CLM_MDCR_IP_PPS_CPTL_IME_AMT
        dsh_amount                 Part A header: operational DSH CLM_OPRTNL_DSPRPRTNT_AMT
        uncompensated_care_amount  Part A header: CLM_HIPPS_UNCOMPD_CARE_AMT
        pbp_reduction_amount       PBP/AIPBP reduction CLM_PBP_RDCTN_AMT: CCLFA per Part A claim
                                   (summed), CCLFB per Part B line
    """
    if claims is None:
        claims = final_action_claims(
            entity=entity, thru_from=thru_from, thru_to=thru_to, idr_load_cutoff=idr_load_cutoff
        )
    else:
        claims = claims_in_span(claims, thru_from=thru_from, thru_to=thru_to)
    if claims.empty:
        return pd.DataFrame(columns=SPENDING_COLUMNS)
    span = (thru_from, thru_to)
    part_a_in_span = PartAClaimHeader.objects.filter(entity=entity, clm_thru_dt__range=span)
    part_b_in_span = PartBPhysicianLine.objects.filter(entity=entity, clm_thru_dt__range=span)
    headers = pd.DataFrame(
        list(
            part_a_in_span.values_list(
                "cur_clm_uniq_id",
                "clm_oprtnl_ime_amt",
                "clm_mdcr_ip_pps_cptl_ime_amt",
                "clm_oprtnl_dsprprtnt_amt",
                "clm_hipps_uncompd_care_amt",
            )
        ),
        columns=["claim_id", "ime", "capital_ime", "dsh", "uncompensated_care"],
    ).assign(source="A")
    part_a_reduction = pd.DataFrame(
        list(
            PartABeDemo.objects.filter(
                entity=entity, cur_clm_uniq_id__in=part_a_in_span.values("cur_clm_uniq_id")
            )
            .values("cur_clm_uniq_id")
            .annotate(total=Sum("clm_pbp_rdctn_amt"))
            .values_list("cur_clm_uniq_id", "total")
        ),
        columns=["claim_id", "reduction_a"],
    ).assign(source="A")
    part_b_reduction = pd.DataFrame(
        list(
            PartBBeDemo.objects.filter(
                entity=entity, cur_clm_uniq_id__in=part_b_in_span.values("cur_clm_uniq_id")
            )
            .exclude(clm_pbp_rdctn_amt__isnull=True)
            .values_list("cur_clm_uniq_id", "clm_line_num", "clm_pbp_rdctn_amt")
        ),
        columns=["claim_id", "line_num", "reduction_b"],
    ).assign(source="B")
    frame = claims[
        [
            "beneficiary_id",
            "claim_id",
            "line_num",
            "source",
            "claim_type_cd",
            "thru_date",
            "paid_amount",
        ]
    ]
    frame = frame.astype({"claim_id": "int64", "line_num": "int64"})
    for extra in (headers, part_a_reduction):
        extra["claim_id"] = extra["claim_id"].astype("int64")
    part_b_reduction = part_b_reduction.astype({"claim_id": "int64", "line_num": "int64"})
    # Amounts missing on either side are zero.
    frame = frame.merge(headers, on=["source", "claim_id"], how="left")
    frame = frame.merge(part_a_reduction, on=["source", "claim_id"], how="left")
    frame = frame.merge(part_b_reduction, on=["source", "claim_id", "line_num"], how="left")

    def money(column: str) -> pd.Series:
        return frame[column].map(lambda v: _ZERO if v is None or v != v else v)

    return pd.DataFrame(
        {
            "beneficiary_id": frame["beneficiary_id"].astype("int64"),
            "claim_id": frame["claim_id"],
            "line_num": frame["line_num"],
            "source": frame["source"],
            "claim_type_cd": frame["claim_type_cd"],
            "thru_date": frame["thru_date"],
            "paid_amount": money("paid_amount"),
            "ime_amount": money("ime") + money("capital_ime"),
            "dsh_amount": money("dsh"),
            "uncompensated_care_amount": money("uncompensated_care"),
            "pbp_reduction_amount": money("reduction_a") + money("reduction_b"),
        }
    )[SPENDING_COLUMNS]


def final_action_revenue_lines(
    *,
    entity: Any,
    thru_from: date | None = None,
    thru_to: date | None = None,
    idr_load_cutoff: date | None = None,
) -> pd.DataFrame:
    """Revenue-center lines (CCLF2) of the final-action Part A claims, with the claim's keys.

    Columns: entity_id, beneficiary_id, claim_id, line_num, claim_type_cd, bill_type, ccn,
    attending_npi, facility_npi, thru_date, service_date (CLM_LINE_FROM_DT), revenue_cd
    (CLM_LINE_PROD_REV_CTR_CD), hcpcs_cd, hcpcs_modifier, units (CLM_LINE_SRVC_UNIT_QTY),
    paid_amount (CLM_LINE_CVRD_PD_AMT; use only where the lines sum to the header, IP 3.5).
    """
    return _read_once(
        "revenue", _final_action_revenue_lines_read, entity, thru_from, thru_to, idr_load_cutoff
    )


def _final_action_revenue_lines_read(
    entity: Any, thru_from: date | None, thru_to: date | None, idr_load_cutoff: date | None
) -> pd.DataFrame:
    params: dict[str, Any] = {"entity_id": _entity_id(entity)}
    if idr_load_cutoff is not None:
        params["idr_load_cutoff"] = idr_load_cutoff
    where, extra = _filters(thru_from, thru_to, None, prefix="fa.")
    params.update(extra)
    where = (where + " AND" if where else " WHERE") + " fa.source = 'A'"
    sql = f"""
SELECT fa.entity_id, fa.beneficiary_id, fa.claim_id, r.clm_line_num AS line_num, fa.claim_type_cd,
    fa.bill_type, fa.ccn, fa.attending_npi, fa.facility_npi, fa.thru_date,
    r.clm_line_from_dt AS service_date, r.clm_line_prod_rev_ctr_cd AS revenue_cd,
    r.clm_line_hcpcs_cd AS hcpcs_cd, r.hcpcs_1_mdfr_cd AS hcpcs_modifier,
    r.clm_line_srvc_unit_qty AS units, r.clm_line_cvrd_pd_amt AS paid_amount
FROM ({final_action_sql(entity=True, cutoff=idr_load_cutoff is not None, sources=("A",))}) fa
JOIN claims_partarevenuecenter r ON r.entity_id = fa.entity_id AND r.cur_clm_uniq_id = fa.claim_id
{where}
ORDER BY fa.beneficiary_id, fa.claim_id, r.clm_line_num"""
    return _frame(sql, params)


def final_action_diagnoses(
    *,
    entity: Any,
    thru_from: date | None = None,
    thru_to: date | None = None,
    idr_load_cutoff: date | None = None,
) -> pd.DataFrame:
    """Diagnosis codes of final-action claims, one row per (claim, code), for risk adjustment.

    Part A: every CCLF4 code of a final-action claim (CLM_PROD_TYPE_CD says principal, admitting,
    other...). Part B: the claim's header diagnoses CLM_DGNS_1..12_CD of final-action lines.
    Columns: entity_id, beneficiary_id, claim_id, source, claim_type_cd, bill_type, from_date,
    thru_date, hcpcs_cd (B line), specialty_cd (B), dx_code, dx_sequence, dx_type (A
    CLM_PROD_TYPE_CD; "" for B).
    """
    return _read_once(
        "diagnoses", _final_action_diagnoses_read, entity, thru_from, thru_to, idr_load_cutoff
    )


def _final_action_diagnoses_read(
    entity: Any, thru_from: date | None, thru_to: date | None, idr_load_cutoff: date | None
) -> pd.DataFrame:
    params: dict[str, Any] = {"entity_id": _entity_id(entity)}
    if idr_load_cutoff is not None:
        params["idr_load_cutoff"] = idr_load_cutoff
    where, extra = _filters(thru_from, thru_to, None, prefix="fa.")
    params.update(extra)
    fa = final_action_sql(entity=True, cutoff=idr_load_cutoff is not None, sources=("A", "B"))
    scope = (where + " AND" if where else " WHERE") + " fa.source = 'B'"
    # One branch per header diagnosis position of CCLF5, each a primary-key join.
    part_b = "\nUNION ALL\n".join(
        f"""SELECT fa.entity_id, fa.beneficiary_id, fa.claim_id, fa.source, fa.claim_type_cd, fa.bill_type,
    fa.from_date, fa.thru_date, fa.hcpcs_cd, fa.specialty_cd, l.clm_dgns_{i}_cd AS dx_code,
    {i} AS dx_sequence, '' AS dx_type
FROM fa JOIN claims_partbphysicianline l
    ON l.entity_id = fa.entity_id AND l.cur_clm_uniq_id = fa.claim_id AND l.clm_line_num = fa.line_num
{scope} AND l.clm_dgns_{i}_cd <> ''"""
        for i in range(1, 13)
    )
    sql = f"""
WITH fa AS (SELECT * FROM ({fa}) fa_inner)
SELECT fa.entity_id, fa.beneficiary_id, fa.claim_id, fa.source, fa.claim_type_cd, fa.bill_type,
    fa.from_date, fa.thru_date, '' AS hcpcs_cd, '' AS specialty_cd, d.clm_dgns_cd AS dx_code,
    d.clm_val_sqnc_num AS dx_sequence, d.clm_prod_type_cd AS dx_type
FROM fa JOIN claims_partadiagnosis d ON d.entity_id = fa.entity_id AND d.cur_clm_uniq_id = fa.claim_id
{where + " AND" if where else " WHERE"} fa.source = 'A' AND d.clm_dgns_cd <> ''
UNION ALL
{part_b}
"""
    return _frame(sql, params)


def final_action_part_d(*, entity: Any, idr_load_cutoff: date | None = None) -> pd.DataFrame:
    """Final-action Part D events (CCLF7). Columns: entity_id, beneficiary_id, claim_id, ndc,
    fill_date, quantity, days_supply, prescriber_id, pharmacy_id, patient_pay_amount,
    idr_load_date, delivered_on, source_file_id, source_line."""
    params: dict[str, Any] = {"entity_id": _entity_id(entity)}
    if idr_load_cutoff is not None:
        params["idr_load_cutoff"] = idr_load_cutoff
    return _frame(part_d_sql(entity=True, cutoff=idr_load_cutoff is not None), params)


def debit_credit_totals(
    *,
    entity: Any,
    thru_from: date | None = None,
    thru_to: date | None = None,
    idr_load_cutoff: date | None = None,
) -> pd.DataFrame:
    """Per-beneficiary spending by the debit/credit method (IP 5.3.1): every claim version counts,
    cancellations (CLM_ADJSMT_TYPE_CD 1) negative; Part A from the header CLM_PMT_AMT, Part B and
    DME from the line paid amounts; denied claims and lines left out.

    Columns: beneficiary_id, part_a, part_b, dme, total (Decimal).
    """
    params: dict[str, Any] = {"entity_id": _entity_id(entity)}
    scope = "x.entity_id = %(entity_id)s"
    if idr_load_cutoff is not None:
        params["idr_load_cutoff"] = idr_load_cutoff
        scope += " AND x.clm_idr_ld_dt <= %(idr_load_cutoff)s"
    if thru_from is not None:
        params["thru_from"] = thru_from
        scope += " AND x.clm_thru_dt >= %(thru_from)s"
    if thru_to is not None:
        params["thru_to"] = thru_to
        scope += " AND x.clm_thru_dt <= %(thru_to)s"
    sign = "CASE WHEN x.clm_adjsmt_type_cd IN ('1', '01') THEN -1 ELSE 1 END"
    allowed = (
        "x.clm_carr_pmt_dnl_cd NOT IN ('0', '00') "
        "AND (x.clm_prcsg_ind_cd = '' OR x.clm_prcsg_ind_cd IN ('A', 'R', 'S'))"
    )
    sql = f"""
SELECT beneficiary_id, SUM(part_a) AS part_a, SUM(part_b) AS part_b, SUM(dme) AS dme,
    SUM(part_a) + SUM(part_b) + SUM(dme) AS total
FROM (
    SELECT bm.beneficiary_id, {sign} * COALESCE(x.clm_pmt_amt, 0) AS part_a, 0 AS part_b, 0 AS dme
    FROM claims_partaclaimheader x JOIN beneficiaries_beneficiarymbi bm ON bm.id = x.mbi_id
    WHERE {scope} AND x.clm_mdcr_npmt_rsn_cd = ''
    UNION ALL
    SELECT bm.beneficiary_id, 0, {sign} * COALESCE(x.clm_line_cvrd_pd_amt, 0), 0
    FROM claims_partbphysicianline x JOIN beneficiaries_beneficiarymbi bm ON bm.id = x.mbi_id
    WHERE {scope} AND {allowed}
    UNION ALL
    SELECT bm.beneficiary_id, 0, 0, {sign} * COALESCE(x.clm_line_cvrd_pd_amt, 0)
    FROM claims_partbdmeline x JOIN beneficiaries_beneficiarymbi bm ON bm.id = x.mbi_id
    WHERE {scope} AND {allowed}
) t
GROUP BY beneficiary_id
ORDER BY beneficiary_id"""
    return _frame(sql, params)


# ------------------------------------------------------------------------------------------------
# Data sharing: the one rule every reader of claims (and of anything derived from them) applies.


def withheld_beneficiaries(*, entity: Any, as_of: date | None = None) -> dict[int, Withholding]:
    """The entity's beneficiaries whose claims must not be shown or used for care work as of
    `as_of`, by beneficiary id, with CMS's reason and date (`datasharing.selectors`: declined
    data sharing, 42 CFR 425.708, or suppressed by CMS, CCLF Information Packet 2.4.1).
    `as_of=None`: as of the latest data-sharing file (pages, the API and exports).

    Such a beneficiary keeps their place in alignment, head counts, benchmarks and settlement:
    this is for readers that show claims or derive care work from them. Claims CMS withholds for
    substance-use-disorder treatment (42 CFR part 2; 42 CFR 425.708(c)) never reach the CCLFs
    and carry no mark in them (CCLF Information Packet 3.7), so there is nothing to filter for
    them here."""
    from beneficiaries.models import BeneficiaryMbi

    held = withholdings(entity=entity, as_of=as_of)
    if not held:
        return {}
    out: dict[int, Withholding] = {}
    for mbi, bene_id, merged_into in BeneficiaryMbi.objects.filter(
        entity_id=_entity_id(entity), mbi__in=list(held), beneficiary__isnull=False
    ).values_list("mbi", "beneficiary_id", "beneficiary__merged_into_id"):
        for bid in (bene_id, merged_into):
            if bid is not None:
                out.setdefault(int(bid), held[mbi])
    return out


def withheld_beneficiary_ids(*, entity: Any, as_of: date | None = None) -> set[int]:
    """`withheld_beneficiaries` as a set of beneficiary ids."""
    return set(withheld_beneficiaries(entity=entity, as_of=as_of))


def shareable_claims(
    frames: list[pd.DataFrame],
    *,
    entity: Any,
    as_of: date | None = None,
    column: str = "beneficiary_id",
) -> list[pd.DataFrame]:
    """`frames` (claims frames of this module) without the rows of withheld beneficiaries, who
    are read once for all of them."""
    held = withheld_beneficiary_ids(entity=entity, as_of=as_of)
    return [
        frame[~frame[column].isin(held)]
        if held and not frame.empty and column in frame.columns
        else frame
        for frame in frames
    ]


def deliveries_for_user(*, user: Any) -> QuerySet[Delivery]:
    """The delivery registry rows the user may see (their entities' deliveries)."""
    return Delivery.objects.for_user(user).select_related("entity").prefetch_related("files")


# CCLF1 header codes read by claim id: what each one is, for the callers' names.
PART_A_HEADER_CODES = {
    "bene_ptnt_stus_cd": "patient discharge status",
    "dgns_drg_cd": "MS-DRG",
    "clm_admsn_type_cd": "admission type",
}


def part_a_header_codes(*, entity: Any, claim_ids: list[str], field: str) -> dict[str, str]:
    """One CCLF1 header code (a key of `PART_A_HEADER_CODES`) of Part A claims by claim id
    (CUR_CLM_UNIQ_ID, as `final_action_claims` returns it); "" when blank."""
    if field not in PART_A_HEADER_CODES:
        raise ValueError(f"not a Part A header code read here: {field}")
    ids = sorted({int(i) for i in claim_ids if str(i).strip().isdigit()})
    codes: dict[str, str] = {}
    for start in range(0, len(ids), 10_000):
        rows = PartAClaimHeader.objects.filter(
            entity_id=_entity_id(entity), cur_clm_uniq_id__in=ids[start : start + 10_000]
        ).values_list("cur_clm_uniq_id", field)
        codes.update({str(cid): (code or "").strip() for cid, code in rows})
    return codes


def part_a_discharge_status(*, entity: Any, claim_ids: list[str]) -> dict[str, str]:
    """The patient discharge status code (CCLF1 BENE_PTNT_STUS_CD) of Part A claims by claim id;
    "" when blank."""
    return part_a_header_codes(entity=entity, claim_ids=claim_ids, field="bene_ptnt_stus_cd")


def claim_providers(*, entity: Any, claim_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Who billed and rendered each claim (CUR_CLM_UNIQ_ID, as `final_action_claims` returns
    it), from every version on file: for Part A the billing facility's CCN
    (CLM_BLG_PRVDR_OSCAR_NUM) and NPI and the attending physician's NPI (CCLF1); for Part B the
    rendering NPIs with their TIN and claim specialty code (CCLF5); for DME the pay-to supplier's
    and the ordering NPI (CCLF6). Keys: ccn, facility_npi, npis [(npi, specialty_cd, tin)]."""
    from claims.models import PartBDmeLine

    ids = sorted({int(i) for i in claim_ids if str(i).strip().isdigit()})
    out: dict[str, dict[str, Any]] = {}

    def entry(cid: Any) -> dict[str, Any]:
        return out.setdefault(str(cid), {"ccn": "", "facility_npi": "", "npis": []})

    def add(e: dict[str, Any], npi: str, specialty: str = "", tin: str = "") -> None:
        npi = (npi or "").strip()
        if npi and all(n != npi for n, _, _ in e["npis"]):
            e["npis"].append((npi, (specialty or "").strip(), (tin or "").strip()))

    scope = {"entity_id": _entity_id(entity)}
    for start in range(0, len(ids), 10_000):
        chunk = ids[start : start + 10_000]
        for cid, ccn, fac, billing, attending in PartAClaimHeader.objects.filter(
            **scope, cur_clm_uniq_id__in=chunk
        ).values_list(
            "cur_clm_uniq_id", "clm_blg_prvdr_oscar_num", "fac_prvdr_npi_num",
            "clm_blg_prvdr_npi_num", "clm_atndg_prvdr_npi_num",
        ):  # fmt: skip
            e = entry(cid)
            e["ccn"] = e["ccn"] or (ccn or "").strip()
            e["facility_npi"] = e["facility_npi"] or (billing or fac or "").strip()
            add(e, attending)
        for cid, npi, specialty, tin in (
            PartBPhysicianLine.objects.filter(**scope, cur_clm_uniq_id__in=chunk)
            .order_by("cur_clm_uniq_id", "clm_line_num")
            .values_list(
                "cur_clm_uniq_id", "rndrg_prvdr_npi_num", "clm_prvdr_spclty_cd",
                "clm_rndrg_prvdr_tax_num",
            )
        ):  # fmt: skip
            add(entry(cid), npi, specialty, tin)
        for cid, payto, ordering in PartBDmeLine.objects.filter(
            **scope, cur_clm_uniq_id__in=chunk
        ).values_list("cur_clm_uniq_id", "payto_prvdr_npi_num", "ordrg_prvdr_npi_num"):
            e = entry(cid)
            e["facility_npi"] = e["facility_npi"] or (payto or "").strip()
            add(e, ordering)
    return out


def claims_data_date(*, entity: Any) -> date | None:
    """The date the entity's loaded claims reach: the latest claim through date (CLM_THRU_DT)
    of its Part A headers and Part B physician lines; None before any claims. Figures counted
    "in the last N days" or "overdue" on claims count back from this date, not from the clock."""
    from django.db.models import Max

    dates = [
        PartAClaimHeader.objects.filter(entity_id=_entity_id(entity)).aggregate(
            d=Max("clm_thru_dt")
        )["d"],
        PartBPhysicianLine.objects.filter(entity_id=_entity_id(entity)).aggregate(
            d=Max("clm_thru_dt")
        )["d"],
    ]
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def final_action_procedures(*, entity: Any, claim_ids: list[str]) -> pd.DataFrame:
    """The ICD-10-PCS procedure codes (CCLF3 CLM_PRCDR_CD) of Part A claims by claim id
    (CUR_CLM_UNIQ_ID, as `final_action_claims` returns it), for the Planned Readmission Algorithm.
    Columns: claim_id, px_code."""
    from claims.models import PartAProcedure

    ids = sorted({int(i) for i in claim_ids if str(i).strip().isdigit()})
    rows: list[tuple[str, str]] = []
    for start in range(0, len(ids), 10_000):
        found = PartAProcedure.objects.filter(
            entity_id=_entity_id(entity), cur_clm_uniq_id__in=ids[start : start + 10_000]
        ).values_list("cur_clm_uniq_id", "clm_prcdr_cd")
        rows += [(str(cid), (code or "").strip()) for cid, code in found if (code or "").strip()]
    return pd.DataFrame(rows, columns=["claim_id", "px_code"])
