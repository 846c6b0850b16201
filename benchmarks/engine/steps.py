"""Explainable calculations: every benchmark is a chain of steps, each with its inputs and outputs.

A `Figure` is one named number (for one enrollment type or benchmark group, or for everyone), with
its unit and, when it comes from reference data, the source CMS document and whether it is still
to be confirmed. A `Step` names the rule it applies. The chain is what the benchmark page shows and
what the CSV export writes, so it must hold every number the result depends on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

# Units used on figures
USD = "USD"
USD_PER_PERSON_YEAR = "USD per person-year"
USD_PBPM = "USD per beneficiary per month"
PERSON_YEARS = "person-years"
MEMBER_MONTHS = "member-months"
BENEFICIARIES = "beneficiaries"
RATIO = "ratio"
SHARE = "share"
SCORE = "risk score"
FLAG = "flag"
TEXT = "text"

FigureValue = Decimal | int | str | None


class BenchmarkDataError(ValueError):
    """The population or claims cannot support the calculation (e.g. a type missing in a BY)."""


# Weights entered as decimals of fractions (1/3, 1/6) cannot sum to exactly 1.
WEIGHT_TOLERANCE = Decimal("1e-12")


def check_weights(weights: list[Decimal], what: str) -> None:
    """Refuse weights that are negative or do not sum to 1."""
    if any(w < 0 for w in weights) or abs(sum(weights, Decimal(0)) - 1) > WEIGHT_TOLERANCE:
        raise BenchmarkDataError(
            f"The {what} {[str(w) for w in weights]} must be non-negative and sum to 1."
        )


@dataclass(frozen=True)
class Figure:
    name: str
    value: FigureValue
    segment: str = ""  # an enrollment type or REACH benchmark group; "" for the whole population
    unit: str = ""
    year: int | None = None
    source: str = ""
    to_confirm: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": None if self.value is None else str(self.value),
            "segment": self.segment,
            "unit": self.unit,
            "year": self.year,
            "source": self.source,
            "to_confirm": self.to_confirm,
        }


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    rule: str
    inputs: tuple[Figure, ...]
    outputs: tuple[Figure, ...]
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "rule": self.rule,
            "note": self.note,
            "inputs": [f.as_dict() for f in self.inputs],
            "outputs": [f.as_dict() for f in self.outputs],
        }

    def output(self, name: str, segment: str = "", year: int | None = None) -> FigureValue:
        """The value of one output figure (tests and the page read results this way)."""
        for figure in self.outputs:
            if (
                figure.name == name
                and figure.segment == segment
                and (year is None or figure.year == year)
            ):
                return figure.value
        raise KeyError(
            f"step {self.key!r} has no output {name!r} for {segment or 'all'!r} {year or ''}"
        )


@dataclass
class Chain:
    """Collects steps in order while an engine computes."""

    steps: list[Step] = field(default_factory=list)

    def add(
        self,
        key: str,
        title: str,
        rule: str,
        inputs: Iterable[Figure],
        outputs: Iterable[Figure],
        note: str = "",
    ) -> Step:
        step = Step(key, title, rule, tuple(inputs), tuple(outputs), note)
        self.steps.append(step)
        return step


@dataclass(frozen=True)
class SegmentBenchmark:
    """The updated benchmark of one enrollment type (MSSP) or benchmark group (REACH)."""

    segment: str
    member_months: int
    per_capita: Decimal  # USD per person-year, rounded to the cent
    total: Decimal  # per_capita x person-years (months / 12), rounded to the cent

    @property
    def person_years(self) -> Decimal:
        return Decimal(self.member_months) / 12


@dataclass(frozen=True)
class BenchmarkResult:
    """A finished benchmark: the figures settlement needs and the chain that explains them."""

    program: str
    performance_year: int
    method: str  # the methodology and version the engine implements
    segments: tuple[SegmentBenchmark, ...]
    member_months_by_enrollment_type: dict[str, int]
    total: Decimal  # the updated benchmark in total (REACH: before discount and quality withhold)
    member_months: int
    steps: tuple[Step, ...]
    # Program-specific totals (REACH: discount, quality withhold, ...)
    extras: dict[str, Decimal] = field(default_factory=dict)

    @property
    def person_years(self) -> Decimal:
        return Decimal(self.member_months) / 12

    @property
    def per_capita(self) -> Decimal:
        """total / person-years, exact (not rounded)."""
        return self.total * 12 / self.member_months if self.member_months else Decimal(0)

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(f"no step {key!r}")
