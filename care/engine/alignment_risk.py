"""Who may drop out of alignment at the next run, and the risk tier of a risk score.

Pure functions over frames: the caller passes the latest alignment run's results, the date and
the thresholds (named settings, `config/settings/base.py`). Neither is a payment rule: they flag
people for a coordinator's attention, by the rule the next run will apply.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from care.engine import columns as c

ALIGNED = "aligned"
REASON = "reason"
ENTITY_ALLOWED = "entity_allowed"
COMPETITOR = "top_competitor"
COMPETITOR_ALLOWED = "competitor_allowed"
ENTITY_LAST_SERVICE = "entity_last_service"
RAW_SCORE = "raw_score"
TIER = "tier"

# Claims-based reasons: a voluntary alignment (domain.md 1.2 "Voluntary alignment takes
# precedence") does not depend on the plurality, so it is never "at risk" here.
CLAIMS_ALIGNED = ("aligned_plurality", "aligned_tie_most_recent")
OUTPUT_COLUMNS = [c.BENEFICIARY_ID, c.DETAIL]


def at_risk_of_dropping(
    *, results: pd.DataFrame, window_end: date, margin: Decimal, no_visit_months: int
) -> pd.DataFrame:
    """Beneficiaries aligned by claims in the latest run who could lose alignment at the next.

    Input `results`: [beneficiary_id, aligned, reason, entity_allowed, top_competitor,
    competitor_allowed, entity_last_service] (one row per beneficiary of the run).
    Output: [beneficiary_id, detail], the detail naming the reason.

    The next run assigns by the plurality of allowed charges for primary care services in a
    12-month window (domain.md 1.2, step 1; ties go to the most recent service). A person is
    flagged when either
    - the margin is thin: the top competitor's allowed charges are at least (1 - `margin`) of
      the entity's (with `margin` 0.20, a competitor at 80% of the entity's charges), or
    - no primary care service with the entity in the last `no_visit_months` months of the
      run's claims window (ending `window_end`): the next run's window slides forward past
      those services (a quarterly MSSP list by three months, domain.md 1.2 "Windows"), and a
      visit after the window is not in the run's data, so the flag asks for one to be checked
      or booked.
    """
    if results.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    aligned = results[results[ALIGNED].astype(bool) & results[REASON].isin(CLAIMS_ALIGNED)]
    entity_allowed = aligned[ENTITY_ALLOWED].map(Decimal)
    competitor_allowed = aligned[COMPETITOR_ALLOWED].map(Decimal)
    threshold = Decimal(1) - margin
    thin = (competitor_allowed > 0) & (
        competitor_allowed >= entity_allowed.map(lambda allowed: allowed * threshold)
    )
    cutoff = pd.Timestamp(window_end) - pd.DateOffset(months=no_visit_months)
    last = pd.to_datetime(aligned[ENTITY_LAST_SERVICE])
    stale = last.isna() | (last < cutoff)
    rows = []
    for row, is_thin, is_stale in zip(
        aligned.to_dict("records"), thin.tolist(), stale.tolist(), strict=True
    ):
        reasons = []
        if is_thin:
            reasons.append(
                f"{row[COMPETITOR] or 'another entity'} has ${Decimal(row[COMPETITOR_ALLOWED]):,.2f} "
                f"of primary care charges against the entity's ${Decimal(row[ENTITY_ALLOWED]):,.2f}"
            )
        if is_stale:
            seen = row[ENTITY_LAST_SERVICE]
            reasons.append(
                f"no primary care visit with the entity since {pd.Timestamp(seen).date():%Y-%m-%d}"
                f" (the run's claims end {window_end:%Y-%m-%d})"
                if seen is not None and not pd.isna(seen)
                else "no primary care visit with the entity on the run's claims"
            )
        if reasons:
            rows.append({c.BENEFICIARY_ID: row[c.BENEFICIARY_ID], c.DETAIL: "; ".join(reasons)})
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def risk_tiers(*, scores: pd.DataFrame, cuts: tuple[tuple[str, Decimal], ...]) -> pd.DataFrame:
    """The tier of each beneficiary's risk score: the first (name, lower bound) in `cuts`, highest
    bound first, that the raw score reaches; "low" below them all.

    Input `scores`: [beneficiary_id, raw_score]. Output: [beneficiary_id, tier].
    """
    tiers = []
    for score in scores[RAW_SCORE].map(Decimal):
        tiers.append(next((name for name, bound in cuts if score >= bound), "low"))
    return pd.DataFrame({c.BENEFICIARY_ID: scores[c.BENEFICIARY_ID].to_numpy(), TIER: tiers})
