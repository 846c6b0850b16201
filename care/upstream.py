"""The seam to modules being built beside this one (alignment, risk, benchmarks, settlement).

Each function returns what that module has for the page, or None when the module has no
selector for it yet; the page then says the section is not available. Nothing here makes up a
number: a missing module shows as missing.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any


def _selector(module: str, name: str) -> Any:
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def alignment_summary(*, entity: Any) -> Any:
    """Aligned now and by month, changes since the last run (alignment.selectors)."""
    func = _selector("alignment.selectors", "alignment_summary")
    return func(entity=entity) if func else None


def alignment_history(*, beneficiary: Any) -> Any:
    func = _selector("alignment.selectors", "beneficiary_alignment_history")
    return func(beneficiary=beneficiary) if func else None


def risk_profile(*, user: Any, beneficiary: Any, year: int) -> dict[str, Any] | None:
    """The beneficiary's latest risk score with its HCCs and the diagnoses behind them, and the
    HCCs of last year's diagnoses not yet seen this year (benchmarks.selectors)."""
    scores = _selector("benchmarks.selectors", "beneficiary_risk")
    recapture = _selector("benchmarks.selectors", "recapture_gaps")
    if scores is None:
        return None
    latest = list(scores(user=user, beneficiary_id=beneficiary.pk)[:1])
    if not latest:
        return None
    gaps = (
        list(
            recapture(
                user=user, entity=beneficiary.entity, year=year, beneficiary_id=beneficiary.pk
            )
        )
        if recapture
        else []
    )
    return {"score": latest[0], "recapture": gaps, "year": year}


def pmpm_summary(*, entity: Any) -> Any:
    func = _selector("benchmarks.selectors", "pmpm_vs_benchmark")
    return func(entity=entity) if func else None


def savings_projection(*, user: Any, entity: Any) -> dict[str, Any] | None:
    """The latest projected settlement with a band (settlement.selectors), drawn by the
    settlement app's own band chart."""
    run_list = _selector("settlement.selectors", "settlement_run_list")
    band_chart = _selector("settlement.charts", "band_chart")
    if run_list is None or band_chart is None:
        return None
    run = (
        run_list(user=user, entity=entity)
        .filter(kind="projection")
        .exclude(band={})
        .order_by("-performance_year", "-version")
        .first()
    )
    if run is None:
        return None
    return {"projection": run, "chart": band_chart(run.band)}


def recapture_gaps(*, user: Any, entity: Any, year: int) -> list[Any]:
    """HCCs of last year's diagnoses not yet seen this year, for the whole entity."""
    func = _selector("benchmarks.selectors", "recapture_gaps")
    if func is None:
        return []
    return list(func(user=user, entity=entity, year=year).select_related("risk_score"))
