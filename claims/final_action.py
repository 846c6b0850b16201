"""The SQL that turns stored CCLF claim versions into final-action claims (CCLF IP sections 3-5).

One query, portable between PostgreSQL and SQLite (window functions, no vendor syntax). The rules,
each from the CCLF Information Packet (v36/v38; domain.md 8.1):

1. **Most recent MBI** (IP 5.1.1, 3.1): every record is joined through `BeneficiaryMbi`, which
   the CCLF9 crosswalk keeps pointing at the person's `Beneficiary`. `beneficiary_id` plays the
   role of MR_MBI in the natural keys.
2. **Related claims by natural key** (IP 5.1.2): Part A on (CLM_BLG_PRVDR_OSCAR_NUM, CLM_FROM_DT,
   CLM_THRU_DT, MR_MBI); Part B and DME on (CLM_CNTL_NUM, MR_MBI).
3. **Final action** (IP 5.2.1-5.2.3): each cancellation (CLM_ADJSMT_TYPE_CD 1) is matched with one
   original (0) or adjustment (2) of its related set, and matched pairs are removed; what remains
   are the final-action claims (possibly several per set, IP 5.3.2). A cancellation is "identical
   to the claim it cancels" (IP 5.2.1), so it is matched on the paid amount (the header amount for
   Part A, the sum of the claim's lines for Part B/DME), and only with a claim that precedes it:
   ordered by CLM_EFCTV_DT (a missing date first), then an original before a cancellation before an
   adjustment on the same date (an adjustment issued with a cancellation is its replacement, not
   its target), then CUR_CLM_UNIQ_ID. Among candidates the oldest are cancelled first; which of two
   equal candidates is taken does not change any total ("you will simply need to pick one", IP
   5.3.2). A cancellation left without a partner (its original predates the files, or a corrected
   through date moved the replacement to another key, IP 5.2.1) removes nothing.
   Computed set-wise: with +1 for a cancellation and -1 for a candidate in that order, the
   cancellations left unmatched are max(0, highest running sum), so the first
   (cancellations - unmatched) candidates are cancelled.
4. **Denials** (IP 3.2): a Part A claim with CLM_MDCR_NPMT_RSN_CD is denied whole; a Part B/DME
   claim line is dropped when CLM_CARR_PMT_DNL_CD is 0 (claim denied) or when CLM_PRCSG_IND_CD is
   present and not A, R or S (line not allowed). Denials are applied after matching, so a denied
   claim's cancellation still finds its partner.
5. **Spending** (IP 3.5): Part A spending is the header CLM_PMT_AMT; Part B/DME is the line
   CLM_LINE_CVRD_PD_AMT. A final-action claim keeps its own (positive) amount; debit/credit totals
   with cancellations negative are in `claims.selectors.debit_credit_totals`.
6. **Run-out** (IP 3.4): with a cut-off, only versions with CLM_IDR_LD_DT on or before it take part
   (before matching, so a cancellation loaded after the cut-off does not count); the service-period
   filter is on CLM_THRU_DT.
7. **Re-deliveries** (the same claim in two deliveries, or in the regular and run-out files) are
   stored once by the loader, keyed on the CMS record key.
8. **Part D** (IP 3.3): CCLF7 holds final-action events only; per natural key (CLM_LINE_FROM_DT,
   PRVDR_SRVC_ID_QLFYR_CD, CLM_SRVC_PRVDR_GNRC_ID_NUM, CLM_DSPNSNG_STUS_CD,
   CLM_LINE_RX_SRVC_RFRNC_NUM, CLM_LINE_RX_FILL_NUM) the most recent one wins, and deletes (blank NDC)
   remove the event.
"""

from __future__ import annotations

# CMS code values used below (ResDAC / CMS IDR conventions; the packet names the fields only).
CANCELLATION_CODES = ("1", "01")
ORIGINAL_CODES = ("0", "00")
CARRIER_DENIED_CODES = ("0", "00")  # CLM_CARR_PMT_DNL_CD 0 = claim denied
ALLOWED_LINE_CODES = ("A", "R", "S")  # CLM_PRCSG_IND_CD: allowed, reprocessed, secondary payer
# The `source` of a final-action row: Part A claims, Part B physician lines, DME lines.
SOURCES = ("A", "B", "DME")

