"""CMS's worked total-cost example (CCLF IP 5.3.2, Tables 4 and 6): Part A $260 + Part B $707."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from claims.selectors import debit_credit_totals, final_action_claims
from claims.services import cclf_delivery_load
from entities.models import Entity
from tests.claims.cclf import make_delivery

MBI = "6U50TE7GG18"
# Table 4: CLM#, FROM, THRU, PAID, ADJ_TYPE, EFCTV_DT (CCN 654321)
PART_A = [
    (1, "2012-07-01", "2012-07-08", "200.00", "0", "2012-07-20"),
    (2, "2012-07-01", "2012-07-08", "0.00", "2", "2012-09-20"),
    (3, "2012-07-01", "2012-07-08", "200.00", "1", "2012-08-07"),
    (4, "2012-07-01", "2012-07-08", "210.00", "2", "2012-09-20"),
    (5, "2012-07-01", "2012-07-08", "0.00", "2", "2012-08-07"),
    (6, "2012-07-01", "2012-07-08", "0.00", "1", "2012-10-07"),
    (7, "2012-08-20", "2012-08-29", "50.00", "0", "2012-09-20"),
]
# Table 6: CLM#, LINE_NUM, PAID, ADJ_TYPE, EFCTV_DT (CNTL_NUM 7)
PART_B = [
    (1, 3, "0.00", "1", "2012-09-02"),
    (1, 1, "380.00", "1", "2012-09-02"),
    (1, 2, "227.00", "1", "2012-09-02"),
    (2, 1, "380.00", "0", "2012-09-02"),
    (2, 2, "227.00", "0", "2012-09-02"),
    (2, 3, "100.00", "0", "2012-09-02"),
    (3, 3, "0.00", "0", "2012-08-15"),
    (3, 1, "380.00", "0", "2012-08-15"),
    (3, 2, "227.00", "0", "2012-08-15"),
]


def _amount(value: str) -> str:
    whole, cents = value.split(".")
    return f"{int(whole):013d}.{cents}"


def _example_delivery(out: Path) -> Path:
    part_a = [
        {
            "CUR_CLM_UNIQ_ID": str(clm),
            "PRVDR_OSCAR_NUM": "654321",
            "CLM_BLG_PRVDR_OSCAR_NUM": "654321",
            "BENE_MBI_ID": MBI,
            "CLM_TYPE_CD": "60",
            "CLM_FROM_DT": start,
            "CLM_THRU_DT": thru,
            "CLM_PMT_AMT": _amount(paid),
            "CLM_ADJSMT_TYPE_CD": adj,
            "CLM_EFCTV_DT": efctv,
            "CLM_IDR_LD_DT": efctv,
        }
        for clm, start, thru, paid, adj, efctv in PART_A
    ]
    part_b = [
        {
            "CUR_CLM_UNIQ_ID": str(clm),
            "CLM_LINE_NUM": str(line),
            "BENE_MBI_ID": MBI,
            "CLM_TYPE_CD": "71",
            "CLM_FROM_DT": "2012-08-10",
            "CLM_THRU_DT": "2012-08-10",
            "CLM_LINE_CVRD_PD_AMT": _amount(paid)[2:],  # X(15): sign + 11 digits + cents
            "CLM_CARR_PMT_DNL_CD": "1",
            "CLM_PRCSG_IND_CD": "A",
            "CLM_ADJSMT_TYPE_CD": adj,
            "CLM_EFCTV_DT": efctv,
            "CLM_IDR_LD_DT": efctv,
            "CLM_CNTL_NUM": "7",
        }
        for clm, line, paid, adj, efctv in PART_B
    ]
    return make_delivery(
        out,
        entity_id="A9001",
        delivered_at=datetime(2012, 10, 15, 12),  # noqa: DTZ001
        records={
            "CCLF1": part_a,
            "CCLF5": part_b,
            "CCLF8": [{"BENE_MBI_ID": MBI, "BENE_SEX_CD": "1"}],
        },
    )


def test_cms_total_cost_example_gives_967_dollars(entity_a: Entity, cclf_dir: Path) -> None:
    cclf_delivery_load(path=_example_delivery(cclf_dir))

    claims = final_action_claims(entity=entity_a)
    part_a = claims[claims.source == "A"]
    part_b = claims[claims.source == "B"]
    assert sum(part_a.paid_amount) == Decimal("260.00")
    assert sum(part_b.paid_amount) == Decimal("707.00")
    assert sum(claims.paid_amount) == Decimal("967.00")
    # Final action (IP 5.3.2): #4, #7 and either #2 or #5; Part B: claim #2's three lines.
    a_claims = set(part_a.claim_id)
    assert {4, 7} <= a_claims
    assert len(a_claims) == 3
    assert len(a_claims & {2, 5}) == 1
    assert sorted(zip(part_b.claim_id, part_b.line_num, strict=True)) == [(2, 1), (2, 2), (2, 3)]
    assert claims.beneficiary_id.nunique() == 1

    totals = debit_credit_totals(entity=entity_a)
    assert totals.loc[0, "part_a"] == Decimal("260.00")
    assert totals.loc[0, "part_b"] == Decimal("707.00")
    assert totals.loc[0, "total"] == Decimal("967.00")
