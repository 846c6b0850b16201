"""Methodology parameters, keyed by program and performance year.

Every rule choice that domain.md 1.1-1.4 leaves open is a named field here with a comment citing
the section; the values are the defaults `mssp_parameters()` and `reach_parameters()` hand out.
A parameter set's `version` (a digest of every field, code lists included) is stored with each
run as part of its lineage.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from alignment.engine.valuesets import DatedValueSet, code_range, load_hcpcs, load_specialties
from alignment.engine.windows import AssignmentMethod

ENGINE_VERSION = "2026.1"


class ValueSetDating(StrEnum):
    """Which date decides whether a code-list entry applies to a line (domain.md 1.3 "Store it as a
    dated value set" does not say). SERVICE_DATE: the line's date of service, so a code counts
    for services furnished while it was on the list (e.g. telephone E/M "while valid").
    PERFORMANCE_YEAR: the list in force on Jan 1 of the performance year applies to every line."""

    SERVICE_DATE = "service_date"
    PERFORMANCE_YEAR = "performance_year"


class CompetitorUnit(StrEnum):
    """How non-entity charges are grouped into competing entities.

    TIN_OR_CCN: each non-entity CCN (when the line has one) or else each non-entity TIN is one
    competitor (domain.md 1.2 "Competitor definition" [V]). Other ACOs' participant lists are not
    visible to us, so their TINs compete one by one, not summed per ACO: the over-inclusive
    approximation domain.md 1.2 describes tuva making. The MSSP unit.
    TIN_NPI: each non-participant TIN+NPI (or CCN, for a facility line) is one competitor. The
    REACH unit: a Participant Provider is identified individually, "by name, individual National
    Provider Identifier ("NPI"), tax identification number ("TIN"), Legacy TIN or CMS
    Certification Number ("CCN") (if applicable)" (Global and Professional Direct Contracting
    Model Participation Agreement, Article II "Participant Provider", 2021), and the alignment
    algorithm these models inherit compares the entity's charges with those "received from a
    provider or supplier not included on the Participant List", breaking ties toward "the
    provider or supplier from whom the Beneficiary most recently obtained" a service (Next
    Generation ACO Model Participation Agreement, Appendix B): a provider or supplier, not a
    TIN. Grouping by TIN would sum a participant TIN's unlisted and preferred clinicians into a
    competitor made of the entity's own TIN.
    """

    TIN_OR_CCN = "tin_or_ccn"
    TIN_NPI = "tin_npi"


@dataclass(frozen=True)
class ServiceRules:
    """Which claim lines are primary care services, by whom, and which are excluded."""

    service_codes: DatedValueSet
    pcp_specialties: DatedValueSet
    npp_specialties: DatedValueSet
    specialist_specialties: DatedValueSet
    # domain.md 1.3: "Store it as a dated value set"; which date applies is open (see the enum).
    value_set_dating: ValueSetDating = ValueSetDating.SERVICE_DATE
    # domain.md 1.2 "Claims to exclude": 99304-99318 furnished in a SNF [V] (PY2021+). "Use POS
    # 31 / overlap with SNF claim dates": both are applied (POS here, stays in lines.py).
    snf_excluded_codes: frozenset[str] = field(default_factory=lambda: code_range("99304", "99318"))
    snf_pos: frozenset[str] = frozenset({"31"})
    # domain.md 1.2: 99497-99498 furnished "in an inpatient setting" [V]. Which places of service
    # are inpatient is open: the POS codes whose CMS description says inpatient (21 inpatient
    # hospital, 51 inpatient psychiatric facility, 61 comprehensive inpatient rehabilitation),
    # plus any day inside an inpatient stay.
    inpatient_excluded_codes: frozenset[str] = frozenset({"99497", "99498"})
    inpatient_pos: frozenset[str] = frozenset({"21", "51", "61"})
    # domain.md 1.2 / 10.10: every service on an FQHC/RHC claim is a primary care service by a PCP.
    fqhc_rhc_all_primary_care: bool = True
    # domain.md 1.2: lines with zero allowed charges are dropped (tuva implementation choice [V]).
    drop_zero_allowed: bool = True


@dataclass(frozen=True)
class TieRule:
    # domain.md 1.2 "Ties: resolved toward the entity that furnished the most recent primary care
    # service" [R]. What happens when both furnished a service on the same last day is open: by
    # default the beneficiary is not assigned, since assignment needs charges that "exceed" the
    # competitor's (1.2 step 1).
    most_recent_service: bool = True
    same_day_tie_aligns: bool = False


@dataclass(frozen=True)
class MsspParameters:
    """MSSP assignment (domain.md 1.1-1.3), PY2025+ rules with the PY2024 variant."""

    performance_year: int
    method: AssignmentMethod
    rules: ServiceRules
    ties: TieRule = TieRule()
    # domain.md 1.2 "Windows": 12-month assignment window [V].
    window_months: int = 12
    # domain.md 1.2: step 3 and the 24-month expanded window start with PY2025 (CY2024 PFS) [V];
    # None for PY2024 and earlier (the PY2024 variant).
    expanded_window_months: int | None = 24
    # domain.md 1.2: prospective window Oct 1 - Sep 30 of the prior year [R].
    prospective_window_end_month: int = 9
    # domain.md 1.2 "Voluntary alignment": "The beneficiary must still meet eligibility criteria
    # A-D" [V].
    voluntary_requires_eligibility: bool = True
    # Competing entities (domain.md 1.2 "Competitor definition").
    competitor_unit: CompetitorUnit = CompetitorUnit.TIN_OR_CCN
    # Nobody who died before January 1 of the performance year is assigned for it, on any list
    # whose assignment window reaches back before the year: a prospective list, built "at the
    # beginning of each benchmark or performance year" (42 CFR 425.400(a)(3)(i)) for Medicare
    # fee-for-service beneficiaries (425.401(a)), and a quarterly list of preliminary prospective
    # assignment, "updated quarterly based on the most recent 12 months of data" (425.400(a)(2)(ii))
    # and so holds months before the year. CMS's lists mark them DECEASED_EXCLUDED, "Beneficiary
    # had a date of death prior to the start of the performance year" (Assignment List Report
    # data dictionary, as CMS's Beneficiary Claims Data API carries it: CMSgov/bcda-app,
    # bcda/models/fhir/alr/utils/mapping.go). The eligibility screen looks only at months up to
    # death, so without this rule the months before the death would pass criterion A. (A final
    # list of preliminary prospective assignment needs no such rule: its window is the
    # performance year itself, where criterion A finds no month with Part A and Part B.)
    requires_alive_at_start: bool = True

    @property
    def uses_step_3(self) -> bool:
        return self.expanded_window_months is not None

    @property
    def version(self) -> str:
        return _version("mssp", self)

    def describe(self) -> dict[str, Any]:
        return _describe("mssp", self)


@dataclass(frozen=True)
class ReachParameters:
    """ACO REACH claims-based and voluntary alignment (domain.md 1.4)."""

    performance_year: int
    rules: ServiceRules
    ties: TieRule = TieRule()
    # domain.md 1.4: alignment years run 7/1-6/30 (GPDC FOG Table B.2.1 [V]).
    alignment_year_start_month: int = 7
    # domain.md 1.4: PQEM allowed charges weighted 1/3 in AY1 and 2/3 in AY2 [R]. Kept as integer
    # numerators over `weight_denominator` so sums stay exact integers (thirds of a cent).
    year_1_weight: int = 1
    year_2_weight: int = 2
    weight_denominator: int = 3
    # domain.md 1.4 does not list REACH eligibility criteria; we apply 1.1 A-D (see windows.py).
    apply_eligibility_screen: bool = True
    voluntary_requires_eligibility: bool = True
    # The competing unit: each non-participant TIN/NPI, or CCN for a facility line (see
    # CompetitorUnit.TIN_NPI for the CMS text). Never a whole TIN, so the DCE cannot lose a
    # beneficiary to a "competitor" summed from its own participant TIN's other clinicians.
    competitor_unit: CompetitorUnit = CompetitorUnit.TIN_NPI
    # Preferred Providers are not used for alignment (ACO REACH Request for Applications, 2022,
    # section V.D "Participant Providers and Preferred Providers", as domain.md 1.4 quotes it;
    # the RFA's own sentence was not retrieved): their PQEM services count neither for the DCE nor as a competitor's. CMS's text
    # does not say more than that; this is the reading in which a preferred provider is not
    # used at all.
    preferred_providers_compete: bool = False
    # Nobody who died before January 1 of the performance year is aligned for it, by claims or
    # by voluntary alignment: alignment is for months of the performance year ("months of
    # eligible alignment", ACO REACH PY2024 Financial Operating Guide: Overview, section 4.1.1;
    # a Beneficiary must be "otherwise eligible for alignment", ACO REACH Participation
    # Agreement, "Prospective Plus Alignment" 1.c), and such a beneficiary has none.
    alive_at_performance_year_start: bool = True

    @property
    def version(self) -> str:
        return _version("reach", self)

    def describe(self) -> dict[str, Any]:
        return _describe("reach", self)


def _jsonable(value: Any) -> Any:
    if isinstance(value, DatedValueSet):
        return value.version
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _describe(program: str, params: MsspParameters | ReachParameters) -> dict[str, Any]:
    fields = {name: getattr(params, name) for name in params.__dataclass_fields__}
    out: dict[str, Any] = {"program": program, "engine_version": ENGINE_VERSION}
    for name, value in fields.items():
        if isinstance(value, ServiceRules | TieRule):
            out[name] = {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
        else:
            out[name] = _jsonable(value)
    return out


def _version(program: str, params: MsspParameters | ReachParameters) -> str:
    digest = hashlib.sha256(
        json.dumps(_describe(program, params), sort_keys=True, default=str).encode()
    ).hexdigest()
    return f"{program}-{params.performance_year}-{ENGINE_VERSION}-{digest[:10]}"


def mssp_rules(performance_year: int) -> ServiceRules:
    """SLAAM Appendix C code lists (domain.md 1.3) as dated value sets."""
    del performance_year  # the value sets are dated; one file covers every year
    return ServiceRules(
        service_codes=load_hcpcs("mssp_primary_care_hcpcs.csv"),
        pcp_specialties=load_specialties("pcp"),
        npp_specialties=load_specialties("npp"),
        # domain.md 1.3: the section 425.402(c) specialist list [R]; load SLAAM Table 11 per PY.
        specialist_specialties=load_specialties("mssp_specialist"),
    )


def mssp_parameters(
    performance_year: int, method: AssignmentMethod = AssignmentMethod.PPWRR, **overrides: Any
) -> MsspParameters:
    """The MSSP parameters of a performance year: PY2025+ rules, or the PY2024 variant (no step 3,
    no expanded window) for PY2024 and earlier (domain.md 1.2)."""
    params = MsspParameters(
        performance_year=performance_year,
        method=AssignmentMethod(method),
        rules=mssp_rules(performance_year),
        expanded_window_months=24 if performance_year >= 2025 else None,
    )
    return replace(params, **overrides) if overrides else params


def reach_parameters(performance_year: int, **overrides: Any) -> ReachParameters:
    """The REACH parameters of a performance year (domain.md 1.4)."""
    # domain.md 1.4 names no SNF/inpatient exclusions for REACH; ServiceRules' defaults apply the
    # MSSP ones of 1.2 to PQEM as well (an open choice, kept as the same named fields).
    rules = ServiceRules(
        # PQEM codes: Global and Professional Direct Contracting Model Financial Operating Guide:
        # Overview (Rev. 1.1), Appendix B, Table B.6.3, plus the codes whose REACH table was not
        # found (each row of the CSV names its source and the years it covers).
        service_codes=load_hcpcs("reach_pqem_hcpcs.csv"),
        # Table B.6.4 "Specialty Codes Used to Identify Primary Care Specialists" (same FOG):
        # 01, 08, 11, 37, 38 physicians; 50, 89, 97 practitioners.
        pcp_specialties=load_specialties("pcp"),
        npp_specialties=load_specialties("npp"),
        # domain.md 1.4: "listed non-primary-care specialists" (FOG Table B.6.5), whose list 1.4
        # does not give: we use the MSSP 425.402(c) list of 1.3 until Table B.6.5 is loaded.
        specialist_specialties=load_specialties("mssp_specialist"),
        # FQHC/RHC claims: no REACH text found says every service on them is primary care (the
        # MSSP rule of SLAAM). What the text does say: PQEM services are HCPCS codes (Table
        # B.6.3) classed by the specialty of who furnished them (Table B.6.4), and a Participant
        # Provider may be identified by CCN (Participation Agreement, Article II). So an
        # FQHC/RHC line counts like any other line: when its HCPCS is PQEM and its practitioner's
        # specialty is listed; it is the DCE's when its CCN is a participant's.
        fqhc_rhc_all_primary_care=False,
    )
    params = ReachParameters(performance_year=performance_year, rules=rules)
    return replace(params, **overrides) if overrides else params


__all__ = [
    "CompetitorUnit",
    "MsspParameters",
    "ReachParameters",
    "ServiceRules",
    "TieRule",
    "ValueSetDating",
    "mssp_parameters",
    "reach_parameters",
]
