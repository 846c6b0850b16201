"""Demo settlements (synthetic figures).

* PY2025 on the platform's own data (settlement/collect.py): the demo MSSP ACO's projection from
  claims through August and its final settlement from its final alignment run, the stored
  benchmark and a demo quality result, with each attributed TIN's share; the demo REACH DCE's
  final Global settlement the same way. These need the alignment and benchmarks demos (they load
  first); without them the demo says what is missing and settles nothing for the year.
* PY2024 from CMS's report figures: two versions of the ACO's settlement with five participant
  TINs (what changed between versions), and the DCE's Global settlement with its capitation cash
  flows.

Idempotent: an entity-year-kind that already has a version is left alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from accounts.models import User
from core.api import ApplicationError
from entities.models import Entity
from settlement.collect import settlement_collect_final, settlement_collect_projection
from settlement.engine.distribution import AllocationBasis, AllocationMethod, ParticipantFigures
from settlement.models import QualityResult, SettlementKind, SettlementRun
from settlement.services import settlement_run_create

MSSP_PY2024 = {
    "track": "BASIC_D",
    "assigned_beneficiaries": "12400",
    "total_benchmark": "148800000.00",
    "total_expenditure": "144336000.00",
    "msr_mlr": "variable",
    "quality_score": "78.5",
    "met_qps": "true",
    "met_alt_qps": "false",
    "met_reporting": "true",
    "participant_revenue": "41250000.00",
    "low_revenue": "false",
}
MSSP_TINS = [
    ParticipantFigures(
        "990000101",
        "Valley Family Medicine",
        4100,
        Decimal("49200000"),
        Decimal("46900000"),
        Decimal("84.0"),
    ),
    ParticipantFigures(
        "990000102",
        "Riverside Internal Medicine",
        3300,
        Decimal("39600000"),
        Decimal("38100000"),
        Decimal("79.5"),
    ),
    ParticipantFigures(
        "990000103",
        "Hillcrest Primary Care",
        2500,
        Decimal("30000000"),
        Decimal("29650000"),
        Decimal("76.0"),
    ),
    ParticipantFigures(
        "990000104",
        "Northgate Community Health",
        1600,
        Decimal("19200000"),
        Decimal("19450000"),
        Decimal("71.0"),
    ),
    ParticipantFigures(
        "990000105",
        "Lakeside Geriatrics",
        900,
        Decimal("10800000"),
        Decimal("10236000"),
        Decimal("88.5"),
    ),
]
REACH_PY2024 = {
    "arrangement": "GLOBAL",
    "benchmark": "61200000.00",
    "total_cost_of_care": "55950000.00",
    "quality_withhold_earned_pct": "85",
    "aligned_member_months": "61200",
    "pcc_base_paid": "1936000.00",
    "pcc_enhanced_paid": "420000.00",
    "apo_paid": "610000.00",
    "apo_claims_reduced": "587340.55",
}
REACH_TINS = [
    ParticipantFigures("990000201", "Coastal Primary Partners", 2600, None, None, Decimal("82")),
    ParticipantFigures("990000202", "Harbor Medical Group", 1700, None, None, Decimal("77")),
    ParticipantFigures("990000203", "Dunes Senior Care", 800, None, None, Decimal("90")),
]
# Benchmark per beneficiary-month by enrollment type (synthetic), and each type's share.
ENROLLMENT_PBPM = {
    "aged_non_dual": ("980.00", 0.72),
    "aged_dual": ("1650.00", 0.14),
    "disabled": ("1120.00", 0.12),
    "esrd": ("7400.00", 0.02),
}


PLATFORM_YEAR = 2025
DEMO_SOURCE = "OpenVBC demo quality result (synthetic, not from CMS)"
# The demo ACO chose a fixed 2% MSR/MLR (two-sided BASIC D). With fewer than 5,000 assigned
# beneficiaries the variable MSR applies that year, and below 5,000 CMS sets it from its SLAAM
# table (not shipped: domain.md 3.2), so, like a real ACO, the demo gives the MSR and the
# participant revenue as figures "from CMS's report" (synthetic here, not CMS values).
MSSP_CHOICES = {
    "msr_mlr": "2.0",
    "report_figures": {"msr_pct": "3.9", "participant_revenue": "5650000.00"},
}
QUALITY = {
    "mssp": {"quality_score": Decimal("82.40"), "met_standard": True, "met_reporting": True},
    # For a REACH DCE the score is the Total Quality Score: the share of the withhold earned back.
    "reach": {"quality_score": Decimal("86.00"), "met_standard": True, "met_reporting": True},
}


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _ytd_frame(*, beneficiaries: int, months: int, seed: int) -> pd.DataFrame:
    """Synthetic year-to-date beneficiary figures for projection tests (the demo itself projects
    from the platform's claims): gamma-distributed spending around 96% of each beneficiary's
    benchmark, 93% of it paid so far (the rest still to come: the completion factor)."""
    rng = np.random.default_rng(seed)
    kinds = list(ENROLLMENT_PBPM)
    drawn = rng.choice(
        len(kinds), size=beneficiaries, p=[share for _, share in ENROLLMENT_PBPM.values()]
    )
    eligible = np.where(
        rng.random(beneficiaries) < 0.06, rng.integers(1, months, beneficiaries), months
    )
    pbpm_cents = np.array(
        [int(Decimal(ENROLLMENT_PBPM[kinds[k]][0]) * 100) for k in drawn], dtype=np.int64
    )
    expected = pbpm_cents * eligible * 0.96 * 0.93
    paid_cents = rng.gamma(0.9, expected / 0.9).astype(np.int64)
    return pd.DataFrame(
        {
            "beneficiary_key": [f"DEMO-{i:05d}" for i in range(beneficiaries)],
            "eligible_months": eligible.astype(np.int64),
            "paid_amount": [Decimal(int(c)).scaleb(-2) for c in paid_cents],
            "benchmark_pbpm": [Decimal(int(c)).scaleb(-2) for c in pbpm_cents],
        }
    )


def _has(entity: Entity, year: int, kind: str) -> bool:
    return SettlementRun.objects.filter(entity=entity, performance_year=year, kind=kind).exists()


def _final_choices(
    entity: Entity, performance_year: int
) -> tuple[dict[str, Any], AllocationMethod | None, str]:
    """The demo's settlement choices of the entity-year: MSSP track, MSR/MLR and distribution;
    REACH: the arrangement is the DCE's track of the year (blank track)."""
    from entities.selectors import entity_year_get

    if entity.program.code != "mssp":
        return {}, None, "Demo: final settlement from the platform's data"
    year = entity_year_get(entity=entity, performance_year=performance_year)
    track = str(year.track.code).upper() if year is not None else "BASIC_E"
    method = AllocationMethod(
        (
            (AllocationBasis.BENEFICIARIES, Decimal("0.5")),
            (AllocationBasis.SAVINGS_CONTRIBUTION, Decimal("0.5")),
        )
    )
    note = (
        "Demo: final settlement from the final alignment list, claims, benchmark and quality result"
    )
    return {"track": track, **MSSP_CHOICES}, method, note


def resettle_demo_final(
    *, entity: Entity, performance_year: int, note: str, stdout: Any
) -> SettlementRun | None:
    """A new final version of the demo entity-year with the demo's choices, when the latest
    final version is not already one with this note (the quality demo calls it once the quality
    result is computed from the measures). None when nothing was written."""
    latest = (
        SettlementRun.objects.filter(
            entity=entity, performance_year=performance_year, kind=SettlementKind.FINAL
        )
        .order_by("-version")
        .first()
    )
    if latest is None or latest.note == note:
        return None
    choices, method, _ = _final_choices(entity, performance_year)
    try:
        return settlement_collect_final(
            entity=entity, performance_year=performance_year, acting_user=latest.created_by,
            method=method, note=note, **choices,
        )  # fmt: skip
    except ApplicationError as exc:
        stdout.write(
            f"  settlement: {entity.cms_id} PY{performance_year} not settled: {exc.message}"
        )
        return None


def settle_demo_year(
    *, entity: Entity, performance_year: int, acting_user: Any, stdout: Any
) -> list[SettlementRun]:
    """Settle the demo entity-year on the platform's data: a demo quality result, then a
    projection from claims through August and the final settlement (MSSP and ACO REACH alike).
    A missing input (no alignment run, no benchmark) is reported and skipped."""
    program = entity.program.code
    QualityResult.objects.get_or_create(
        entity=entity,
        performance_year=performance_year,
        defaults={**QUALITY[program], "source": DEMO_SOURCE},
    )
    written: list[SettlementRun] = []
    choices, method, final_note = _final_choices(entity, performance_year)
    common = {"entity": entity, "performance_year": performance_year,
              "acting_user": acting_user, **choices}  # fmt: skip
    try:
        if not _has(entity, performance_year, SettlementKind.PROJECTION):
            written.append(
                settlement_collect_projection(
                    **common,
                    through_month=8,
                    # Claims through August in a mid-December delivery: nearly all paid.
                    completion_factor="0.98",
                    seed=2025,
                    replicates=300,
                    note="Demo: projection from the platform's claims through August",
                )
            )
        if not _has(entity, performance_year, SettlementKind.FINAL):
            written.append(settlement_collect_final(**common, method=method, note=final_note))
    except ApplicationError as exc:
        stdout.write(
            f"  settlement: {entity.cms_id} PY{performance_year} not settled: {exc.message}"
        )
        return written
    for run in written:
        stdout.write(
            f"  settlement: {run} from the platform's data, earned {run.earned_savings_losses:,.2f}"
        )
    return written


def load(*, entities: dict[str, Entity], stdout: Any) -> None:
    aco, dce = entities.get("mssp"), entities.get("reach")
    if aco is not None:
        analyst = _user("analyst@valley.demo")
        settle_demo_year(
            entity=aco, performance_year=PLATFORM_YEAR, acting_user=analyst, stdout=stdout
        )
        if not _has(aco, 2024, SettlementKind.FINAL):
            settlement_run_create(
                entity=aco,
                performance_year=2024,
                figures=MSSP_PY2024,
                participants=MSSP_TINS,
                method=AllocationMethod.single(AllocationBasis.BENEFICIARIES),
                acting_user=analyst,
                note="Demo: CMS's initial PY2024 reconciliation report",
            )
            settlement_run_create(
                entity=aco,
                performance_year=2024,
                figures={
                    **MSSP_PY2024,
                    "quality_score": "81.2",
                    "total_expenditure": "144102500.00",
                },
                participants=MSSP_TINS,
                method=AllocationMethod(
                    (
                        (AllocationBasis.BENEFICIARIES, Decimal("0.5")),
                        (AllocationBasis.QUALITY, Decimal("0.5")),
                    )
                ),
                acting_user=analyst,
                note="Demo: revised report (health-equity-adjusted quality score, run-out) and the board's 50/50 policy",
            )
            stdout.write(
                "  settlement: demo ACO PY2024 from report figures (two versions, five TINs)"
            )
    if dce is not None:
        analyst = _user("analyst@coastal.demo")
        settle_demo_year(
            entity=dce, performance_year=PLATFORM_YEAR, acting_user=analyst, stdout=stdout
        )
        if not _has(dce, 2024, SettlementKind.FINAL):
            settlement_run_create(
                entity=dce,
                performance_year=2024,
                figures=REACH_PY2024,
                participants=REACH_TINS,
                method=AllocationMethod.single(AllocationBasis.QUALITY),
                acting_user=analyst,
                note="Demo: PY2024 final settlement report",
            )
            stdout.write("  settlement: demo DCE PY2024 Global settlement from report figures")
