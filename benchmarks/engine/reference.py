"""Reference values: what only CMS can give an entity, and the program parameters, with sources.

Every value is keyed by (name, year, segment). The year is the year of the CSV it was uploaded in
(a benchmark year for truncation thresholds, the performance year for nearly everything else; the
catalogue below says which). The segment is an enrollment type, a REACH benchmark group, or ""
for a value that holds for every segment. A value marked [R] or [3P] in domain.md, or otherwise
not yet checked against the CMS document, carries `to_confirm=True` and is flagged where it is
shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from benchmarks.engine import columns as c
from benchmarks.engine.steps import Figure

MSSP = "mssp"
REACH = "reach"

# Status vocabulary (domain.md section 0); "cms" marks a value copied from a CMS report or rate book.
CONFIRMED_STATUSES = {"V", "cms"}
STATUSES = ("V", "R", "3P", "cms", "demo")

PERFORMANCE_YEAR = "performance year"
BENCHMARK_YEAR = "benchmark year"

SEGMENTS = ("", *c.ENROLLMENT_TYPES, c.AGED_DISABLED)


@dataclass(frozen=True)
class ReferenceName:
    name: str
    description: str
    unit: str
    programs: tuple[str, ...]
    year: str = PERFORMANCE_YEAR  # which year's CSV holds it
    entity_specific: bool = False  # CMS gives it per entity (regional rates, penetration, ...)


def _names(*items: ReferenceName) -> dict[str, ReferenceName]:
    return {item.name: item for item in items}


BOTH = (MSSP, REACH)
CATALOGUE: dict[str, ReferenceName] = _names(
    # CMS-HCC model blend by payment year (domain.md 6.1, 2.11, 4.1.3)
    ReferenceName(
        "hcc_weight_v24", "Weight of CMS-HCC V24 in the payment-year blend", "share", BOTH
    ),
    ReferenceName(
        "hcc_weight_v28", "Weight of CMS-HCC V28 in the payment-year blend", "share", BOTH
    ),
    ReferenceName(
        "hcc_weight_esrd_v21",
        "Weight of the CMS-HCC ESRD V21 model for ESRD beneficiaries",
        "share",
        BOTH,
    ),
    ReferenceName(
        "hcc_weight_esrd_v24",
        "Weight of the CMS-HCC ESRD V24 model for ESRD beneficiaries",
        "share",
        BOTH,
    ),
    # Expenditures
    ReferenceName(
        "truncation_threshold",
        "99th percentile of national FFS per-capita expenditures for assignable beneficiaries",
        "USD per person-year",
        BOTH,
        year=BENCHMARK_YEAR,
    ),
    ReferenceName(
        "truncate_expenditures", "1 when beneficiary expenditures are truncated", "flag", (REACH,)
    ),
    # Normalization of the scores used in the calculation for a performance year
    *(
        ReferenceName(
            f"normalization_factor_{when}",
            f"Normalization factor of the {label} risk scores (score / factor)",
            "ratio",
            BOTH,
        )
        for when, label in (
            ("by1", "BY1"),
            ("by2", "BY2"),
            ("by3", "BY3"),
            ("py", "performance-year"),
        )
    ),
    # MSSP historical benchmark (domain.md 2)
    *(
        ReferenceName(
            f"by{i}_weight_first_period",
            f"Weight of BY{i}, first agreement period",
            "share",
            (MSSP,),
        )
        for i in (1, 2, 3)
    ),
    *(
        ReferenceName(
            f"by{i}_weight_renewing",
            f"Weight of BY{i}, renewing or re-entering ACO",
            "share",
            (MSSP,),
        )
        for i in (1, 2, 3)
    ),
    ReferenceName(
        "trend_by1_to_by3",
        "National-regional blended growth factor BY1 to BY3",
        "ratio",
        (MSSP,),
        entity_specific=True,
    ),
    ReferenceName(
        "trend_by2_to_by3",
        "National-regional blended growth factor BY2 to BY3",
        "ratio",
        (MSSP,),
        entity_specific=True,
    ),
    ReferenceName(
        "national_per_capita_by3",
        "National per-capita FFS expenditure for assignable beneficiaries in BY3",
        "USD per person-year",
        (MSSP,),
    ),
    ReferenceName(
        "regional_per_capita_by3",
        "Risk-adjusted regional per-capita FFS expenditure in the ACO's regional service area, BY3",
        "USD per person-year",
        (MSSP,),
        entity_specific=True,
    ),
    ReferenceName(
        "regional_weight_positive_period_1",
        "Regional adjustment weight, lower-spending ACO, first agreement period",
        "share",
        (MSSP,),
    ),
    ReferenceName(
        "regional_weight_positive_period_2_plus",
        "Regional adjustment weight, lower-spending ACO, later periods",
        "share",
        (MSSP,),
    ),
    ReferenceName(
        "regional_weight_negative_period_1",
        "Regional adjustment weight, higher-spending ACO, first period",
        "share",
        (MSSP,),
    ),
    ReferenceName(
        "regional_weight_negative_period_2",
        "Regional adjustment weight, higher-spending ACO, second period",
        "share",
        (MSSP,),
    ),
    ReferenceName(
        "regional_weight_negative_period_3",
        "Regional adjustment weight, higher-spending ACO, third period",
        "share",
        (MSSP,),
    ),
    ReferenceName(
        "regional_weight_negative_period_4_plus",
        "Regional adjustment weight, higher-spending ACO, fourth and later",
        "share",
        (MSSP,),
    ),
    ReferenceName(
        "regional_cap_positive_pct",
        "Cap on a positive regional adjustment, share of national per capita",
        "share",
        (MSSP,),
    ),
    ReferenceName(
        "regional_cap_negative_pct",
        "Cap on a negative regional adjustment, share of national per capita",
        "share",
        (MSSP,),
    ),
    ReferenceName(
        "regional_negative_scale",
        "Scale on a negative regional adjustment for ACOs serving dual/high-risk beneficiaries",
        "ratio",
        (MSSP,),
        entity_specific=True,
    ),
    ReferenceName(
        "regional_no_overall_negative",
        "1 when an overall negative regional adjustment is set to zero",
        "flag",
        (MSSP,),
    ),
    ReferenceName(
        "psa_share",
        "Share of average per-capita savings in the prior savings adjustment",
        "share",
        (MSSP,),
    ),
    ReferenceName(
        "psa_cap_pct",
        "Cap on the prior savings adjustment, share of national per capita",
        "share",
        (MSSP,),
    ),
    *(
        ReferenceName(
            f"prior_savings_per_capita_by{i}",
            f"Per-capita savings (negative: losses) of the ACO in BY{i}",
            "USD per person-year",
            (MSSP,),
            entity_specific=True,
        )
        for i in (1, 2, 3)
    ),
    ReferenceName(
        "national_growth_factor",
        "National FFS growth factor BY3 to the performance year",
        "ratio",
        (MSSP,),
    ),
    ReferenceName(
        "regional_growth_factor",
        "Regional FFS growth factor BY3 to the performance year",
        "ratio",
        (MSSP,),
        entity_specific=True,
    ),
    ReferenceName(
        "regional_penetration",
        "The ACO's share of assignable beneficiaries in its regional service area (national weight)",
        "share",
        (MSSP,),
        entity_specific=True,
    ),
    ReferenceName(
        "acpt_factor",
        "Accountable Care Prospective Trend, BY3 to the performance year",
        "ratio",
        (MSSP,),
    ),
    ReferenceName("acpt_weight", "Weight of the ACPT in the annual update", "share", (MSSP,)),
    ReferenceName(
        "risk_growth_cap_pct", "Cap on aggregate risk-score growth from BY3", "share", (MSSP,)
    ),
    ReferenceName(
        "risk_cap_demographic_adjusted",
        "1 when the cap adds the ACO's demographic risk-score growth",
        "flag",
        (MSSP,),
    ),
    # ACO REACH benchmark (domain.md 4.1)
    *(
        ReferenceName(f"by{i}_weight", f"Weight of benchmark year {i}", "share", (REACH,))
        for i in (1, 2, 3)
    ),
    *(
        ReferenceName(
            f"trend_factor_by{i}",
            f"Adjusted USPCC trend from benchmark year {i} to the performance year",
            "ratio",
            (REACH,),
        )
        for i in (1, 2, 3)
    ),
    ReferenceName(
        "reference_year_risk_score",
        "Normalized risk score of the reference year (2022) for the cap",
        "risk score",
        (REACH,),
        entity_specific=True,
    ),
    ReferenceName(
        "risk_cap_pct",
        "Symmetric cap on normalized risk-score growth from the reference year",
        "share",
        (REACH,),
    ),
    ReferenceName(
        "risk_score_2019",
        "Normalized 2019 risk score for the PY2026 asymmetric cap",
        "risk score",
        (REACH,),
        entity_specific=True,
    ),
    ReferenceName(
        "risk_cap_2019_pct", "Asymmetric cap on risk growth from 2019 (PY2026)", "share", (REACH,)
    ),
    ReferenceName(
        "coding_intensity_factor",
        "Coding intensity factor (reduction of the risk score)",
        "share",
        (REACH,),
    ),
    ReferenceName(
        "regional_rate",
        "Regional rate (risk score 1.0) for the DCE's counties",
        "USD per beneficiary per month",
        (REACH,),
        entity_specific=True,
    ),
    ReferenceName(
        "blend_historical_weight",
        "Weight of the historical baseline in the blend",
        "share",
        (REACH,),
    ),
    ReferenceName(
        "blend_regional_weight", "Weight of the regional rate in the blend", "share", (REACH,)
    ),
    ReferenceName(
        "blend_ceiling_pct",
        "Ceiling on the blend adjustment, share of the adjusted FFS USPCC",
        "share",
        (REACH,),
    ),
    ReferenceName(
        "blend_floor_pct",
        "Floor on the blend adjustment, share of the adjusted FFS USPCC",
        "share",
        (REACH,),
    ),
    ReferenceName(
        "adjusted_uspcc",
        "Adjusted FFS USPCC for the performance year",
        "USD per beneficiary per month",
        (REACH,),
    ),
    ReferenceName(
        "heba_top_decile_pbpm",
        "HEBA increase for top-decile beneficiaries",
        "USD per beneficiary per month",
        (REACH,),
    ),
    ReferenceName(
        "heba_bottom_deciles_pbpm",
        "HEBA amount (negative: a decrease) for bottom-five-decile beneficiaries",
        "USD per beneficiary per month",
        (REACH,),
    ),
    ReferenceName(
        "heba_top_decile_months",
        "Aligned member-months of top-decile beneficiaries",
        "member-months",
        (REACH,),
        entity_specific=True,
    ),
    ReferenceName(
        "heba_bottom_deciles_months",
        "Aligned member-months of bottom-five-decile beneficiaries",
        "member-months",
        (REACH,),
        entity_specific=True,
    ),
    ReferenceName(
        "rta_actual_trend",
        "Actual national reference population trend (RTA numerator)",
        "ratio",
        (REACH,),
    ),
    ReferenceName(
        "rta_prospective_trend",
        "Prospective adjusted USPCC trend (RTA denominator)",
        "ratio",
        (REACH,),
    ),
    ReferenceName(
        "rta_threshold_pct",
        "RTA applies only beyond this difference between the trends",
        "share",
        (REACH,),
    ),
    ReferenceName(
        "discount_pct_global", "Discount on the benchmark, Global arrangement", "share", (REACH,)
    ),
    ReferenceName(
        "discount_pct_professional",
        "Discount on the benchmark, Professional arrangement",
        "share",
        (REACH,),
    ),
    ReferenceName(
        "quality_withhold_pct", "Quality withhold, share of the benchmark", "share", (REACH,)
    ),
    # Year-to-date reporting
    *(
        ReferenceName(
            f"completion_factor_month_{m}",
            f"Completion factor for claims incurred in month {m} (ultimate / paid to date)",
            "ratio",
            BOTH,
        )
        for m in range(1, 13)
    ),
)


class MissingReference(LookupError):
    """A value the calculation needs is not in the reference data."""

    def __init__(self, name: str, year: int, segment: str) -> None:
        self.name, self.year, self.segment = name, year, segment
        where = f" for {c.SEGMENT_LABELS.get(segment, segment)}" if segment else ""
        super().__init__(
            f"Reference value {name!r} for {year}{where} is missing: upload it in the {year} "
            f"reference data (see the catalogue for its meaning)."
        )


@dataclass(frozen=True)
class ReferenceValue:
    name: str
    year: int
    segment: str
    value: Decimal
    source: str
    status: str = "cms"
    flagged: bool | None = None  # None: to confirm unless the status is a confirmed one

    @property
    def to_confirm(self) -> bool:
        return self.status not in CONFIRMED_STATUSES if self.flagged is None else self.flagged


class ReferenceTable:
    """Read-only lookup of reference values; a segment-specific value beats an all-segment one."""

    def __init__(self, values: Iterable[ReferenceValue]) -> None:
        self._values: dict[tuple[str, int, str], ReferenceValue] = {}
        for value in values:
            self._values[(value.name, value.year, value.segment)] = value

    def entry(self, name: str, year: int, segment: str = "") -> ReferenceValue:
        found = self.find(name, year, segment)
        if found is None:
            raise MissingReference(name, year, segment)
        return found

    def find(self, name: str, year: int, segment: str = "") -> ReferenceValue | None:
        if name not in CATALOGUE:
            raise KeyError(f"{name!r} is not a known reference value")
        return self._values.get((name, year, segment)) or self._values.get((name, year, ""))

    def value(self, name: str, year: int, segment: str = "") -> Decimal:
        return self.entry(name, year, segment).value

    def optional(self, name: str, year: int, segment: str = "") -> Decimal | None:
        found = self.find(name, year, segment)
        return None if found is None else found.value

    def figure(self, name: str, year: int, segment: str = "", *, unit: str | None = None) -> Figure:
        entry = self.entry(name, year, segment)
        return Figure(
            name=name,
            value=entry.value,
            segment=segment,
            unit=CATALOGUE[name].unit if unit is None else unit,
            year=year,
            source=entry.source,
            to_confirm=entry.to_confirm,
        )

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values.values())

    def __len__(self) -> int:
        return len(self._values)
