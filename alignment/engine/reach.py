"""ACO REACH alignment (domain.md 1.4): voluntary alignment first, then claims-based alignment on
PQEM services over two alignment years weighted 1/3 and 2/3, primary care specialties first and
listed specialists second; only participant providers (TIN+NPI) align."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from alignment.engine import columns as c
from alignment.engine.eligibility import died_before, screen
from alignment.engine.lines import (
    BeneIndex,
    EntityMatch,
    ParticipantList,
    PreparedLines,
    ProviderClass,
    prepare_lines,
)
from alignment.engine.parameters import ReachParameters
from alignment.engine.plurality import aggregate, any_per_bene, plurality
from alignment.engine.result import assemble
from alignment.engine.vocabulary import Reason, Step
from alignment.engine.voluntary import designations
from alignment.engine.windows import ListKind, ReachWindows, reach_windows

_NONE, _PRIMARY, _SPECIALIST = 0, 1, 2
_ROUTE_STEP = np.array(
    [s.value for s in (Step.NO_CLAIMS_ROUTE, Step.PRIMARY_CARE, Step.SPECIALIST)], dtype=object
)
# Window parts: 0 = Alignment Year 2 (the later year), 1 = Alignment Year 1.
_YEAR_2, _YEAR_1 = 0, 1
_PCP, _NPP, _SPEC = ProviderClass.PCP, ProviderClass.NPP, ProviderClass.SPECIALIST


def windows_for(params: ReachParameters, *, list_kind: ListKind, as_of: date) -> ReachWindows:
    return reach_windows(
        performance_year=params.performance_year,
        list_kind=list_kind,
        as_of=as_of,
        alignment_year_start_month=params.alignment_year_start_month,
    )


def _weights(params: ReachParameters) -> np.ndarray:
    """weights[route, class, part] in units of 1/weight_denominator (domain.md 1.4 [R])."""
    w = np.zeros((3, 3, 2), dtype=np.int64)
    for route, classes in ((_PRIMARY, [_PCP, _NPP]), (_SPECIALIST, [_SPEC])):
        w[route, classes, _YEAR_2] = params.year_2_weight
        w[route, classes, _YEAR_1] = params.year_1_weight
    w[_NONE] = w[_PRIMARY]
    return w


def prepare(
    lines: pd.DataFrame,
    *,
    bene_index: BeneIndex,
    participants: ParticipantList,
    params: ReachParameters,
    windows: ReachWindows,
    stays: pd.DataFrame | None = None,
) -> PreparedLines:
    return prepare_lines(
        lines,
        bene_index=bene_index,
        parts=[windows.year_2, windows.year_1],
        rules=params.rules,
        reference=date(params.performance_year, 1, 1),
        participants=participants,
        match=EntityMatch.REACH,
        competitor_unit=params.competitor_unit,
        stays=stays,
        ignored_providers=(
            frozenset() if params.preferred_providers_compete else participants.preferred
        ),
    )


def align_reach(
    *,
    beneficiaries: pd.DataFrame,
    enrollment: pd.DataFrame,
    lines: pd.DataFrame,
    participants: ParticipantList,
    params: ReachParameters,
    windows: ReachWindows,
    voluntary: pd.DataFrame | None = None,
    stays: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Align every beneficiary in `beneficiaries` to the DCE or not, with the route and reason.

    Same input and output frames as alignment.engine.mssp.assign_mssp. ENTITY_ALLOWED_CENTS and
    COMPETITOR_ALLOWED_CENTS are the weighted PQEM charges (1/3 AY1 + 2/3 AY2), rounded to the
    cent once, at the end.

    Implements domain.md 1.4: voluntary alignment to a participant provider overrides claims;
    claims-based alignment compares weighted PQEM allowed charges of the DCE's participant
    providers (TIN+NPI) with each competing unit, using primary care specialties (01, 08, 11,
    37, 38, 50, 89, 97) when the beneficiary had any such PQEM and the listed specialists
    otherwise. Preferred providers' services are not used at all (neither for the DCE nor as a
    competitor's); competitors are non-participant TIN/NPIs, or CCNs for facility lines
    (parameters.CompetitorUnit.TIN_NPI). Nobody who died before January 1 of the performance
    year is aligned, by claims or voluntarily (ReachParameters.alive_at_performance_year_start).
    """
    bene_index = BeneIndex(beneficiaries[c.BENE_ID])
    n = len(bene_index)
    if params.apply_eligibility_screen:
        not_eligible = screen(
            beneficiaries, enrollment, bene_index=bene_index, windows=windows.eligibility
        )
    else:
        not_eligible = np.full(n, None, dtype=object)
    dead = np.zeros(n, dtype=bool)
    if params.alive_at_performance_year_start:
        dead = died_before(
            beneficiaries, bene_index=bene_index, day=date(params.performance_year, 1, 1)
        )
        not_eligible[dead] = Reason.NOT_ELIGIBLE_DIED_BEFORE_PY.value
    prep = prepare(
        lines,
        bene_index=bene_index,
        participants=participants,
        params=params,
        windows=windows,
        stays=stays,
    )
    groups = aggregate(prep)

    primary = (groups.cls == _PCP) | (groups.cls == _NPP)
    has_primary = any_per_bene(groups, primary, n)
    has_specialist = any_per_bene(groups, groups.cls == _SPEC, n)
    route = np.full(n, _NONE, dtype=np.int8)
    route[has_specialist] = _SPECIALIST
    route[has_primary] = _PRIMARY

    plur = plurality(
        groups,
        route=route,
        weights=_weights(params),
        n_bene=n,
        n_units=len(prep.units),
        n_competitors=prep.units.n_competitors,
        ties=params.ties,
    )
    reason = plur.reason.copy()
    no_route = route == _NONE
    reason[no_route] = Reason.NO_PRIMARY_CARE_SERVICE.value
    plur = replace(plur, aligned=plur.aligned & ~no_route)
    designated = designations(
        voluntary,
        bene_index=bene_index,
        cutoff=windows.voluntary_cutoff,
        participants=participants,
        match=EntityMatch.REACH,
    )
    # Death before the year blocks voluntary alignment even where eligibility does not.
    designated = replace(designated, aligned=designated.aligned & ~dead)
    return assemble(
        bene_index,
        step=_ROUTE_STEP[route],
        reason=reason,
        plur=plur,
        units=prep.units,
        not_eligible=not_eligible,
        designated=designated,
        voluntary_requires_eligibility=params.voluntary_requires_eligibility,
        denominator=params.weight_denominator,
    )
