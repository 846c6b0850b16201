"""Plurality of allowed charges: the entity as a whole against each competing unit.

One pass aggregates the service lines by (beneficiary, unit, provider class, window part) with a
single integer key; everything after works on those groups (about one per beneficiary and
provider), never on lines again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from alignment.engine.lines import N_CLASSES, PreparedLines
from alignment.engine.parameters import TieRule
from alignment.engine.vocabulary import Reason

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

NO_DAY = np.iinfo(np.int32).min
# Sums of integer cents are computed with np.bincount, which adds in float64: exact as long as
# every partial sum stays below 2**53 cents, which `_exact_sum_bound` checks before relying on it.
_FLOAT_EXACT = 2**53


@dataclass(frozen=True)
class Groups:
    """Service lines summed per (beneficiary, unit, class, part)."""

    bene: Int32Array
    unit: Int32Array
    cls: npt.NDArray[np.int8]
    part: npt.NDArray[np.int8]
    amount: IntArray
    count: IntArray
    last_day: Int32Array


def _exact_sum_bound(amount: IntArray) -> None:
    if len(amount) and int(np.abs(amount).sum(dtype=np.float64)) >= _FLOAT_EXACT:
        raise OverflowError("Allowed charges too large to sum exactly.")


def _sum_by(codes: IntArray, values: IntArray, n: int) -> IntArray:
    return np.bincount(codes, weights=values, minlength=n).astype(np.int64)


def aggregate(prep: PreparedLines) -> Groups:
    """Sum allowed cents, count lines and take the last service day per group."""
    _exact_sum_bound(prep.amount)
    n_units = max(len(prep.units), 1)
    radix = np.int64(N_CLASSES * max(prep.n_parts, 1))
    if prep.n_bene * n_units * int(radix) >= 2**62:
        raise OverflowError("Too many beneficiaries x units for one integer key; use buckets.")
    key = (
        (prep.bene.astype(np.int64) * n_units + prep.unit) * radix
        + prep.cls.astype(np.int64) * prep.n_parts
        + prep.part
    )
    codes, uniques = pd.factorize(key)
    n = len(uniques)
    amount = _sum_by(codes, prep.amount, n)
    count = np.bincount(codes, minlength=n).astype(np.int64)
    last = np.full(n, NO_DAY, dtype=np.int32)
    np.maximum.at(last, codes, prep.day)
    uniques = np.asarray(uniques, dtype=np.int64)
    bene_unit, cell = np.divmod(uniques, radix)
    bene, unit = np.divmod(bene_unit, n_units)
    cls, part = np.divmod(cell, max(prep.n_parts, 1))
    return Groups(
        bene=bene.astype(np.int32),
        unit=unit.astype(np.int32),
        cls=cls.astype(np.int8),
        part=part.astype(np.int8),
        amount=amount,
        count=count,
        last_day=last,
    )


def any_per_bene(groups: Groups, mask: BoolArray, n_bene: int) -> BoolArray:
    """Per beneficiary: does any of its groups satisfy `mask`?"""
    return np.bincount(groups.bene[mask], minlength=n_bene) > 0


@dataclass(frozen=True)
class Plurality:
    """Per beneficiary (dense index): the entity's and the top competitor's weighted charges."""

    entity_amount: IntArray
    entity_last: Int32Array
    competitor_unit: Int32Array  # -1 when no competitor
    competitor_amount: IntArray
    competitor_last: Int32Array
    attributed_unit: Int32Array  # the entity's top provider; -1 when none
    reason: npt.NDArray[np.object_]  # Reason per beneficiary
    aligned: BoolArray


def _first_per_bene(
    bene: Int32Array, amount: IntArray, last: Int32Array, unit: Int32Array, n_bene: int
) -> tuple[Int32Array, IntArray, Int32Array]:
    """The top row per beneficiary: most charges, then most recent service, then lowest unit
    code (units are coded in label order, so the pick never depends on row order)."""
    top_unit = np.full(n_bene, -1, dtype=np.int32)
    top_amount = np.zeros(n_bene, dtype=np.int64)
    top_last = np.full(n_bene, NO_DAY, dtype=np.int32)
    if len(bene) == 0:
        return top_unit, top_amount, top_last
    order = np.lexsort((unit, -last.astype(np.int64), -amount, bene))
    b = bene[order]
    first = np.ones(len(b), dtype=bool)
    first[1:] = b[1:] != b[:-1]
    pick = order[first]
    top_unit[bene[pick]] = unit[pick]
    top_amount[bene[pick]] = amount[pick]
    top_last[bene[pick]] = last[pick]
    return top_unit, top_amount, top_last


def plurality(
    groups: Groups,
    *,
    route: npt.NDArray[np.int8],
    weights: IntArray,
    n_bene: int,
    n_units: int,
    n_competitors: int,
    ties: TieRule,
) -> Plurality:
    """Compare the entity as a whole with each competing unit, per beneficiary.

    `route[b]` picks a row of `weights` (shape routes x classes x parts): the integer weight of
    each class and part in that beneficiary's comparison (0 leaves it out). The entity's charges
    are those of all its providers together; each competitor is one unit (domain.md 1.2
    "Competitor definition"). The entity wins when its charges exceed the top competitor's, or
    on equal charges when its last service is more recent (1.2 "Ties", `ties`).
    """
    w = weights[route[groups.bene], groups.cls, groups.part]
    keep = w > 0
    bene_unit = groups.bene[keep].astype(np.int64) * max(n_units, 1) + groups.unit[keep]
    amount = groups.amount[keep] * w[keep]
    last = groups.last_day[keep]
    _exact_sum_bound(amount)
    codes, uniques = pd.factorize(bene_unit)
    m = len(uniques)
    u_amount = _sum_by(codes, amount, m)
    u_last = np.full(m, NO_DAY, dtype=np.int32)
    np.maximum.at(u_last, codes, last)
    u_bene, u_unit = np.divmod(np.asarray(uniques, dtype=np.int64), max(n_units, 1))
    u_bene = u_bene.astype(np.int32)
    u_unit = u_unit.astype(np.int32)
    is_entity = u_unit >= n_competitors

    e_amount = _sum_by(u_bene[is_entity].astype(np.int64), u_amount[is_entity], n_bene)
    e_last = np.full(n_bene, NO_DAY, dtype=np.int32)
    np.maximum.at(e_last, u_bene[is_entity], u_last[is_entity])
    comp = ~is_entity
    c_unit, c_amount, c_last = _first_per_bene(
        u_bene[comp], u_amount[comp], u_last[comp], u_unit[comp], n_bene
    )
    a_unit, _, _ = _first_per_bene(
        u_bene[is_entity], u_amount[is_entity], u_last[is_entity], u_unit[is_entity], n_bene
    )

    reason = np.full(n_bene, Reason.NO_ENTITY_SERVICE.value, dtype=object)
    wins = e_amount > c_amount
    tie = (e_amount == c_amount) & (e_amount > 0)
    if ties.most_recent_service:
        tie_won = tie & (e_last > c_last)
        tie_lost = tie & (e_last < c_last)
    else:
        tie_won = np.zeros(n_bene, dtype=bool)
        tie_lost = np.zeros(n_bene, dtype=bool)
    same_day = tie & ~tie_won & ~tie_lost
    reason[(e_amount < c_amount)] = Reason.PLURALITY_LOST.value
    reason[wins] = Reason.ALIGNED_PLURALITY.value
    reason[tie_won] = Reason.ALIGNED_TIE_MOST_RECENT.value
    reason[tie_lost] = Reason.TIE_LOST_MOST_RECENT.value
    if ties.same_day_tie_aligns:
        reason[same_day] = Reason.ALIGNED_TIE_MOST_RECENT.value
    else:
        reason[same_day] = Reason.TIE_UNRESOLVED.value
    aligned = wins | tie_won | (same_day & ties.same_day_tie_aligns)
    return Plurality(
        entity_amount=e_amount,
        entity_last=e_last,
        competitor_unit=c_unit,
        competitor_amount=c_amount,
        competitor_last=c_last,
        attributed_unit=a_unit,
        reason=reason,
        aligned=aligned,
    )
