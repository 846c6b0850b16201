"""Specialists' gain-share statements: the entity's arrangements applied to a run's complete
performance episodes and reconciled to the entity's settlement for the episodes' year
(specialists.engine.gainshare), as a page, a CSV and a PDF per specialist TIN, in the shape of
the settlement's TIN statements."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core import display
from entities.models import Entity, ParticipantOrganization
from settlement.models import SettlementKind, SettlementRun
from settlement.selectors import settlement_latest
from settlement.statements import statement_csv, statement_pdf
from specialists.engine import gainshare as gs
from specialists.engine.episodes import PERFORMANCE
from specialists.models import Episode, GainShareArrangement, GainSharePolicy, LeadSpecialistRun


@dataclass(frozen=True)
class GainShareView:
    run: LeadSpecialistRun
    year: int
    settlement: SettlementRun | None
    policy: GainSharePolicy | None
    rules: tuple[gs.GainShareRule, ...]
    reconciliation: gs.Reconciliation
    names: dict[str, str]

    @property
    def entity_steps(self) -> list[Any]:
        """The reconciliation's steps but each TIN's own line (the table shows them)."""
        return [s for s in self.reconciliation.explanation if not s.label.startswith("TIN ")]

    @property
    def amounts(self) -> list[dict[str, Any]]:
        """Each specialist TIN's line of the page: its name, episodes and amount in words."""
        return [
            {
                "share": share,
                "name": self.names.get(share.tin, ""),
                "amount": paid_or_owed(share.amount),
            }
            for share in self.reconciliation.shares
        ]

    def share(self, tin: str) -> gs.SpecialistShare | None:
        return next((s for s in self.reconciliation.shares if s.tin == tin), None)


def arrangement_rules(*, entity: Entity) -> tuple[gs.GainShareRule, ...]:
    return tuple(
        gs.GainShareRule(
            tin=a.tin,
            episode=a.episode_type,
            rate=a.rate,
            floor=a.floor,
            cap=a.cap,
            max_readmission_rate=a.max_readmission_rate,
            label=a.note,
        )
        for a in GainShareArrangement.objects.filter(entity=entity).order_by("tin", "episode_type")
    )


def settlement_for_year(*, user: Any, entity: Entity, year: int) -> SettlementRun | None:
    """The entity's latest final settlement of the year, else its latest projection (the user's
    view of settlement money: settlement.selectors)."""
    for kind in (SettlementKind.FINAL, SettlementKind.PROJECTION):
        run = settlement_latest(user=user, entity=entity, performance_year=year, kind=kind)
        if run is not None:
            return run
    return None


def episode_results(*, run: LeadSpecialistRun) -> list[gs.EpisodeResult]:
    """The run's complete performance episodes managed by a specialist TIN on the entity's list
    (a participant or preferred provider on the run's date), in cents: an entity shares its
    savings only with its own participants and providers (specialists.engine.gainshare)."""
    return [
        gs.EpisodeResult(
            tin=e.managing_tin,
            episode=e.episode_type,
            actual_cents=int(e.actual * 100),
            target_cents=None if e.target is None else int(e.target * 100),
            readmitted=e.readmissions > 0,
        )
        for e in Episode.objects.filter(run=run, period=PERFORMANCE, complete=True)
        .exclude(managing_tin="")
        .exclude(network_role="")
        .order_by("id")
    ]


def gain_share_view(*, user: Any, entity: Entity, run: LeadSpecialistRun) -> GainShareView:
    year = run.as_of.year
    settlement = settlement_for_year(user=user, entity=entity, year=year)
    policy = GainSharePolicy.objects.filter(entity=entity).first()
    rules = arrangement_rules(entity=entity)
    label = ""
    if settlement is not None:
        label = (
            f"{settlement.program.upper()} PY{settlement.performance_year} "
            f"{settlement.get_kind_display().lower()} v{settlement.version} of "
            f"{settlement.created_at:%Y-%m-%d}"
        )
    reconciliation = gs.reconcile(
        rules=rules,
        results=episode_results(run=run),
        entity_earned=None if settlement is None else settlement.earned_savings_losses,
        pool_share=policy.pool_share if policy else Decimal(0),
        settlement_label=label,
        episode_labels={e["code"]: e["label"] for e in run.episode_definitions.get("episodes", [])},
    )
    tins = [s.tin for s in reconciliation.shares]
    names = dict(
        ParticipantOrganization.objects.filter(tin__in=tins).values_list("tin", "legal_name")
    )
    return GainShareView(run, year, settlement, policy, rules, reconciliation, names)


def _facts(view: GainShareView, share: gs.SpecialistShare) -> list[tuple[str, str]]:
    entity = view.run.entity
    settlement = view.settlement
    return [
        ("Entity", f"{entity.legal_name} ({entity.cms_id})"),
        ("Performance year", f"{view.year}"),
        (
            "Episodes",
            f"complete episodes anchored {view.year} with claims through "
            f"{view.run.as_of:%Y-%m-%d} ({view.run.episode_definitions.get('version', '')})",
        ),
        (
            "Entity settlement",
            "none yet"
            if settlement is None
            else f"{settlement.program.upper()} PY{settlement.performance_year} "
            f"{settlement.get_kind_display()} v{settlement.version} of "
            f"{settlement.created_at:%Y-%m-%d}",
        ),
        (
            "Entity earned savings (losses)",
            "" if settlement is None else display.money(settlement.earned_savings_losses),
        ),
        ("Pool for specialists", display.money(view.reconciliation.pool)),
        ("TIN", share.tin),
        ("Specialist practice", view.names.get(share.tin, "")),
        ("Episodes scored", f"{sum(line.episodes for line in share.lines):,}"),
        ("Amount for this TIN", paid_or_owed(share.amount)),
    ]


def paid_or_owed(amount: Decimal) -> str:
    """A specialist's amount in words, not a sign to decode: "$1,200.00 paid to the practice",
    "$300.00 owed by the practice to the entity", "$0.00 (no gain, nothing owed)"."""
    if amount > 0:
        return f"{display.money(amount)} paid to the practice"
    if amount < 0:
        return f"{display.money(-amount)} owed by the practice to the entity"
    return f"{display.money(0)} (no gain, nothing owed)"


def _steps(view: GainShareView, share: gs.SpecialistShare) -> list[str]:
    """The entity's reconciliation as this TIN may read it: the totals and its own lines
    (another TIN's amount is that TIN's business), as the settlement's TIN statements do."""
    own = f"TIN {share.tin}"
    entity_steps = [
        step
        for step in view.reconciliation.explanation
        if not step.label.startswith("TIN ") or step.label.startswith(own)
    ]
    return [display.tidy(step.as_text()) for step in (*share.explanation, *entity_steps)]


def specialist_statement_csv(view: GainShareView, share: gs.SpecialistShare) -> str:
    return statement_csv(_facts(view, share), _steps(view, share))


def specialist_statement_pdf(view: GainShareView, share: gs.SpecialistShare) -> bytes:
    return statement_pdf(
        title=f"Gain-share statement {share.tin} {view.year}",
        heading=f"Gain-share statement: TIN {share.tin}",
        subheading=f"{view.run.entity.legal_name}, {view.year}",
        facts=_facts(view, share),
        steps_heading="How the amount was computed and reconciled",
        steps=_steps(view, share),
    )
