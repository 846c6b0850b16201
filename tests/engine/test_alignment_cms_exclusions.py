"""CMS's exclusions (its lists' Medicare health plan, other-initiative and outside-US flags)
laid over the screen's inputs: hand-built beneficiaries all seen at the ACO, so each is aligned
unless CMS's reason excludes them (domain.md 1.1 B, C, D)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from alignment.engine import Reason, Step
from alignment.engine import columns as c
from alignment.engine.eligibility import apply_cms_exclusions
from tests.engine.alignment_population import Population, mssp_participants


def _population() -> Population:
    pop = Population()
    for bene in (1, 2, 3, 4, 5):
        pop.bene(bene)
        pop.line(bene, date(2025, 3, 1))
    return pop


def _run(exclusions: dict[int, set[str]]) -> pd.DataFrame:
    from alignment.engine import AssignmentMethod, ListKind, assign_mssp, mssp_parameters
    from alignment.engine.mssp import windows_for

    frames: dict[str, Any] = _population().frames()
    benes, enrollment = apply_cms_exclusions(
        frames["beneficiaries"], frames["enrollment"], exclusions
    )
    params = mssp_parameters(2025, AssignmentMethod("ppwrr"))
    windows = windows_for(params, list_kind=ListKind("final"), as_of=date(2026, 4, 1))
    result = assign_mssp(
        participants=mssp_participants(),
        params=params,
        windows=windows,
        **{**frames, "beneficiaries": benes, "enrollment": enrollment},
    )
    return result.set_index(c.BENE_ID)


def test_without_cms_exclusions_all_five_are_aligned() -> None:
    assert _run({})[c.ALIGNED].tolist() == [True] * 5


def test_each_cms_reason_fails_its_criterion_and_others_are_ignored() -> None:
    result = _run(
        {
            1: {"medicare_advantage"},
            2: {"other_initiative"},
            3: {"outside_us"},
            4: {"plurality"},  # CMS's plurality is not a screen criterion: the engine decides it
        }
    )
    assert result.loc[1, c.REASON] == Reason.NOT_ELIGIBLE_GROUP_HEALTH_PLAN
    assert result.loc[2, c.REASON] == Reason.NOT_ELIGIBLE_OTHER_INITIATIVE
    assert result.loc[3, c.REASON] == Reason.NOT_ELIGIBLE_OUTSIDE_US
    assert result.loc[1, c.STEP] == Step.ELIGIBILITY
    assert result.loc[[4, 5], c.ALIGNED].tolist() == [True, True]


def test_the_inputs_are_not_changed() -> None:
    frames: dict[str, Any] = _population().frames()
    before = frames["enrollment"].copy()
    _, enrollment = apply_cms_exclusions(frames["beneficiaries"], before, {1: {"outside_us"}})
    assert not before[c.OUTSIDE_US].any()
    assert enrollment.loc[enrollment[c.BENE_ID] == 1, c.OUTSIDE_US].all()
    assert not enrollment.loc[enrollment[c.BENE_ID] != 1, c.OUTSIDE_US].any()
