"""Synthetic identifiers in the CMS formats (domain.md 8.4): MBIs, NPIs, TINs.

Each comes two ways, with the same values: one at a time from a serial number (tests), or many at
once with numpy (populations of millions). The random variants draw from a numpy Generator, so a
seed gives the same identifiers on every run. Valid in form only: they belong to no one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from entities.identifiers import npi_check_digit

# ------------------------------------------------------------------ MBI
# C A AN N A AN N A A N N; the letters leave out S, L, O, I, B and Z.
MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
_DIGITS = "0123456789"
_SERIAL_POSITIONS = ("123456789", MBI_LETTERS, _DIGITS + MBI_LETTERS, _DIGITS, MBI_LETTERS,
                     _DIGITS + MBI_LETTERS, _DIGITS, MBI_LETTERS, MBI_LETTERS, _DIGITS, _DIGITS)  # fmt: skip
# Serials are spread over the MBI space by a factor prime to its size, from a mixed-radix counter.
_SPREAD, _SPACE = 7919, 10**13


def mbi(serial: int) -> str:
    """The MBI of a serial number: distinct serials (below 10**13) give distinct MBIs."""
    value = serial * _SPREAD % _SPACE
    chars = []
    for alphabet in reversed(_SERIAL_POSITIONS):
        value, digit = divmod(value, len(alphabet))
        chars.append(alphabet[digit])
    return "".join(reversed(chars))


def mbis(start: int, n: int) -> npt.NDArray[np.object_]:
    """`mbi(serial)` for the n serials from `start`, with numpy."""
    value = np.arange(start, start + n, dtype=np.int64) * _SPREAD % _SPACE
    chars = []
    for alphabet in reversed(_SERIAL_POSITIONS):
        value, digit = np.divmod(value, len(alphabet))
        chars.append(np.array(list(alphabet))[digit])
    return _join(*reversed(chars))


_ALPHA_BYTES = np.frombuffer(MBI_LETTERS.encode(), dtype=np.uint8)
_DIGIT_BYTES = np.frombuffer(_DIGITS.encode(), dtype=np.uint8)
_ALNUM_BYTES = np.concatenate([_ALPHA_BYTES, _DIGIT_BYTES])
_RANDOM_POSITIONS = (_DIGIT_BYTES[1:], _ALPHA_BYTES, _ALNUM_BYTES, _DIGIT_BYTES, _ALPHA_BYTES,
                     _ALNUM_BYTES, _DIGIT_BYTES, _ALPHA_BYTES, _ALPHA_BYTES, _DIGIT_BYTES,
                     _DIGIT_BYTES)  # fmt: skip


def random_mbis(rng: np.random.Generator, n: int) -> npt.NDArray[np.bytes_]:
    """n distinct random MBIs, as 11-byte strings (what the CCLF writer takes)."""
    out = np.empty((0, 11), dtype=np.uint8)
    while len(out) < n:
        k = (n - len(out)) * 2 + 16
        cand = np.stack([s[rng.integers(0, len(s), k)] for s in _RANDOM_POSITIONS], axis=1)
        out = np.unique(np.concatenate([out, cand]), axis=0)
    keep = rng.permutation(len(out))[:n]
    return out[keep].view("S11").ravel()


# ------------------------------------------------------------------ NPI
# 10 digits, the last a Luhn check digit over "80840" and the first nine.


def npi(serial: int, prefix: str = "1") -> str:
    """The NPI whose first nine digits are `prefix` then the serial, zero-padded."""
    first_nine = f"{prefix}{serial:0{9 - len(prefix)}d}"
    if len(first_nine) != 9:
        raise ValueError(f"serial {serial} does not fit in an NPI after the prefix {prefix!r}")
    return first_nine + str(npi_check_digit(first_nine))


def npis(start: int, n: int) -> npt.NDArray[np.object_]:
    """n distinct NPIs with numpy: `npi(serial)` for the serials from `start` (below 10**8);
    larger serials wrap within the nine digits, never to a leading zero."""
    base = (np.arange(start, start + n, dtype=np.int64) + 100_000_000) % 1_000_000_000
    base = np.where(base < 100_000_000, base + 100_000_000, base)
    digits = np.stack([(base // 10**k) % 10 for k in range(8, -1, -1)], axis=1)
    total = np.full(n, 24, dtype=np.int64)  # the "80840" prefix contributes 24
    for i in range(9):
        d = digits[:, i]
        if i % 2 == 0:  # doubled positions, counted from the check digit
            d = d * 2
            d = np.where(d > 9, d - 9, d)
        total += d
    check = (10 - total % 10) % 10
    return _join(base.astype(str), check.astype(str))


def random_npis(rng: np.random.Generator, n: int, first: str = "1") -> list[str]:
    """n distinct random NPIs starting with `first`."""
    return [npi(int(v), first) for v in rng.choice(10**8, size=n, replace=False)]


# ------------------------------------------------------------------ TIN
# 9 digits (an EIN or SSN).


def tin(serial: int, base: int = 0) -> str:
    return f"{base + serial:09d}"


def tins(serials: npt.NDArray[np.int64], base: int = 0) -> npt.NDArray[np.object_]:
    """`tin(serial, base)` for each serial, with numpy."""
    return np.char.zfill((serials + base).astype(str), 9).astype(object)


def random_tin(rng: np.random.Generator) -> str:
    """One random TIN that does not start with 0."""
    return f"{rng.integers(10**8, 10**9):09d}"


def _join(*parts: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    out = parts[0].astype(object)
    for p in parts[1:]:
        out = out + p.astype(object)
    return out
