"""Pure beneficiary-alignment engine: pandas and numpy only, no Django, DRF or Celery.

Entry points: `assign_mssp` (domain.md 1.1-1.3) and `align_reach` (1.4). Parameters come from
`mssp_parameters` / `reach_parameters`, windows from `mssp.windows_for` / `reach.windows_for`.
Column names are in `columns`, the result vocabulary in `vocabulary`.
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each name lives. The package imports them on first use (PEP 562): Django imports
# `alignment.engine.vocabulary` with the models, and every process (a worker, `load_cclf`)
# would otherwise import pandas and the whole engine at start-up, a second of it.
_SOURCES = {
    "columns": "alignment.engine.columns",
    "ParticipantList": "alignment.engine.lines",
    "assign_mssp": "alignment.engine.mssp",
    "ENGINE_VERSION": "alignment.engine.parameters",
    "CompetitorUnit": "alignment.engine.parameters",
    "MsspParameters": "alignment.engine.parameters",
    "ReachParameters": "alignment.engine.parameters",
    "ServiceRules": "alignment.engine.parameters",
    "TieRule": "alignment.engine.parameters",
    "ValueSetDating": "alignment.engine.parameters",
    "mssp_parameters": "alignment.engine.parameters",
    "reach_parameters": "alignment.engine.parameters",
    "align_reach": "alignment.engine.reach",
    "Reason": "alignment.engine.vocabulary",
    "Step": "alignment.engine.vocabulary",
    "reason_text": "alignment.engine.vocabulary",
    "AssignmentMethod": "alignment.engine.windows",
    "ListKind": "alignment.engine.windows",
    "Window": "alignment.engine.windows",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'alignment.engine' has no attribute {name!r}")
    module = importlib.import_module(source)
    value = module if source.endswith("." + name) else getattr(module, name)
    globals()[name] = value
    return value
