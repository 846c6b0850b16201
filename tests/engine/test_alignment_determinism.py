"""The same input gives byte-identical output in any row order and any number of chunks, for
MSSP and REACH (a hypothesis property over random populations)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment.engine import columns as c
from tests.engine.alignment_population import (
    ACO_CCN,
    ACO_TIN,
    ACO_TIN_2,
    CARDIO_NPI,
    NP_NPI,
    OTHER_CCN,
    OTHER_NPI,
    OTHER_NPI_2,
    OTHER_TIN,
    OTHER_TIN_2,
    OTHER_TIN_3,
    PCP_NPI,
    PCP_NPI_2,
    Population,
    run_mssp,
    run_reach,
)

TINS = [ACO_TIN, ACO_TIN_2, OTHER_TIN, OTHER_TIN_2, OTHER_TIN_3, ""]
NPIS = [PCP_NPI, PCP_NPI_2, NP_NPI, CARDIO_NPI, OTHER_NPI, OTHER_NPI_2]
CCNS = ["", "", "", ACO_CCN, OTHER_CCN]
CODES = ["99213", "99214", "99309", "99497", "G2211", "99441", "80053", "T1015", "G0438"]
SPECIALTIES = ["08", "11", "50", "97", "06", "13", "02", ""]
POS = ["11", "31", "21", "22", "32"]
FIRST_DAY = date(2022, 1, 1)

line_strategy = st.fixed_dictionaries(
    {
        # Some days are shared on purpose so that last-service ties happen (2025 and 2023).
        "day": st.one_of(st.integers(0, 5 * 365), st.sampled_from([600, 1100, 1150])),
        # Few distinct amounts, so that ties happen.
        "allowed": st.sampled_from([0, 25, 50, 50, 100, 100, 100, 133.33]),
        "hcpcs": st.sampled_from(CODES),
        "tin": st.sampled_from(TINS),
        "npi": st.sampled_from(NPIS),
        "ccn": st.sampled_from(CCNS),
        "specialty": st.sampled_from(SPECIALTIES),
        "pos": st.sampled_from(POS),
        "fqhc_rhc": st.booleans(),
        "denied": st.sampled_from([False, False, False, True]),
    }
)
bene_strategy = st.fixed_dictionaries(
    {
        "lines": st.lists(line_strategy, max_size=8),
        "odd_month": st.sampled_from([None, "part_b", "group_health_plan", "outside_us"]),
        "odd_month_index": st.integers(0, 71),
        "death_day": st.one_of(st.none(), st.integers(0, 5 * 365)),
        "other_initiative": st.sampled_from([False, False, False, True]),
        "designations": st.lists(
            st.tuples(
                st.sampled_from([500, 700, 700]), st.sampled_from(TINS), st.sampled_from(NPIS)
            ),
            max_size=3,
        ),
        "snf_stay": st.one_of(st.none(), st.tuples(st.integers(0, 5 * 365), st.integers(0, 60))),
    }
)


def _population(benes: list[dict[str, Any]]) -> Population:
    pop = Population()
    for i, spec in enumerate(benes, start=1):
        months = {}
        if spec["odd_month"]:
            m = spec["odd_month_index"]
            key = date(2021 + m // 12, m % 12 + 1, 1)
            months[key] = {spec["odd_month"]: spec["odd_month"] != "part_b"}
        death = (
            FIRST_DAY + timedelta(days=spec["death_day"]) if spec["death_day"] is not None else None
        )
        pop.bene(i * 7, death=death, other_initiative=spec["other_initiative"], months=months)
        for line in spec["lines"]:
            fields = {k: v for k, v in line.items() if k != "day"}
            pop.line(i * 7, FIRST_DAY + timedelta(days=line["day"]), **fields)
        for day, tin, npi in spec["designations"]:
            pop.designate(i * 7, FIRST_DAY + timedelta(days=day), tin=tin, npi=npi)
        if spec["snf_stay"]:
            start, length = spec["snf_stay"]
            pop.stay(
                i * 7,
                "snf",
                FIRST_DAY + timedelta(days=start),
                FIRST_DAY + timedelta(days=start + length),
            )
    return pop


def _subset(
    frames: dict[str, pd.DataFrame | None],
    benes: set[int],
    rng: np.random.Generator,
    categorical: bool,
) -> Population:
    """A population holding only `benes`, rows shuffled, string columns optionally categorical
    with their categories in a random order."""
    out = Population()
    parts: dict[str, pd.DataFrame | None] = {}
    for name, frame in frames.items():
        if frame is None:
            parts[name] = None
            continue
        part = frame[frame[c.BENE_ID].isin(benes)]
        part = part.iloc[rng.permutation(len(part))].reset_index(drop=True)
        if categorical and name == "lines":
            for col in (c.HCPCS, c.TIN, c.NPI, c.CCN, c.SPECIALTY, c.POS):
                cats = list(pd.unique(frame[col]))
                rng.shuffle(cats)
                part[col] = pd.Categorical(part[col], categories=cats)
        parts[name] = part
    out.frames = lambda: parts  # type: ignore[method-assign]
    return out


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv().encode()


@pytest.mark.fuzz
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    benes=st.lists(bene_strategy, min_size=1, max_size=12),
    chunks=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    program=st.sampled_from(["mssp_2025", "mssp_2024", "mssp_prospective", "reach"]),
)
def test_chunked_and_shuffled_runs_give_identical_results(
    benes: list[dict[str, Any]], chunks: int, seed: int, program: str
) -> None:
    run = {
        "mssp_2025": lambda p: run_mssp(p),
        "mssp_2024": lambda p: run_mssp(p, year=2024),
        "mssp_prospective": lambda p: run_mssp(p, method="prospective"),
        "reach": lambda p: run_reach(p),
    }[program]
    rng = np.random.default_rng(seed)
    whole = _population(benes)
    frames = whole.frames()
    expected = run(whole)
    ids = sorted(expected.index)
    assignment = rng.integers(0, chunks, len(ids))
    pieces = [
        run(
            _subset(
                frames,
                {b for b, k in zip(ids, assignment, strict=True) if k == chunk},
                rng,
                categorical=bool(chunk % 2),
            )
        )
        for chunk in range(chunks)
        if (assignment == chunk).any()
    ]
    combined = pd.concat(pieces).sort_index()
    shuffled = run(_subset(frames, set(ids), rng, categorical=True))
    pd.testing.assert_frame_equal(combined, expected)
    assert _csv(combined) == _csv(expected)
    assert _csv(shuffled) == _csv(expected)
