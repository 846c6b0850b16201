"""Pure beneficiary-alignment engine: pandas and numpy only, no Django, DRF or Celery.

Entry points: `assign_mssp` (domain.md 1.1-1.3) and `align_reach` (1.4). Parameters come from
`mssp_parameters` / `reach_parameters`, windows from `mssp.windows_for` / `reach.windows_for`.
Column names are in `columns`, the result vocabulary in `vocabulary`.
"""

from __future__ import annotations

from alignment.engine import columns
from alignment.engine.lines import ParticipantList
from alignment.engine.mssp import assign_mssp
from alignment.engine.parameters import (
    ENGINE_VERSION,
    CompetitorUnit,
    MsspParameters,
    ReachParameters,
    ServiceRules,
    TieRule,
    ValueSetDating,
    mssp_parameters,
    reach_parameters,
)
from alignment.engine.reach import align_reach
from alignment.engine.vocabulary import Reason, Step, reason_text
from alignment.engine.windows import AssignmentMethod, ListKind, Window

__all__ = [
    "ENGINE_VERSION",
    "AssignmentMethod",
    "CompetitorUnit",
    "ListKind",
    "MsspParameters",
    "ParticipantList",
    "ReachParameters",
    "Reason",
    "ServiceRules",
    "Step",
    "TieRule",
    "ValueSetDating",
    "Window",
    "align_reach",
    "assign_mssp",
    "columns",
    "mssp_parameters",
    "reach_parameters",
    "reason_text",
]
