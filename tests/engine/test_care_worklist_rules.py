"""Worklist rules from claims (care.engine.worklist): no database."""

from __future__ import annotations

from datetime import date

import pandas as pd

from care.engine.worklist import discharges_without_follow_up, ed_visits

AS_OF = date(2025, 6, 30)


def stays(*rows: tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "beneficiary_id": b,
                "claim_id": cid,
                "admission_date": pd.Timestamp(d) - pd.Timedelta(days=3),
                "discharge_date": pd.Timestamp(d),
            }
            for b, cid, d in rows
        ]
    )


def procs(*rows: tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"beneficiary_id": b, "service_date": pd.Timestamp(d), "code": code}
            for b, d, code in rows
        ],
        columns=["beneficiary_id", "service_date", "code"],
    )


def test_a_discharge_followed_by_an_office_visit_within_seven_days_makes_no_item() -> None:
    result = discharges_without_follow_up(
        stays=stays((1, "c1", "2025-06-10"), (2, "c2", "2025-06-10"), (3, "c3", "2025-06-10")),
        procedures=procs(
            (1, "2025-06-15", "99214"), (2, "2025-06-20", "99214"), (3, "2025-06-12", "99496")
        ),
        as_of=AS_OF,
    )
    assert list(result["beneficiary_id"]) == [2]
    assert result.iloc[0]["source_key"] == "discharge:c2"
    assert result.iloc[0]["due_date"] == date(2025, 6, 12)  # contact within two days


def test_old_discharges_and_other_peoples_visits_are_handled() -> None:
    result = discharges_without_follow_up(
        stays=stays((1, "old", "2025-03-01"), (1, "new", "2025-06-25")),
        procedures=procs((2, "2025-06-26", "99213")),
        as_of=AS_OF,
    )
    assert list(result["source_key"]) == ["discharge:new"]


def test_ed_visits_in_the_last_thirty_days_become_items_once_each() -> None:
    visits = pd.DataFrame(
        [
            {"beneficiary_id": 1, "claim_id": "e1", "service_date": pd.Timestamp("2025-06-20")},
            {"beneficiary_id": 1, "claim_id": "e0", "service_date": pd.Timestamp("2025-04-20")},
        ]
    )
    result = ed_visits(visits=visits, as_of=AS_OF)
    assert list(result["source_key"]) == ["ed:e1"]
    assert result.iloc[0]["due_date"] == date(2025, 6, 23)
