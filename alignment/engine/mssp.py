"""MSSP beneficiary assignment (domain.md 1.1-1.3): eligibility screen, voluntary alignment,
pre-step, steps 1-3, with the PY2024 variant (no step 3) chosen by the parameters."""

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
from alignment.engine.parameters import MsspParameters
from alignment.engine.plurality import aggregate, any_per_bene, plurality
from alignment.engine.result import assemble
from alignment.engine.vocabulary import Reason, Step
from alignment.engine.voluntary import designations
from alignment.engine.windows import (
    ListKind,
    MsspWindows,
    Window,
    mssp_windows,
)

# Route codes: the rows of the weight table.
_PRE_STEP, _STEP_1, _STEP_2, _STEP_3 = 0, 1, 2, 3
_ROUTE_STEP = np.array(
    [s.value for s in (Step.PRE_STEP, Step.STEP_1, Step.STEP_2, Step.STEP_3)], dtype=object
)
# Window parts: 0 = the 12-month assignment window, 1 = the earlier 12 months of the expanded window.
_RECENT, _EARLIER = 0, 1
_PCP, _NPP, _SPEC = ProviderClass.PCP, ProviderClass.NPP, ProviderClass.SPECIALIST


def windows_for(params: MsspParameters, *, list_kind: ListKind, as_of: date) -> MsspWindows:
    """The windows of one list for these parameters (windows.mssp_windows)."""
    return mssp_windows(
        performance_year=params.performance_year,
        method=params.method,
        list_kind=list_kind,
        as_of=as_of,
        window_months=params.window_months,
        expanded_window_months=params.expanded_window_months,
        prospective_window_end_month=params.prospective_window_end_month,
    )


def _weights(uses_step_3: bool) -> np.ndarray:
    """weights[route, class, part]: which services each step compares (domain.md 1.2)."""
    w = np.zeros((4, 3, 2), dtype=np.int64)
    # Step 1: PCPs, NPs, PAs and CNSs, 12-month window.
    w[_STEP_1, [_PCP, _NPP], _RECENT] = 1
    # Step 2: section 425.402(c) specialists, 12-month window.
    w[_STEP_2, _SPEC, _RECENT] = 1
    # Step 3: PCPs, NPPs and specialists, expanded 24-month window.
    w[_STEP_3, :, :] = 1
    # Beneficiaries no step reaches are not compared; their top competitor is still reported,
    # over the services the widest applicable step would have looked at.
    w[_PRE_STEP] = w[_STEP_3] if uses_step_3 else w[_STEP_1]
    return w


def prepare(
    lines: pd.DataFrame,
    *,
    bene_index: BeneIndex,
    participants: ParticipantList,
    params: MsspParameters,
    windows: MsspWindows,
    stays: pd.DataFrame | None = None,
) -> PreparedLines:
    parts = [windows.assignment]
    if params.uses_step_3 and windows.expanded is not None:
        earlier_end = date.fromordinal(windows.assignment.start.toordinal() - 1)
        parts.append(Window(windows.expanded.start, earlier_end))
    return prepare_lines(
        lines,
        bene_index=bene_index,
        parts=parts,
        rules=params.rules,
        reference=date(params.performance_year, 1, 1),
        participants=participants,
        match=EntityMatch.MSSP,
        competitor_unit=params.competitor_unit,
        stays=stays,
    )


