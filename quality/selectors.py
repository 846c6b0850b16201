"""Reads of stored quality measures, scoped to the user's entities."""

from __future__ import annotations

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
    contribution to the numerator first: who drives the rate."""
    rows = (
        MeasureCase.objects.filter(result=result)
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
