"""At risk of dropping out of alignment, and risk tiers: the thresholds' edges (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from care.engine.alignment_risk import at_risk_of_dropping, risk_tiers

AS_OF = date(2026, 6, 30)


def _results(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "beneficiary_id", "aligned", "reason", "entity_allowed", "top_competitor",
            "competitor_allowed", "entity_last_service",
        ],
    )  # fmt: skip


def test_a_competitor_at_80_percent_is_thin_and_at_79_is_not() -> None:
    frame = _results(
        [
            (1, True, "aligned_plurality", "100.00", "TIN 1", "80.00", date(2026, 5, 1)),
            (2, True, "aligned_plurality", "100.00", "TIN 1", "79.99", date(2026, 5, 1)),
            (3, True, "aligned_tie_most_recent", "100.00", "TIN 2", "100.00", date(2026, 5, 1)),
        ]
    )
    out = at_risk_of_dropping(
        results=frame, window_end=AS_OF, margin=Decimal("0.20"), no_visit_months=9
    )
    assert list(out["beneficiary_id"]) == [1, 3]
    assert (
        "TIN 1 has $80.00 of primary care charges against the entity's $100.00"
        in out.iloc[0]["detail"]
    )


def test_no_visit_in_nine_months_flags_and_voluntary_or_unaligned_never_do() -> None:
    frame = _results(
        [
            (
                1,
                True,
                "aligned_plurality",
                "100.00",
                "",
                "0",
                date(2025, 9, 30),
            ),  # 9 months to the day
            (2, True, "aligned_plurality", "100.00", "", "0", date(2025, 9, 29)),
            (3, True, "aligned_voluntary", "0.00", "", "0", None),
            (4, False, "plurality_lost", "50.00", "TIN 9", "60.00", date(2024, 1, 1)),
            (5, True, "aligned_plurality", "100.00", "", "0", None),
        ]
    )
    out = at_risk_of_dropping(
        results=frame, window_end=AS_OF, margin=Decimal("0.20"), no_visit_months=9
    )
    assert list(out["beneficiary_id"]) == [2, 5]
    assert "since 2025-09-29" in out.iloc[0]["detail"]


def test_risk_tiers_take_the_first_bound_reached() -> None:
    scores = pd.DataFrame(
        {"beneficiary_id": [1, 2, 3, 4], "raw_score": ["2.0", "1.999", "1.0", "0.4"]}
    )
    cuts = (("high", Decimal("2.0")), ("moderate", Decimal("1.0")))
    assert list(risk_tiers(scores=scores, cuts=cuts)["tier"]) == [
        "high",
        "moderate",
        "moderate",
        "low",
    ]