def assign_mssp(
    *,
    beneficiaries: pd.DataFrame,
    enrollment: pd.DataFrame,
    lines: pd.DataFrame,
    participants: ParticipantList,
    params: MsspParameters,
    windows: MsspWindows,
    voluntary: pd.DataFrame | None = None,
    stays: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Assign every beneficiary in `beneficiaries` to the ACO or not, with the step and reason.

    Inputs (column names in columns.py): beneficiaries (BENE_ID, DEATH_DATE, OTHER_INITIATIVE),
    enrollment (BENE_ID, MONTH, PART_A, PART_B, GROUP_HEALTH_PLAN, OUTSIDE_US), lines (BENE_ID,
    SERVICE_DATE, HCPCS, ALLOWED_CENTS, TIN, NPI, CCN, SPECIALTY, POS, FQHC_RHC, DENIED?),
    voluntary (BENE_ID, VA_TIN, VA_NPI, SIGNATURE_DATE), stays (BENE_ID, STAY_KIND, STAY_FROM,
    STAY_THRU). Returns one row per beneficiary in ascending BENE_ID with RESULT_COLUMNS.

    Implements domain.md 1.1 (screen A-D), 1.2 (pre-step; step 1: PCP/NPP plurality; step 2:
    specialists for beneficiaries with no PCP/NPP service anywhere; step 3 (PY2025+): NPP
    service at the ACO in the 12-month window and physician service at the ACO in the 24-month
    window, plurality over the expanded window; ties; voluntary alignment first) and 1.3.
    Each beneficiary depends only on its own rows, so any split into buckets gives the same
    rows.
    """
    bene_index = BeneIndex(beneficiaries[c.BENE_ID])
    n = len(bene_index)
    not_eligible = screen(
        beneficiaries, enrollment, bene_index=bene_index, windows=windows.eligibility
    )
    dead = np.zeros(n, dtype=bool)
    py_start = date(params.performance_year, 1, 1)
    if params.requires_alive_at_start and windows.assignment.start < py_start:
        # A prospective or quarterly list, whose window holds months before the performance
        # year: nobody who died before the year is on it (MsspParameters.requires_alive_at_start).
        dead = died_before(beneficiaries, bene_index=bene_index, day=py_start)
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

    entity = groups.unit >= prep.units.n_competitors
    physician = (groups.cls == _PCP) | (groups.cls == _SPEC)
    recent = groups.part == _RECENT
    primary = (groups.cls == _PCP) | (groups.cls == _NPP)
    # Pre-step: a primary care service in the 12-month window from a physician who is an ACO
    # professional and a PCP or a 425.402(c) specialist.
    pre_step = any_per_bene(groups, entity & physician & recent, n)
    # Step 1 versus step 2: any primary care service from a PCP/NP/PA/CNS, anywhere.
    any_primary = any_per_bene(groups, primary & recent, n)
    route = np.full(n, _PRE_STEP, dtype=np.int8)
    route[pre_step & any_primary] = _STEP_1
    route[pre_step & ~any_primary] = _STEP_2
    if params.uses_step_3:
        npp_recent = any_per_bene(groups, entity & (groups.cls == _NPP) & recent, n)
        physician_expanded = any_per_bene(groups, entity & physician, n)
        route[~pre_step & npp_recent & physician_expanded] = _STEP_3
        any_service = any_per_bene(groups, np.ones(len(groups.bene), dtype=bool), n)
    else:
        any_service = any_per_bene(groups, recent, n)

    plur = plurality(
        groups,
        route=route,
        weights=_weights(params.uses_step_3),
        n_bene=n,
        n_units=len(prep.units),
        n_competitors=prep.units.n_competitors,
        ties=params.ties,
    )
    step = _ROUTE_STEP[route]
    reason = plur.reason.copy()
    unreached = route == _PRE_STEP
    reason[unreached] = np.where(
        any_service[unreached], Reason.NO_ENTITY_SERVICE.value, Reason.NO_PRIMARY_CARE_SERVICE.value
    )
    plur = replace(plur, aligned=plur.aligned & ~unreached)
    designated = designations(
        voluntary,
        bene_index=bene_index,
        cutoff=windows.voluntary_cutoff,
        participants=participants,
        match=EntityMatch.MSSP,
    )
    designated = replace(designated, aligned=designated.aligned & ~dead)
    return assemble(
        bene_index,
        step=step,
        reason=reason,
        plur=plur,
        units=prep.units,
        not_eligible=not_eligible,
        designated=designated,
        voluntary_requires_eligibility=params.voluntary_requires_eligibility,
    )
