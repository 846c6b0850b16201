"""Benchmark-year populations from the alignment engine, with the CURRENT participant list.

MSSP (42 CFR 425.652(a), domain.md 2 step 1): the benchmark population of each benchmark year is
the beneficiaries who would have been assigned to the ACO in that year, using the ACO's current
participant TINs and the assignment method chosen for PY1. ACO REACH (domain.md 4.1.1): the
beneficiaries who would have been claims-aligned in BY2017-2019, recomputed every performance
year for the current Participant Provider list.

The alignment app's run API (`alignment_run_create`) cannot express this: it takes the
participant list as of the run's own year and refuses years before 2024, and a run stored for a
benchmark year would become that year's aligned population for every other reader
(`aligned_beneficiaries`). So the benchmark asks the alignment app for the engine's population of the
benchmark year with the current participant list (`alignment.services.benchmark_years`), and
records the lineage of each such run with the calculation (`BenchmarkYearPopulation`): engine and parameters version, windows, the participant
list's date, digest and size, the claims snapshot and deliveries read, and counts by step and
reason.

A roster is used only when the caller asks for it (`population="cclf8_roster"`): the calculation
then says so for every benchmark year.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from alignment.services.benchmark_years import YearAlignment, alignment_for_benchmark_year

ALIGNMENT = "alignment_engine"
ROSTER = "cclf8_roster"
POPULATION_CHOICES = (ALIGNMENT, ROSTER)


def participants_day(*, performance_year: int) -> date:
    """The day the current participant list is read: January 1 of the performance year, the
    day a performance year's participant list takes effect (domain.md 2 step 1 "current
    participant TINs"; 4.1.1 "current Participant Provider list")."""
    return date(performance_year, 1, 1)


def benchmark_year_alignment(
    *, entity: Any, year: int, performance_year: int, agreement_start_year: int | None = None
) -> YearAlignment:
    """The alignment engine's population for benchmark year `year`, with the participant list in
    force on January 1 of `performance_year` (`participants_day`), through the alignment app's
    read API for benchmark years."""
    return alignment_for_benchmark_year(
        entity=entity,
        year=year,
        participants_as_of=participants_day(performance_year=performance_year),
        agreement_start_year=agreement_start_year,
    )
