"""Lead-specialist attribution on hand-built claims: each rule of specialists.engine.lead."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from specialists.engine import columns as c
from specialists.engine.conditions import DefinitionError, definitions_from, load_definitions
from specialists.engine.lead import (
    ADDED,
    CHANGED,
    DROPPED,
    NO_SPECIALIST_SERVICE,
    PLURALITY,
    TIE_LOWEST_NPI,
    TIE_MOST_RECENT,
    attribute_leads,
    lead_changes,
    window,
)

AS_OF = dt.date(2025, 6, 30)
DEFS = load_definitions()
NEPHRO_A = ("111111111", "1000000001")
NEPHRO_B = ("222222222", "1000000002")


def dx(*rows: tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{c.BENE_ID: b, c.SERVICE_DATE: pd.Timestamp(d), c.DX_CODE: code} for b, d, code in rows],
        columns=[c.BENE_ID, c.SERVICE_DATE, c.DX_CODE],
    )


def lines(*rows: tuple[int, str, str, str, tuple[str, str], int]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                c.BENE_ID: b,
                c.SERVICE_DATE: pd.Timestamp(d),
                c.HCPCS: hcpcs,
                c.SPECIALTY: spec,
                c.TIN: who[0],
                c.NPI: who[1],
                c.ALLOWED_CENTS: cents,
            }
            for b, d, hcpcs, spec, who, cents in rows
        ],
        columns=[c.BENE_ID, c.SERVICE_DATE, c.HCPCS, c.SPECIALTY, c.TIN, c.NPI, c.ALLOWED_CENTS],
    )


def run(diagnoses: pd.DataFrame, services: pd.DataFrame, population=(1, 2, 3)) -> pd.DataFrame:
    return attribute_leads(
        definitions=DEFS,
        population=population,
        diagnoses=diagnoses,
        services=services,
        as_of=AS_OF,
    )


CKD_TWICE = ((1, "2025-01-10", "N184"), (1, "2025-03-02", "N184"))


def test_the_window_is_the_twelve_months_through_the_as_of_date() -> None:
    assert window(AS_OF, 12) == (dt.date(2024, 7, 1), AS_OF)


def test_the_plurality_of_allowed_charges_names_the_lead_and_the_runner_up() -> None:
    out = run(
        dx(*CKD_TWICE),
        lines(
            (1, "2025-02-01", "99214", "39", NEPHRO_A, 15000),
            (1, "2025-04-01", "99213", "39", NEPHRO_B, 9000),
            (1, "2025-05-01", "99213", "39", NEPHRO_B, 9000),
            (1, "2025-05-02", "99213", "11", ("333333333", "1000000003"), 90000),  # a PCP
        ),
    )
    [row] = out.to_dict("records")
    assert row[c.CONDITION] == "ckd_esrd"
    assert (row[c.LEAD_TIN], row[c.LEAD_NPI]) == NEPHRO_B
    assert row[c.LEAD_ALLOWED] == 18000
    assert row[c.SPECIALTY_ALLOWED] == 33000
    assert row[c.LEAD_SERVICES] == 2
    assert row[c.REASON] == PLURALITY
    assert (row[c.RUNNER_UP_TIN], row[c.RUNNER_UP_ALLOWED]) == (NEPHRO_A[0], 15000)
    assert row[c.TRIGGER_CODE] == "N184"
    assert row[c.TRIGGER_CLAIMS] == 2


def test_one_trigger_date_is_not_enough_and_old_claims_do_not_count() -> None:
    out = run(
        dx(
            (1, "2025-01-10", "N184"),
            (1, "2025-01-10", "N185"),  # the same date: one date
            (2, "2024-06-30", "I5022"),  # the day before the window
            (2, "2025-02-01", "I5022"),
        ),
        lines((1, "2025-02-01", "99214", "39", NEPHRO_A, 15000)),
    )
    assert out.empty


def test_a_condition_without_its_specialists_has_no_lead() -> None:
    out = run(
        dx(*CKD_TWICE),
        lines(
            (1, "2025-02-01", "99214", "06", NEPHRO_A, 15000),  # cardiology, not nephrology
            (1, "2025-02-01", "80053", "39", NEPHRO_B, 1500),  # a lab test, not a service
        ),
    )
    [row] = out.to_dict("records")
    assert row[c.REASON] == NO_SPECIALIST_SERVICE
    assert row[c.LEAD_NPI] == ""


def test_ties_go_to_the_most_recent_service_then_the_lower_npi() -> None:
    out = run(
        dx(*CKD_TWICE, (2, "2025-01-10", "N186"), (2, "2025-02-10", "Z992")),
        lines(
            (1, "2025-02-01", "99214", "39", NEPHRO_A, 10000),
            (1, "2025-03-01", "99214", "39", NEPHRO_B, 10000),
            (2, "2025-03-01", "90960", "39", NEPHRO_B, 10000),
            (2, "2025-03-01", "90960", "39", NEPHRO_A, 10000),
        ),
    )
    by_bene = {r[c.BENE_ID]: r for r in out.to_dict("records")}
    assert (by_bene[1][c.LEAD_NPI], by_bene[1][c.REASON]) == (NEPHRO_B[1], TIE_MOST_RECENT)
    assert (by_bene[2][c.LEAD_NPI], by_bene[2][c.REASON]) == (NEPHRO_A[1], TIE_LOWEST_NPI)


def test_each_condition_has_its_own_lead_and_prefix_triggers_match() -> None:
    cardio = ("444444444", "1000000004")
    onc = ("555555555", "1000000005")
    out = run(
        dx(
            (3, "2025-01-05", "I5032"),
            (3, "2025-03-05", "I110"),
            (3, "2025-02-05", "C50911"),
            (3, "2025-04-05", "C50911"),
            (2, "2025-02-05", "C4431"),  # other skin cancer: left out by the definition
            (2, "2025-04-05", "C4431"),
        ),
        lines(
            (3, "2025-03-05", "99215", "06", cardio, 20000),
            (3, "2025-04-05", "96413", "90", onc, 30000),
            (3, "2025-04-06", "99215", "83", onc, 20000),
        ),
    )
    assert out[[c.BENE_ID, c.CONDITION, c.LEAD_NPI]].values.tolist() == [
        [3, "heart_failure", cardio[1]],
        [3, "active_cancer", onc[1]],
    ]
    assert out.iloc[1][c.LEAD_ALLOWED] == 50000


def test_people_outside_the_population_are_not_attributed() -> None:
    out = run(dx(*CKD_TWICE), lines((1, "2025-02-01", "99214", "39", NEPHRO_A, 1)), population=[2])
    assert out.empty


def test_changes_between_runs_are_added_changed_and_dropped() -> None:
    before = {(1, "ckd_esrd"): NEPHRO_A, (2, "ckd_esrd"): NEPHRO_A, (3, "heart_failure"): ("", "")}
    after = {(1, "ckd_esrd"): NEPHRO_B, (2, "ckd_esrd"): NEPHRO_A, (3, "heart_failure"): NEPHRO_A}
    after[(4, "ckd_esrd")] = NEPHRO_B
    changes = lead_changes(before, after)
    assert [(x.bene_id, x.kind) for x in changes] == [(1, CHANGED), (3, ADDED), (4, ADDED)]
    assert lead_changes(after, {})[0].kind == DROPPED
    assert changes[0].previous_npi == NEPHRO_A[1]
    assert changes[0].lead_npi == NEPHRO_B[1]


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"min_claims": 0}, "ckd_esrd: min_claims"),
        ({"trigger_codes": []}, "ckd_esrd: trigger_codes"),
        ({"service_codes": ["99202-992"]}, "ckd_esrd: service_codes range"),
        ({"trigger_source": " "}, "ckd_esrd: trigger_source"),
    ],
)
def test_a_malformed_definition_names_the_condition_and_field(patch, message) -> None:
    data = DEFS.as_dict()
    data["conditions"][0].update(patch)
    with pytest.raises(DefinitionError, match=message):
        definitions_from(data)


def test_every_shipped_condition_cites_its_sources() -> None:
    assert len(DEFS.conditions) == 3
    for condition in DEFS.conditions:
        assert "ICD-10-CM" in condition.trigger_source
        assert "specialty code" in condition.specialty_source
    assert "entity's" in DEFS.plurality
    assert "42 CFR 425.402" in DEFS.plurality
