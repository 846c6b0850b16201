"""ACO REACH quality beyond the measures: what CMS's published texts say about the Total Quality
Score, and the year-over-year comparison of the claims-based measures that CMS's continuous
improvement / sustained exceptional performance (CI/SEP) criteria look at, as observed here.

What CMS's texts establish (and what this module relies on):

- ACO REACH Model Request for Applications (CMS Innovation Center, 2022), Table 6.16: PY2021-PY2022
  a 5% quality withhold (4% pay-for-reporting, 1% pay-for-performance) with no CI/SEP criteria or
  High Performers Pool (HPP) bonus; PY2023 a 2% withhold, all pay-for-performance, earned back on
  the quality performance score and, for ACOs that began participation in PY2021 or PY2022, the
  CI/SEP criteria; an ACO that meets the CI/SEP criteria is eligible for consideration for the HPP
  bonus.
- ACO REACH Model 2023 Quality Performance Report (CMS), notes 1, 2, 5 and 6: the CI/SEP and HPP
  criteria are based on the three claims-based measures (ACR, UAMCC, and TFU for Standard and New
  Entrant ACOs or DAH for High Needs Population ACOs); for PY2023 the CI/SEP criteria apply only
  to ACOs that began participating before PY2023; the claims-based Quality Measure Scores are
  based on the beneficiaries aligned with one or more months of model eligibility in the year;
  continuous improvement compares performance between performance years on standardized score
  components, except TFU, which is not risk adjusted.

What they do not establish, so nothing here computes it: the distribution each Quality Measure
Score is ranked against, how percentile ranks become points and the Total Quality Score (the
measures' weights), the CI/SEP thresholds and their effect on the score or the withhold, the
health data reporting adjustment and the HPP. Those are set in the ACO REACH Quality Measurement
Methodology (RTI International for CMS), whose text was not obtainable. The comparison below is
therefore information, never a CI/SEP determination: it sets the entity's observed rate of the
year beside its observed rate of the year before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from quality.engine.catalog import HIGH_NEEDS

RFA = "ACO REACH Model Request for Applications (CMS, 2022), Table 6.16"
QPR_2023 = "CMS, ACO REACH Model 2023 Quality Performance Report"

# The measures the CI/SEP and HPP criteria are based on, by REACH ACO type (QPR_2023 note 1).
CI_SEP_MEASURES = ("ACR", "UAMCC", "TFU")
CI_SEP_MEASURES_HIGH_NEEDS = ("ACR", "UAMCC", "DAH")
# Not risk adjusted: CMS's continuous-improvement comparison uses the measure score itself
# (QPR_2023 note 6); for the others CMS compares standardized score components.
NOT_RISK_ADJUSTED = frozenset({"TFU"})
FIRST_CI_SEP_YEAR = 2023  # RFA: no CI/SEP criteria or HPP bonus in PY2021-PY2022

BETTER, WORSE, UNCHANGED = "better", "worse", "unchanged"


def ci_sep_measures(entity_type: str) -> tuple[str, ...]:
    """The claims-based measures the CI/SEP criteria are based on for a REACH ACO type."""
    return CI_SEP_MEASURES_HIGH_NEEDS if entity_type == HIGH_NEEDS else CI_SEP_MEASURES


@dataclass(frozen=True)
class YearRate:
    """One measure's observed rate in one computation of a performance year."""

    code: str
    title: str
    unit: str  # "percent" | "per_100_person_years" | "days_per_person_year"
    lower_is_better: bool
    year: int
    as_of: date  # the claims data date the computation read
    rate: Decimal | None
    lower: Decimal | None = None
    upper: Decimal | None = None

    @property
    def year_to_date(self) -> bool:
        """The computation read claims through a date before the year's last day."""
        return self.as_of < date(self.year, 12, 31)


@dataclass(frozen=True)
class YearChange:
    code: str
    title: str
    unit: str
    lower_is_better: bool
    current: YearRate | None
    prior: YearRate | None
    change: Decimal | None  # current - prior, in the measure's unit (percentage points for %)
    direction: str | None  # "better" | "worse" | "unchanged", observed; None when not comparable
    cms_compares: str  # what CMS's continuous-improvement comparison uses for this measure
    note: str  # why there is no change, or what limits it ("" when nothing)


@dataclass(frozen=True)
class YearOverYear:
    year: int
    lines: list[YearChange]
    notes: list[str] = field(default_factory=list)


def _direction(change: Decimal, lower_is_better: bool) -> str:
    if change == 0:
        return UNCHANGED
    return BETTER if (change < 0) == lower_is_better else WORSE


def _line(code: str, current: YearRate | None, prior: YearRate | None, year: int) -> YearChange:
    known = current or prior
    title = known.title if known else code
    unit = known.unit if known else ""
    lower_is_better = known.lower_is_better if known else True
    cms_compares = (
        "the measure score itself (not risk adjusted)"
        if code in NOT_RISK_ADJUSTED
        else "standardized score components (risk-adjusted, not computed here)"
    )
    change = direction = None
    note = ""
    if current is None or current.rate is None:
        note = f"no PY{year} rate computed"
    elif prior is None or prior.rate is None:
        note = f"no PY{year - 1} rate computed"
    else:
        change = current.rate - prior.rate
        direction = _direction(change, lower_is_better)
        partial = [r for r in (prior, current) if r.year_to_date]
        if partial:
            note = "; ".join(
                f"PY{r.year} is year to date (claims through {r.as_of:%Y-%m-%d})" for r in partial
            )
    return YearChange(
        code, title, unit, lower_is_better, current, prior, change, direction, cms_compares, note
    )


def year_over_year(
    *,
    year: int,
    entity_type: str,
    current: Mapping[str, YearRate],
    prior: Mapping[str, YearRate],
) -> YearOverYear:
    """Each CI/SEP measure's observed rate of `year` beside that of `year - 1`, with the change and
    whether it moved in the measure's better direction. Information only: CMS decides CI/SEP on
    its own (risk-standardized) scores against thresholds the published texts do not give."""
    measures: Sequence[str] = ci_sep_measures(entity_type)
    lines = [_line(code, current.get(code), prior.get(code), year) for code in measures]
    notes = [
        f"The CI/SEP and High Performers Pool criteria are based on these claims-based measures "
        f"({QPR_2023}, note 1)",
        "CMS compares performance between years on standardized score components, except TFU, "
        f"which is not risk adjusted ({QPR_2023}, note 6); the rates here are observed from the "
        "claims, so a change here is not CMS's change, and the thresholds CMS applies are not "
        "in the published texts",
    ]
    if year < FIRST_CI_SEP_YEAR:
        notes.append(f"PY{year} has no CI/SEP criteria or High Performers Pool bonus ({RFA})")
    elif year == FIRST_CI_SEP_YEAR:
        notes.append(
            "For PY2023 the CI/SEP criteria apply only to ACOs that began participating before "
            f"PY2023 ({QPR_2023}, note 2; {RFA})"
        )
    return YearOverYear(year, lines, notes)
