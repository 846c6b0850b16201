"""Reads of stored quality measures, scoped to the user's entities."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from quality.models import MeasureCase, MeasureEvent, MeasureResult, MeasureRun


def latest_run(*, entity: Any, year: int | None = None) -> MeasureRun | None:
    """The entity's newest run (of the year, when given)."""
    runs = MeasureRun.objects.filter(entity=entity)
    if year is not None:
        runs = runs.filter(performance_year=year)
    return runs.order_by("-performance_year", "-as_of", "-created_at").first()


def run_years(*, entity: Any) -> list[int]:
    years = MeasureRun.objects.filter(entity=entity).values_list("performance_year", flat=True)
    return sorted(set(years), reverse=True)


def run_history(*, entity: Any, year: int) -> QuerySet[MeasureRun]:
    return MeasureRun.objects.filter(entity=entity, performance_year=year).order_by("-created_at")


def result_for_user(*, user: Any, entity: Any, result_id: int) -> MeasureResult:
    result = (
        MeasureResult.objects.for_user(user)
        .select_related("run")
        .filter(pk=result_id, run__entity=entity)
        .first()
    )
    if result is None:
        raise Http404("No such measure result.")
    return result


def provider_breakdown(*, result: MeasureResult) -> list[dict[str, Any]]:
    """The result's cases by the TIN and NPI their beneficiaries are aligned through, largest
    contribution to the numerator first: who drives the rate (the cases the rate counts: not
    those whose window is still open)."""
    rows = (
        MeasureCase.objects.filter(result=result, window_complete=True)
        .values("tin", "npi")
        .annotate(cases=Count("id"), outcome=Sum("outcome"), exposure=Sum("exposure"))
        .order_by("-outcome", "-cases", "tin", "npi")
    )
    found = [dict(row) for row in rows[:25]]
    # The practice and clinician by name from the participant registry (codes carry their
    # meaning); a TIN or NPI outside it (an outside practice) stays a number.
    from entities.models import ParticipantOrganization, Provider

    tins = dict(
        ParticipantOrganization.objects.filter(tin__in={r["tin"] for r in found}).values_list(
            "tin", "legal_name"
        )
    )
    npis = dict(
        Provider.objects.filter(npi__in={r["npi"] for r in found}).values_list("npi", "name")
    )
    for row in found:
        row["tin_name"] = tins.get(str(row["tin"]), "")
        row["npi_name"] = npis.get(str(row["npi"]), "")
    return found


def result_cases(*, result: MeasureResult, outcome_only: bool = False) -> QuerySet[MeasureCase]:
    cases = MeasureCase.objects.filter(result=result).select_related("beneficiary")
    if outcome_only:
        cases = cases.filter(outcome__gt=0)
    return cases.order_by("-outcome", "event_end", "id")


def result_events(*, result: MeasureResult) -> QuerySet[MeasureEvent]:
    return (
        MeasureEvent.objects.filter(result=result)
        .select_related("beneficiary")
        .order_by("start", "id")
    )


UNIT_LABELS = {
    "percent": "%",
    "per_100_person_years": "per 100 person-years",
    "days_per_person_year": "days per person-year",
}


def quarters_with_claims_reach(*, result: Any) -> list[dict[str, Any]]:
    """The result's quarters, each marked `open` when the claims the measure was computed from
    (its run's as-of date) do not yet cover it: the quarter ends after that date, or one of its
    cases' outcome windows (30 days after a discharge, the follow-up window after an event) does.
    An open quarter's rate is not final: its late outcomes are not in the claims yet."""
    as_of = result.run.as_of
    year = result.run.performance_year
    windows: dict[str, Any] = {}
    if result.unit == "percent":
        for event_end, window_end in MeasureCase.objects.filter(result=result).values_list(
            "event_end", "window_end"
        ):
            if event_end is None or window_end is None:
                continue
            label = f"Q{(event_end.month - 1) // 3 + 1}"
            windows[label] = max(windows.get(label, window_end), window_end)
    out = []
    for quarter in result.quarters:
        number = int(str(quarter["quarter"]).lstrip("Q"))
        ends = date(year, 12, 31) if number == 4 else date(year, 3 * number + 1, 1) - timedelta(1)
        reaches = max(ends, windows.get(str(quarter["quarter"]), ends))
        out.append({**quarter, "ends": ends, "open": reaches > as_of, "reaches": reaches})
    return out


def open_window_count(*, result: MeasureResult) -> int:
    """A result computed before open windows were left out of the rate: its counted cases with no
    outcome so far whose window runs past the claims the run read (their outcome could still
    arrive). 0 for a result of the current rule, whose open cases are `result.open_cases`."""
    if result.unit != "percent":
        return 0
    return MeasureCase.objects.filter(
        result=result, window_complete=True, outcome=0, window_end__gt=result.run.as_of
    ).count()


def reach_withhold(*, entity: Any, year: int | None) -> dict[str, Any] | None:
    """The ACO REACH quality withhold of the year, from the settlement parameter table, with its
    source and whether it is still to confirm (the same for Global and Professional)."""
    from settlement.engine.errors import ParameterError
    from settlement.engine.parameters import ReachArrangement
    from settlement.parameters import load_parameter_book

    if year is None or entity.program.code != "reach":
        return None
    try:
        params = load_parameter_book().reach_arrangement(year, ReachArrangement.GLOBAL)
    except ParameterError:
        return None
    return {
        "rate": params.quality_withhold_rate,
        "source": params.source("quality_withhold_rate"),
        "to_confirm": params.to_confirm("quality_withhold_rate"),
    }