UNIFIED_COLUMNS = [
    "entity_id",
    "beneficiary_id",
    "claim_id",
    "line_num",
    "source",
    "claim_type_cd",
    "from_date",
    "thru_date",
    "line_from_date",
    "line_thru_date",
    "bill_type",
    "place_of_service",
    "specialty_cd",
    "hcpcs_cd",
    "hcpcs_modifier",
    "rendering_npi",
    "rendering_tin",
    "ccn",
    "facility_npi",
    "attending_npi",
    "principal_dx",
    "paid_amount",
    "allowed_amount",
    "adjustment_type_cd",
    "effective_date",
    "idr_load_date",
    "delivered_on",
    "source_file_id",
    "source_line",
]


def sql_in(values: tuple[str, ...]) -> str:
    """A SQL list of code literals, `('1', '01')`: the values are this module's constants."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _scope(alias: str, entity: bool, cutoff: bool) -> str:
    clauses = ["1 = 1"]
    if entity:
        clauses.append(f"{alias}.entity_id = %(entity_id)s")
    if cutoff:
        clauses.append(f"{alias}.clm_idr_ld_dt <= %(idr_load_cutoff)s")
    return " AND ".join(clauses)


def _type_rank(col: str) -> str:
    return (
        f"CASE WHEN {col} IN {sql_in(ORIGINAL_CODES)} THEN 0 "
        f"WHEN {col} IN {sql_in(CANCELLATION_CODES)} THEN 1 ELSE 2 END"
    )


def matching_ctes(name: str, source: str, key: str, amount: str) -> str:
    """CTEs `{name}_final`: the non-cancelled claim versions of `source` (one row per claim with
    columns entity_id, beneficiary_id, cur_clm_uniq_id, adj, efctv and the key/amount columns)."""
    part = f"entity_id, beneficiary_id, {key}, {amount}"
    order = f"efctv IS NOT NULL, efctv, {_type_rank('adj')}, cur_clm_uniq_id"
    return f"""
{name}_seq AS (
    SELECT s.*,
        CASE WHEN adj IN {sql_in(CANCELLATION_CODES)} THEN 1 ELSE 0 END AS is_cancel,
        SUM(CASE WHEN adj IN {sql_in(CANCELLATION_CODES)} THEN 1 ELSE -1 END) OVER (
            PARTITION BY {part} ORDER BY {order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS balance,
        ROW_NUMBER() OVER (
            PARTITION BY {part}, CASE WHEN adj IN {sql_in(CANCELLATION_CODES)} THEN 1 ELSE 0 END
            ORDER BY {order}
        ) AS seq
    FROM {source} s
),
{name}_grp AS (
    SELECT q.*,
        SUM(is_cancel) OVER (PARTITION BY {part}) AS cancels,
        MAX(balance) OVER (PARTITION BY {part}) AS max_balance
    FROM {name}_seq q
),
{name}_final AS (
    SELECT g.* FROM {name}_grp g
    WHERE g.is_cancel = 0
      AND g.seq > g.cancels - (CASE WHEN g.max_balance > 0 THEN g.max_balance ELSE 0 END)
)"""


def _part_b_ctes(name: str, table: str, entity: bool, cutoff: bool) -> str:
    return f"""
{name}_claims AS (
    SELECT l.entity_id, bm.beneficiary_id, l.cur_clm_uniq_id,
        MAX(l.clm_cntl_num) AS clm_cntl_num,
        MAX(l.clm_adjsmt_type_cd) AS adj,
        MAX(l.clm_efctv_dt) AS efctv,
        SUM(COALESCE(l.clm_line_cvrd_pd_amt, 0)) AS claim_amount
    FROM {table} l JOIN beneficiaries_beneficiarymbi bm ON bm.id = l.mbi_id
    WHERE {_scope("l", entity, cutoff)}
    GROUP BY l.entity_id, bm.beneficiary_id, l.cur_clm_uniq_id
),{matching_ctes(name, f"{name}_claims", "clm_cntl_num", "claim_amount")}"""


def line_allowed(alias: str) -> str:
    """The SQL condition that a Part B/DME line `alias` is not denied (rule 4 above)."""
    return (
        f"{alias}.clm_carr_pmt_dnl_cd NOT IN {sql_in(CARRIER_DENIED_CODES)} "
        f"AND ({alias}.clm_prcsg_ind_cd = '' OR {alias}.clm_prcsg_ind_cd IN {sql_in(ALLOWED_LINE_CODES)})"
    )


def final_action_sql(
    *, entity: bool = True, cutoff: bool = False, sources: tuple[str, ...] = SOURCES
) -> str:
    """The unified final-action query (one row per Part A claim and per Part B/DME line).

    Parameters (pyformat): %(entity_id)s when `entity`, %(idr_load_cutoff)s when `cutoff`.
    Columns: UNIFIED_COLUMNS (see `claims.selectors.final_action_claims`). `sources` keeps only
    the branches of those sources ("A" always among them: its branch names the columns), the
    same rows as a filter on `source` over the whole query: SQLite computes a CTE's every
    branch before filtering, PostgreSQL drops the others either way.
    """
    if "A" not in sources or not set(sources) <= set(SOURCES):
        raise ValueError(f"sources {sources}: 'A' and any of {SOURCES[1:]}")
    ctes = {
        "A": f"""
pa_claims AS (
    SELECT h.entity_id, bm.beneficiary_id, h.cur_clm_uniq_id, h.clm_adjsmt_type_cd AS adj,
        h.clm_efctv_dt AS efctv, h.clm_blg_prvdr_oscar_num AS ccn_key, h.clm_from_dt AS from_key,
        h.clm_thru_dt AS thru_key, COALESCE(h.clm_pmt_amt, 0) AS claim_amount
    FROM claims_partaclaimheader h JOIN beneficiaries_beneficiarymbi bm ON bm.id = h.mbi_id
    WHERE {_scope("h", entity, cutoff)}
),{matching_ctes("pa", "pa_claims", "ccn_key, from_key, thru_key", "claim_amount")}""",
        "B": _part_b_ctes("pb", "claims_partbphysicianline", entity, cutoff),
        "DME": _part_b_ctes("dme", "claims_partbdmeline", entity, cutoff),
    }
    branches = {
        "A": """SELECT h.entity_id, f.beneficiary_id, h.cur_clm_uniq_id AS claim_id, 0 AS line_num, 'A' AS source,
    h.clm_type_cd AS claim_type_cd, h.clm_from_dt AS from_date, h.clm_thru_dt AS thru_date,
    h.clm_from_dt AS line_from_date, h.clm_thru_dt AS line_thru_date,
    h.clm_bill_fac_type_cd || h.clm_bill_clsfctn_cd || h.clm_bill_freq_cd AS bill_type,
    '' AS place_of_service, '' AS specialty_cd, '' AS hcpcs_cd, '' AS hcpcs_modifier,
    h.atndg_prvdr_npi_num AS rendering_npi, '' AS rendering_tin,
    CASE WHEN h.clm_blg_prvdr_oscar_num <> '' THEN h.clm_blg_prvdr_oscar_num ELSE h.prvdr_oscar_num END AS ccn,
    h.fac_prvdr_npi_num AS facility_npi, h.atndg_prvdr_npi_num AS attending_npi,
    h.prncpl_dgns_cd AS principal_dx, h.clm_pmt_amt AS paid_amount, NULL AS allowed_amount,
    h.clm_adjsmt_type_cd AS adjustment_type_cd, h.clm_efctv_dt AS effective_date,
    h.clm_idr_ld_dt AS idr_load_date, h.delivered_on, h.source_file_id, h.source_line
FROM pa_final f
JOIN claims_partaclaimheader h ON h.entity_id = f.entity_id AND h.cur_clm_uniq_id = f.cur_clm_uniq_id
WHERE h.clm_mdcr_npmt_rsn_cd = ''""",
        "B": f"""SELECT l.entity_id, f.beneficiary_id, l.cur_clm_uniq_id, l.clm_line_num, 'B',
    l.clm_type_cd, l.clm_from_dt, l.clm_thru_dt, l.clm_line_from_dt, l.clm_line_thru_dt,
    '', l.clm_pos_cd, l.clm_prvdr_spclty_cd, l.clm_line_hcpcs_cd, l.hcpcs_1_mdfr_cd,
    CASE WHEN l.rndrg_prvdr_npi_num <> '' THEN l.rndrg_prvdr_npi_num ELSE l.clm_rndrg_prvdr_npi_num END,
    l.clm_rndrg_prvdr_tax_num, '', '', '',
    l.clm_line_dgns_cd, l.clm_line_cvrd_pd_amt, l.clm_line_alowd_chrg_amt,
    l.clm_adjsmt_type_cd, l.clm_efctv_dt, l.clm_idr_ld_dt, l.delivered_on, l.source_file_id, l.source_line
FROM pb_final f
JOIN claims_partbphysicianline l ON l.entity_id = f.entity_id AND l.cur_clm_uniq_id = f.cur_clm_uniq_id
WHERE {line_allowed("l")}""",
        "DME": f"""SELECT l.entity_id, f.beneficiary_id, l.cur_clm_uniq_id, l.clm_line_num, 'DME',
    l.clm_type_cd, l.clm_from_dt, l.clm_thru_dt, l.clm_line_from_dt, l.clm_line_thru_dt,
    '', l.clm_pos_cd, '', l.clm_line_hcpcs_cd, '',
    l.payto_prvdr_npi_num, '', '', '', '',
    '', l.clm_line_cvrd_pd_amt, l.clm_line_alowd_chrg_amt,
    l.clm_adjsmt_type_cd, l.clm_efctv_dt, l.clm_idr_ld_dt, l.delivered_on, l.source_file_id, l.source_line
FROM dme_final f
JOIN claims_partbdmeline l ON l.entity_id = f.entity_id AND l.cur_clm_uniq_id = f.cur_clm_uniq_id
WHERE {line_allowed("l")}""",
    }
    kept = [source for source in SOURCES if source in sources]
    return (
        "\nWITH"
        + ",".join(ctes[source] for source in kept)
        + "\n"
        + "\nUNION ALL\n".join(branches[source] for source in kept)
        + "\n"
    )


def part_d_sql(*, entity: bool = True, cutoff: bool = False) -> str:
    """Final-action Part D events (IP 3.3): the latest event per natural key, deletes removed."""
    return f"""
WITH pd AS (
    SELECT e.*, bm.beneficiary_id,
        ROW_NUMBER() OVER (
            PARTITION BY e.entity_id, bm.beneficiary_id, e.clm_line_from_dt, e.prvdr_srvc_id_qlfyr_cd,
                e.clm_srvc_prvdr_gnrc_id_num, e.clm_dspnsng_stus_cd, e.clm_line_rx_srvc_rfrnc_num,
                e.clm_line_rx_fill_num
            ORDER BY e.clm_efctv_dt IS NULL, e.clm_efctv_dt DESC, e.clm_idr_ld_dt IS NULL,
                e.clm_idr_ld_dt DESC, e.delivered_on DESC, e.cur_clm_uniq_id DESC
        ) AS rn
    FROM claims_partdevent e JOIN beneficiaries_beneficiarymbi bm ON bm.id = e.mbi_id
    WHERE {_scope("e", entity, cutoff)}
)
SELECT entity_id, beneficiary_id, cur_clm_uniq_id AS claim_id, clm_line_ndc_cd AS ndc,
    clm_line_from_dt AS fill_date, clm_line_srvc_unit_qty AS quantity,
    clm_line_days_suply_qty AS days_supply, clm_prsbng_prvdr_gnrc_id_num AS prescriber_id,
    clm_srvc_prvdr_gnrc_id_num AS pharmacy_id, clm_line_bene_pmt_amt AS patient_pay_amount,
    clm_idr_ld_dt AS idr_load_date, delivered_on, source_file_id, source_line
FROM pd
WHERE rn = 1 AND clm_line_ndc_cd <> '' AND clm_adjsmt_type_cd NOT IN {sql_in(CANCELLATION_CODES)}
"""
