"""Care episodes on hand-built claims, one rule at a time (specialists.engine.episodes), and the
shipped starter library."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from specialists.engine import columns as c
from specialists.engine import episodes as ep
from specialists.engine.leakage import Network, classify

AS_OF = dt.date(2025, 12, 31)
LEJR_DRG, HF_DRG = "0470", "0291"


def defs(**rules):
    data = json.loads(ep.DEFAULT_PATH.read_text())
    data["rules"].update(rules)
    return ep.episode_definitions_from(data)


def claim(
    bene,
    cid,
    start,
    end=None,
    *,
    source="A",
    ctype="60",
    drg="",
    paid=0,
    tin="",
    npi="",
    specialty="",
    allowed=0,
    pos="",
    hcpcs="",
    attending="",
    ccn="330101",
):
    return {
        c.BENE_ID: bene, c.CLAIM_ID: cid, ep.SOURCE: source, ep.CLAIM_TYPE: ctype,
        ep.START_DATE: pd.Timestamp(start), c.SERVICE_DATE: pd.Timestamp(end or start),
        ep.DRG: drg, ep.CCN: ccn if source == "A" else "", ep.ATTENDING_NPI: attending,
        c.TIN: tin, c.NPI: npi, c.SPECIALTY: specialty, ep.POS: pos, c.HCPCS: hcpcs,
        ep.PAID_CENTS: paid, c.ALLOWED_CENTS: allowed,
    }  # fmt: skip


def line(
    bene,
    cid,
    day,
    *,
    paid=100,
    specialty="20",
    tin="200000001",
    npi="2000000001",
    allowed=None,
    pos="11",
    hcpcs="99213",
):
    return claim(bene, cid, day, source="B", ctype="71", paid=paid, tin=tin, npi=npi,
                 specialty=specialty, allowed=paid if allowed is None else allowed, pos=pos,
                 hcpcs=hcpcs)  # fmt: skip


def build(rows, **kwargs):
    return ep.build_episodes(
        definitions=kwargs.pop("definitions", defs()),
        claims=pd.DataFrame(rows),
        as_of=kwargs.pop("as_of", AS_OF),
        **kwargs,
    )


def test_the_starter_library_has_its_sources_and_at_least_three_types():
    library = ep.load_episode_definitions()
    assert len(library.episodes) >= 3
    assert all(e.trigger_source and e.window_source for e in library.episodes)
    assert library.by_drg()["291"].code == "heart_failure"
    assert library.by_drg()["470"].code == "lejr"


def test_an_ms_drg_stay_triggers_an_episode_with_its_anchor_and_post_anchor_window():
    out = build([claim(1, "A1", "2025-03-01", "2025-03-04", drg=LEJR_DRG, paid=1_500_000)])
    row = out.iloc[0]
    assert (row[ep.EPISODE], row[ep.DRG]) == ("lejr", "470")
    assert row[ep.ANCHOR_START] == pd.Timestamp("2025-03-01")
    assert row[ep.WINDOW_END] == pd.Timestamp("2025-03-04") + pd.Timedelta(days=90)
    assert row[ep.LOS_DAYS] == 3
    assert row[ep.PERIOD] == ep.PERFORMANCE
    assert row[ep.COMPLETE]


def test_a_stay_under_another_drg_or_an_outpatient_claim_triggers_nothing():
    out = build(
        [
            claim(1, "A1", "2025-03-01", "2025-03-04", drg="0999", paid=9),
            claim(1, "A2", "2025-04-01", ctype="40", drg=LEJR_DRG, paid=9),
        ]
    )
    assert out.empty


def test_spending_counts_every_claim_starting_in_the_window_and_keeps_excluded_apart():
    out = build(
        [
            claim(1, "A1", "2025-03-01", "2025-03-04", drg=LEJR_DRG, paid=1_000_000),
            claim(1, "S1", "2025-03-05", "2025-03-20", ctype="20", paid=300_000),
            line(1, "B1", "2025-02-28", paid=5_000),  # before the admission
            line(1, "B2", "2025-03-02", paid=7_000),
            line(1, "B3", "2025-06-02", paid=11_000),  # day 90 after discharge: inside
            line(1, "B4", "2025-06-03", paid=13_000),  # day 91: outside
            claim(1, "A2", "2025-05-01", "2025-05-03", drg="0837", paid=400_000),  # excluded
        ]
    )
    row = out.iloc[0]
    assert row[ep.ANCHOR_CENTS] == 1_000_000
    assert row[ep.POST_CENTS] == 300_000 + 7_000 + 11_000
    assert row[ep.EXCLUDED_CENTS] == 400_000
    assert row[ep.ACTUAL_CENTS] == 1_318_000
    assert row[ep.SNF_CLAIMS] == 1


def test_a_stay_inside_an_episode_opens_none_and_counts_as_a_readmission_within_30_days():
    out = build(
        [
            claim(1, "A1", "2025-03-01", "2025-03-04", drg=HF_DRG, paid=1_000_000),
            claim(1, "A2", "2025-04-03", "2025-04-06", drg=HF_DRG, paid=800_000),  # day 30
            claim(1, "A3", "2025-05-20", "2025-05-22", drg=HF_DRG, paid=700_000),  # day 77
        ]
    )
    assert len(out) == 1
    row = out.iloc[0]
    assert row[ep.READMISSIONS] == 1  # A3 is inside the episode but after 30 days
    assert row[ep.ACTUAL_CENTS] == 2_500_000


def test_an_episode_running_past_the_claims_date_is_open_and_the_year_before_is_baseline():
    out = build(
        [
            claim(1, "A1", "2024-05-01", "2024-05-03", drg=HF_DRG, paid=1),
            claim(2, "A2", "2025-11-01", "2025-11-03", drg=HF_DRG, paid=1),
            claim(3, "A3", "2023-11-01", "2023-11-03", drg=HF_DRG, paid=1),  # before the baseline
        ]
    )
    periods = dict(
        zip(out[c.BENE_ID], zip(out[ep.PERIOD], out[ep.COMPLETE], strict=True), strict=True)
    )
    assert periods == {1: (ep.BASELINE, True), 2: (ep.PERFORMANCE, False)}


def test_the_target_is_the_drgs_baseline_mean_trended_and_discounted_rounded_once():
    rows = [
        claim(b, f"A{b}", "2024-03-01", "2024-03-03", drg=HF_DRG, paid=paid)
        for b, paid in zip(range(1, 4), (1_000_000, 1_000_000, 1_000_001), strict=True)
    ]
    rows.append(claim(9, "A9", "2025-03-01", "2025-03-03", drg=HF_DRG, paid=900_000))
    out = build(
        rows, definitions=defs(min_baseline_episodes=3, annual_trend="0.05", discount="0.03")
    )
    row = out[out[c.BENE_ID] == 9].iloc[0]
    # mean $10,000.003333...; x 1.05 x 0.97 = $10,185.0033950 -> $10,185.00
    assert row[ep.TARGET_CENTS] == 1_018_500
    assert row[ep.TARGET_BASIS] == "ms_drg"


def test_too_few_baseline_episodes_of_the_drg_fall_back_to_the_type_and_none_gives_no_target():
    rows = [
        claim(1, "A1", "2024-03-01", "2024-03-03", drg="0292", paid=600_000),
        claim(2, "A2", "2025-03-01", "2025-03-03", drg=HF_DRG, paid=900_000),
        claim(3, "A3", "2025-03-01", "2025-03-03", drg=LEJR_DRG, paid=900_000),
    ]
    out = build(rows, definitions=defs(min_baseline_episodes=2, discount="0"))
    by = out.set_index(c.BENE_ID)
    assert (by.loc[2, ep.TARGET_CENTS], by.loc[2, ep.TARGET_BASIS]) == (600_000, "episode_type")
    assert (by.loc[3, ep.TARGET_CENTS], by.loc[3, ep.TARGET_BASIS]) == (ep.NO_TARGET, "none")


def test_the_managing_specialist_is_the_plurality_of_the_types_specialists_in_the_episode():
    out = build(
        [
            claim(
                1, "A1", "2025-03-01", "2025-03-04", drg=LEJR_DRG, paid=1, attending="3000000001"
            ),
            line(1, "B1", "2025-03-02", paid=100, tin="200000001", npi="2000000001"),
            line(1, "B2", "2025-03-20", paid=300, tin="200000002", npi="2000000002"),
            line(
                1, "B3", "2025-03-21", paid=900, specialty="06", tin="200000003", npi="2000000003"
            ),
        ],
        npi_tins={"3000000001": "300000001"},
    )
    row = out.iloc[0]
    assert (row[ep.MANAGING_TIN], row[ep.MANAGING_NPI]) == ("200000002", "2000000002")
    assert row[ep.MANAGING_REASON] == ep.EPISODE_PLURALITY


def test_without_a_specialist_service_the_lead_then_the_attending_manages():
    rows = [
        claim(1, "A1", "2025-03-01", "2025-03-04", drg=HF_DRG, paid=1, attending="3000000001"),
        claim(2, "A2", "2025-03-01", "2025-03-04", drg=HF_DRG, paid=1, attending="3000000001"),
        claim(3, "A3", "2025-03-01", "2025-03-04", drg=HF_DRG, paid=1, attending="3999999999"),
    ]
    out = build(
        rows,
        leads={(1, "heart_failure"): ("400000001", "4000000001", "06")},
        npi_tins={"3000000001": "300000001"},
    ).set_index(c.BENE_ID)
    assert tuple(out.loc[1, [ep.MANAGING_TIN, ep.MANAGING_REASON]]) == (
        "400000001",
        ep.LEAD_SPECIALIST,
    )
    assert tuple(out.loc[2, [ep.MANAGING_TIN, ep.MANAGING_REASON]]) == ("300000001", ep.ATTENDING)
    assert tuple(out.loc[3, [ep.MANAGING_TIN, ep.MANAGING_REASON]]) == ("", ep.UNASSIGNED)


def test_ed_visits_count_distinct_days_of_emergency_services():
    out = build(
        [
            claim(1, "A1", "2025-03-01", "2025-03-04", drg=HF_DRG, paid=1),
            line(1, "B1", "2025-03-10", pos="23", hcpcs="99284"),
            line(1, "B2", "2025-03-10", pos="23", hcpcs="93005"),
            line(1, "B3", "2025-03-15", pos="11", hcpcs="99283"),
        ]
    )
    assert out.iloc[0][ep.ED_VISITS] == 2


def test_a_scorecard_sums_the_tins_complete_performance_episodes_and_its_network_share():
    rows = [
        claim(1, "A1", "2024-03-01", "2024-03-03", drg=HF_DRG, paid=1_000_000),
        claim(2, "A2", "2025-03-01", "2025-03-03", drg=HF_DRG, paid=800_000),
        claim(2, "A3", "2025-03-20", "2025-03-22", drg="0190", paid=200_000),  # readmission
        line(2, "B1", "2025-03-02", paid=50_000, specialty="06", tin="200000001"),
        claim(3, "A4", "2025-11-20", "2025-11-22", drg=HF_DRG, paid=5),  # open: not scored
        line(3, "B2", "2025-11-21", paid=1, specialty="06", tin="200000001"),
    ]
    out = build(rows, definitions=defs(min_baseline_episodes=1, discount="0"))
    paid = pd.DataFrame(
        [
            {c.BENE_ID: 2, "source": "B", "claim_type": "71", c.TIN: "200000001", c.NPI: "",
             "ccn": "", c.SPECIALTY: "06", "pos": "11", "paid_cents": 300},
            {c.BENE_ID: 2, "source": "B", "claim_type": "71", c.TIN: "999999999", c.NPI: "",
             "ccn": "", c.SPECIALTY: "06", "pos": "11", "paid_cents": 100},
        ]
    )  # fmt: skip
    classified = classify(paid, Network(tins={"200000001": "participant"}))
    (card,) = ep.scorecards(out, classified=classified)
    assert card.tin == "200000001"
    assert card.episodes == 1
    assert card.actual_cents == 1_050_000
    assert card.target_cents == 1_000_000
    assert card.variance_cents == -50_000
    assert (card.readmitted_episodes, card.readmissions) == (1, 1)
    assert (card.patient_paid_cents, card.patient_in_network_cents) == (400, 300)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"trigger_drgs": ["abc"]}, "lejr: trigger_drgs must be MS-DRG numbers."),
        ({"post_anchor_days": 400}, "lejr: post_anchor_days must be between 0 and 365."),
        ({"label": ""}, "lejr: label must be a non-empty text."),
    ],
)
def test_a_malformed_definition_names_the_episode_and_field(change, message):
    data = json.loads(ep.DEFAULT_PATH.read_text())
    data["episodes"][0].update(change)
    with pytest.raises(ep.EpisodeDefinitionError, match=message):
        ep.episode_definitions_from(data)


def test_a_drg_in_two_types_and_a_bad_rate_are_refused():
    data = json.loads(ep.DEFAULT_PATH.read_text())
    data["episodes"][1]["trigger_drgs"].append("470")
    with pytest.raises(ep.EpisodeDefinitionError, match="two episode types"):
        ep.episode_definitions_from(data)
    with pytest.raises(ep.EpisodeDefinitionError, match="discount"):
        defs(discount="x")
