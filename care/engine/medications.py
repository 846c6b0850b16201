"""A person's medications from Part D prescription drug events (CCLF7): per drug the last fill
and its days' supply, and per chronic drug class the refill gaps and the proportion of days
covered.

Proportion of days covered (PDC) follows the Pharmacy Quality Alliance definition that CMS's
Part D Star Ratings adherence measures use (Medicare Part D Star Ratings Technical Notes,
measures D08-D10, "Medication Adherence", citing the PQA PDC measures):

- the measurement period is the calendar year; here the year of the data date, to that date
  (year to date), or to the date of death;
- the treatment period starts on the first fill of a drug of the class in the measurement
  period (the index prescription start date) and runs to the period's end;
- a person is measured only with at least two fills of the class on different dates in the
  period;
- each day of the treatment period is covered when a fill's days' supply covers it; when fills
  of the same drug overlap, the later fill starts the day after the earlier one runs out (an
  early refill); the same drug is the same active ingredient (PQA's reference cases carry an
  early refill of metformin forward, and not one of metformin beside glipizide), whichever
  package or labeler's NDC was dispensed; supply past the period's end is not counted;
- PDC = covered days / days in the treatment period; 80% or more is adherent (the PQA
  threshold).

Days not covered are the gap days. Pure Python: the caller reads the fills and names the drugs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ADHERENT_PDC = Decimal("0.80")  # PQA threshold


@dataclass(frozen=True)
class Fill:
    ndc: str
    fill_date: date
    days_supply: int
    quantity: Decimal | None = None
    prescriber: str = ""


@dataclass(frozen=True)
class DrugInfo:
    name: str
    drug_class: str  # "" for a drug the platform does not treat as a chronic medication
    ingredient: str = ""  # the active ingredient ("" : each NDC counts as its own drug)


@dataclass(frozen=True)
class Adherence:
    """One chronic drug class's refill record in the measurement period."""

    drug_class: str
    period_start: date
    period_end: date
    fills: int
    treatment_start: date | None
    treatment_days: int
    covered_days: int
    pdc: Decimal | None  # None with fewer than two fills on different dates
    supply_through: date | None  # the last day the fills so far cover (all fills, shifted)

    @property
    def gap_days(self) -> int:
        return self.treatment_days - self.covered_days

    @property
    def adherent(self) -> bool | None:
        return None if self.pdc is None else self.pdc >= ADHERENT_PDC

    @property
    def pdc_percent(self) -> Decimal | None:
        if self.pdc is None:
            return None
        return (self.pdc * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)

    def days_without_supply(self, as_of: date) -> int:
        """Days from the day after the supply ran out to `as_of` (0 while covered)."""
        if self.supply_through is None or self.supply_through >= as_of:
            return 0
        return (as_of - self.supply_through).days


@dataclass(frozen=True)
class Medication:
    """One drug (NDC) on the person's fills."""

    ndc: str
    name: str
    drug_class: str
    last_fill: date
    days_supply: int
    quantity: Decimal | None
    prescriber: str
    fills: int  # fills on file
    adherence: Adherence | None = field(default=None)


def _covered(
    fills: Iterable[Fill], start: date, end: date, same_drug: Mapping[str, str] | None = None
) -> tuple[int, date | None]:
    """How many days of [start, end] `fills` (several drugs of one class) cover, each drug's
    overlapping fills shifted forward (`same_drug`: NDC -> its ingredient; an NDC it does not
    name is a drug of its own); and the last day covered counting all supply."""
    spans: list[tuple[date, date]] = []
    by_drug: dict[str, list[Fill]] = defaultdict(list)
    for f in fills:
        by_drug[(same_drug or {}).get(f.ndc) or f.ndc].append(f)
    for drug_fills in by_drug.values():
        next_free: date | None = None
        for f in sorted(drug_fills, key=lambda x: x.fill_date):
            begin = f.fill_date if next_free is None else max(f.fill_date, next_free)
            stop = begin + timedelta(days=max(f.days_supply, 1) - 1)
            next_free = stop + timedelta(days=1)
            spans.append((begin, stop))
    last = max((stop for _, stop in spans), default=None)
    # The union of the spans (drugs of one class overlapping count once), clipped to the period.
    covered, reach = 0, start - timedelta(days=1)
    for begin, stop in sorted(spans):
        begin, stop = max(begin, reach + timedelta(days=1)), min(stop, end)
        if begin <= stop:
            covered += (stop - begin).days + 1
            reach = stop
    return covered, last


def class_adherence(
    fills: list[Fill],
    *,
    drug_class: str,
    as_of: date,
    death: date | None = None,
    same_drug: Mapping[str, str] | None = None,
) -> Adherence:
    """The PDC of one drug class's `fills` in the calendar year of `as_of`, to `as_of` (or the
    date of death, if earlier); `same_drug` maps each NDC to its active ingredient."""
    period_start = date(as_of.year, 1, 1)
    period_end = min(as_of, death) if death else as_of
    in_period = [f for f in fills if period_start <= f.fill_date <= period_end]
    _, supply_through = _covered(
        [f for f in fills if f.fill_date <= period_end], as_of, as_of, same_drug
    )
    if not in_period:
        return Adherence(drug_class, period_start, period_end, 0, None, 0, 0, None, supply_through)
    start = min(f.fill_date for f in in_period)
    covered, _ = _covered(in_period, start, period_end, same_drug)
    treatment_days = (period_end - start).days + 1
    distinct = len({f.fill_date for f in in_period})
    pdc = (
        (Decimal(covered) / Decimal(treatment_days)).quantize(Decimal("0.0001"))
        if distinct >= 2
        else None
    )
    return Adherence(
        drug_class,
        period_start,
        period_end,
        len(in_period),
        start,
        treatment_days,
        covered,
        pdc,
        supply_through,
    )


def medication_list(
    fills: list[Fill], *, drugs: Mapping[str, DrugInfo], as_of: date, death: date | None = None
) -> list[Medication]:
    """The person's drugs, chronic classes first (by class, then name), each with its last fill
    on or before `as_of` and, for a chronic drug, its class's adherence."""
    fills = [f for f in fills if f.fill_date <= as_of]
    by_class: dict[str, list[Fill]] = defaultdict(list)
    by_ndc: dict[str, list[Fill]] = defaultdict(list)
    for f in fills:
        by_ndc[f.ndc].append(f)
        info = drugs.get(f.ndc)
        if info and info.drug_class:
            by_class[info.drug_class].append(f)
    same_drug = {ndc: info.ingredient for ndc, info in drugs.items() if info.ingredient}
    adherence = {
        cls: class_adherence(group, drug_class=cls, as_of=as_of, death=death, same_drug=same_drug)
        for cls, group in by_class.items()
    }
    out = []
    for ndc, group in by_ndc.items():
        last = max(group, key=lambda f: f.fill_date)
        info = drugs.get(ndc, DrugInfo(name="", drug_class=""))
        out.append(
            Medication(
                ndc=ndc,
                name=info.name,
                drug_class=info.drug_class,
                last_fill=last.fill_date,
                days_supply=last.days_supply,
                quantity=last.quantity,
                prescriber=last.prescriber,
                fills=len(group),
                adherence=adherence.get(info.drug_class),
            )
        )
    return sorted(out, key=lambda m: (m.drug_class == "", m.drug_class, m.name or m.ndc))
