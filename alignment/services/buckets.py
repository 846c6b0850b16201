"""How beneficiaries are split into buckets: by a hash of their surrogate key.

Each beneficiary falls in one of SLOTS slots (a multiplicative hash of `Beneficiary.id`, the same
in SQL and in numpy); a run with n buckets gives bucket k the slots s with s % n == k. Claims
snapshots are stored in slot order, so a bucket reads a few contiguous ranges.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SLOTS = 1024
_MULTIPLIER = 2654435761  # Knuth's multiplicative hash constant (2^32 / golden ratio)


def slot_sql(column: str) -> str:
    """The SQL expression of a beneficiary id column's slot (PostgreSQL and SQLite alike), for a
    query executed with parameters (hence the doubled %)."""
    return f"((({column}) * {_MULTIPLIER}) %% 4294967296) %% {SLOTS}"


def slots_of(ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
    return (np.asarray(ids, dtype=np.int64) * _MULTIPLIER) % 4294967296 % SLOTS


def bucket_slots(index: int, bucket_count: int) -> list[int]:
    return [s for s in range(SLOTS) if s % bucket_count == index]
