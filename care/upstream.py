"""The seam to modules being built beside this one (alignment, risk, benchmarks, settlement).

Each function returns what that module has for the page, or None when the module has no
selector for it yet; the page then says the section is not available. Nothing here makes up a
number: a missing module shows as missing.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any


def _selector(module: str, name: str) -> Any:
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def alignment_summary(*, entity: Any) -> Any:
    """Aligned now and by month, changes since the last run (alignment.selectors)."""
    func = _selector("alignment.selectors", "alignment_summary")
    return func(entity=entity) if func else None


def alignment_history(*, beneficiary: Any) -> Any:
    func = _selector("alignment.selectors", "beneficiary_alignment_history")
    return func(beneficiary=beneficiary) if func else None


def risk_profile(*, beneficiary: Any) -> Any:
    func = _selector("benchmarks.selectors", "beneficiary_risk_profile")
    return func(beneficiary=beneficiary) if func else None


def pmpm_summary(*, entity: Any) -> Any:
    func = _selector("benchmarks.selectors", "pmpm_vs_benchmark")
    return func(entity=entity) if func else None


def savings_projection(*, entity: Any) -> Any:
    func = _selector("settlement.selectors", "savings_projection")
    return func(entity=entity) if func else None
