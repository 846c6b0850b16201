"""Pure engine of the claims-based quality measures: pandas and numpy only, no Django, DRF or
Celery.

Entry points: `compute` (one measure by its code), or the measure functions themselves:
`readmission.readmission_rate` (ACR, 479), `admissions.admission_rate` (UAMCC, 484),
`followup.timely_follow_up` (TFU), `days_at_home.days_at_home` (DAH). `catalog.measures_for` says
which measures a program year uses. Code lists are versioned data in `valuesets/`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from quality.engine.result import MeasureResult


def compute(
    code: str,
    *,
    year: int,
    population: pd.DataFrame,
    claims: pd.DataFrame,
    diagnoses: pd.DataFrame | None = None,
    procedures: pd.DataFrame | None = None,
    revenue: pd.DataFrame | None = None,
    as_of: pd.Timestamp | None = None,
) -> MeasureResult:
    """One measure for one year from the entity's claims frames (see each module for columns).
    `as_of`, the claims data date: the readmission and follow-up rates count only the cases
    whose outcome window is over by then (None: every case)."""
    import pandas as pd

    from quality.engine.admissions import admission_rate
    from quality.engine.catalog import measure
    from quality.engine.days_at_home import days_at_home
    from quality.engine.followup import timely_follow_up
    from quality.engine.readmission import readmission_rate
    from quality.engine.stays import with_claim_columns

    claims = with_claim_columns(claims)
    kind = measure(code).kind
    if kind == "readmission":
        return readmission_rate(
            code=code,
            year=year,
            population=population,
            claims=claims,
            procedures=procedures,
            as_of=as_of,
        )
    if kind == "admissions":
        return admission_rate(
            code=code,
            year=year,
            population=population,
            claims=claims,
            diagnoses=diagnoses if diagnoses is not None else pd.DataFrame(),
            procedures=procedures,
        )
    if kind == "follow_up":
        return timely_follow_up(
            year=year, population=population, claims=claims, revenue=revenue, as_of=as_of
        )
    return days_at_home(year=year, population=population, claims=claims, revenue=revenue)
