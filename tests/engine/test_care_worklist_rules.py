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


def test_claim_events_group_lines_by_claim_and_name_the_visit() -> None:
    from decimal import Decimal

    from care.engine.timeline import claim_events

    claims = pd.DataFrame(
        [
            {
                "beneficiary_id": 1,
                "claim_id": 5,
                "source": "B",
                "claim_type_cd": "71",
                "from_date": pd.Timestamp("2025-03-01"),
                "thru_date": pd.Timestamp("2025-03-01"),
                "hcpcs_cd": "36415",
                "principal_dx": "E119",
                "paid_amount": Decimal("3.00"),
            },
            {
                "beneficiary_id": 1,
                "claim_id": 5,
                "source": "B",
                "claim_type_cd": "71",
                "from_date": pd.Timestamp("2025-03-01"),
                "thru_date": pd.Timestamp("2025-03-01"),
                "hcpcs_cd": "99214",
                "principal_dx": "E119",
                "paid_amount": Decimal("95.00"),
            },
            {
                "beneficiary_id": 1,
                "claim_id": 6,
                "source": "A",
                "claim_type_cd": "60",
                "from_date": pd.Timestamp("2025-04-01"),
                "thru_date": pd.Timestamp("2025-04-05"),
                "hcpcs_cd": "",
                "principal_dx": "I5020",
                "paid_amount": Decimal("12000.00"),
            },
            {
                "beneficiary_id": 1,
                "claim_id": 7,
                "source": "B",
                "claim_type_cd": "71",
                "from_date": pd.Timestamp("2023-04-01"),
                "thru_date": pd.Timestamp("2023-04-01"),
                "hcpcs_cd": "99284",
                "principal_dx": "R079",
                "paid_amount": Decimal("200.00"),
            },
        ]
    )
    events = {e["claim_id"]: e for e in claim_events(claims, since=date(2024, 1, 1))}
    assert set(events) == {"5", "6"}
    assert events["5"]["kind"] == "Office visit"
    assert events["5"]["paid"] == Decimal("98.00")
    assert events["6"]["kind"] == "Inpatient"
