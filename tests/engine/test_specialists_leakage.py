"""Network leakage on hand-built claims: what is in or outside the network, the breakdowns and
the ranked opportunities (specialists.engine.leakage)."""

from __future__ import annotations

import pandas as pd

from specialists.engine import columns as c
from specialists.engine.leakage import (
    CCN,
    CLAIM_TYPE,
    PAID_CENTS,
    POS,
    SOURCE,
    Network,
    leakage,
)

NETWORK = Network(
    tins={"100000001": "participant", "100000002": "preferred"},
    ccns=frozenset({"330101"}),
    npis=frozenset({"1999999999"}),
    specialists={
        "06": (("100000002", "1000000002", "preferred"),),
        "39": (("100000001", "1000000001", "participant"),),
    },
)


def line(bene, source, claim_type, paid, tin="", npi="", ccn="", specialty="", pos=""):
    return {
        c.BENE_ID: bene, SOURCE: source, CLAIM_TYPE: claim_type, c.TIN: tin, c.NPI: npi,
        CCN: ccn, c.SPECIALTY: specialty, POS: pos, PAID_CENTS: paid,
    }  # fmt: skip


LINES = pd.DataFrame(
    [
        line(1, "B", "71", 10_000, "100000002", "1000000002", specialty="06", pos="11"),
        line(1, "B", "71", 30_000, "900000001", "1000000091", specialty="06", pos="11"),
        line(2, "B", "71", 20_000, "900000002", "1000000092", specialty="06", pos="22"),
        line(2, "B", "71", 5_000, "100000001", "1000000001", specialty="39", pos="11"),
        line(3, "B", "71", 8_000, "900000003", "1000000093", specialty="13", pos="11"),
        line(1, "A", "60", 1_000_000, ccn="330101"),
        line(2, "A", "60", 900_000, ccn="440202"),
        line(3, "DME", "81", 4_000, npi="1999999999", pos="12"),
        line(3, "DME", "81", 6_000, npi="1888888888", pos="12"),
    ]
)


def test_each_claim_is_in_or_outside_the_network_by_its_own_identifier() -> None:
    report = leakage(LINES, NETWORK)
    assert report["total_cents"] == 1_983_000
    assert report["outside_cents"] == 30_000 + 20_000 + 8_000 + 900_000 + 6_000
    assert report["by_role"]["preferred"] == 10_000
    assert report["by_role"]["participant"] == 5_000 + 1_000_000 + 4_000


def test_the_breakdowns_sum_to_the_totals_and_rank_by_money_outside() -> None:
    report = leakage(LINES, NETWORK)
    for key in ("by_category", "by_place"):
        assert sum(r["total_cents"] for r in report[key]) == report["total_cents"]
        assert sum(r["outside_cents"] for r in report[key]) == report["outside_cents"]
    assert [r["key"] for r in report["by_category"]][:2] == [
        "Inpatient hospital",
        "Professional (Part B)",
    ]
    cardiology = report["by_specialty"][0]
    assert (cardiology["key"], cardiology["total_cents"], cardiology["outside_cents"]) == (
        "06", 60_000, 50_000,
    )  # fmt: skip
    assert cardiology["beneficiaries"] == 2
    assert [r["key"] for r in report["by_provider"]][:2] == ["440202", "900000001"]


def test_opportunities_are_specialties_the_network_covers_with_money_going_elsewhere() -> None:
    report = leakage(LINES, NETWORK)
    # Neurology (13) leaks but nobody on the list practises it; nephrology (39) does not leak.
    [opportunity] = report["opportunities"]
    assert opportunity["key"] == "06"
    assert opportunity["preferred_available"] is True
    assert opportunity["network"] == [
        {"tin": "100000002", "npi": "1000000002", "role": "preferred"}
    ]
    assert [p["key"] for p in opportunity["outside_providers"]] == ["900000001", "900000002"]
    assert opportunity["outside_beneficiaries"] == 2


def test_an_empty_population_gives_an_empty_report() -> None:
    report = leakage(LINES.iloc[0:0], NETWORK)
    assert report["total_cents"] == 0
    assert report["opportunities"] == []
