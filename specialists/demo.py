"""Demo lead specialists, episodes and gain-sharing: one run per demo entity over its aligned
population, as of the date its claims reach, so that the entity page, the practice rosters, the
specialist Groups, the episodes and scorecards have data; and each entity's downstream terms
with its specialists (synthetic: a share of its earned savings and two arrangements), so that
the gain-share statements reconcile to its settlement. Idempotent: an entity with a succeeded
run that built episodes is left alone, and existing terms are kept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from core.api import ApplicationError
from entities.models import Entity
from specialists.models import (
    GainShareArrangement,
    GainSharePolicy,
    LeadSpecialistRun,
    RunStatus,
)
from specialists.services import lead_run_create

# The demo's terms: the entity's own contract choices (CMS sets no rate), synthetic.
POOL_SHARE = Decimal("0.10")
ARRANGEMENTS = [
    # Any specialist, any episode: half of the savings against target, upside only, capped,
    # paid only with at most a quarter of the episodes readmitted.
    {"tin": "", "episode_type": "", "rate": "0.50", "floor": "0", "cap": "25000",
     "max_readmission_rate": "0.25", "note": "Demo terms: upside only."},
    # Heart failure: a two-sided arrangement.
    {"tin": "", "episode_type": "heart_failure", "rate": "0.50", "floor": "-5000",
     "cap": "25000", "max_readmission_rate": "0.25",
     "note": "Demo terms: two-sided, repayment up to $5,000."},
]  # fmt: skip


def _terms(entity: Entity) -> None:
    GainSharePolicy.objects.get_or_create(
        entity=entity,
        defaults={"pool_share": POOL_SHARE, "note": "Demo terms (synthetic)."},
    )
    for terms in ARRANGEMENTS:
        GainShareArrangement.objects.get_or_create(
            entity=entity,
            tin=terms["tin"],
            episode_type=terms["episode_type"],
            defaults={
                "rate": Decimal(terms["rate"]),
                "floor": Decimal(terms["floor"]),
                "cap": Decimal(terms["cap"]),
                "max_readmission_rate": Decimal(terms["max_readmission_rate"]),
                "note": terms["note"],
            },
        )


def load(*, entities: dict[str, Entity], stdout: Any) -> None:
    previous = settings.JOBS_DISPATCH
    # Run the job here, to the end, as the alignment demo does.
    settings.JOBS_DISPATCH = "sync"
    try:
        for entity in entities.values():
            _terms(entity)
            done = LeadSpecialistRun.objects.filter(
                entity=entity, status=RunStatus.SUCCEEDED
            ).exclude(episode_definitions={})
            if done.exists():
                continue
            try:
                run = lead_run_create(entity=entity, acting_user=None)
            except ApplicationError as exc:
                stdout.write(f"  {entity.cms_id}: no lead-specialist run: {exc.message}")
                continue
            run.refresh_from_db()
            episodes = run.episodes.count()
            stdout.write(
                f"  {entity.cms_id}: lead specialists as of {run.as_of:%Y-%m-%d}, "
                f"{run.get_status_display().lower()}: {run.attributed_count} of "
                f"{run.population_count} beneficiaries of the roster of record have one; {episodes} episodes, "
                f"{len(run.scorecards)} specialist scorecards"
            )
    finally:
        settings.JOBS_DISPATCH = previous
    for entity in entities.values():
        _preferred_login(entity, stdout)


def _preferred_login(entity: Entity, stdout: Any) -> None:
    """A REACH entity's demo preferred provider: a login for the preferred TIN that manages the
    most scored episodes, at the domain and with the password of the entity's demo admin."""
    from accounts.models import Membership, Role
    from entities.services.preferred_logins import preferred_provider_enroll
    from specialists.selectors import lead_run_current

    admin = (
        Membership.objects.filter(entity=entity, role=Role.ENTITY_ADMIN)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    run = lead_run_current(entity=entity)
    if admin is None or run is None or entity.program.code != "reach":
        return
    if Membership.objects.filter(entity=entity, role=Role.PREFERRED_PROVIDER).exists():
        return
    preferred = [c for c in run.scorecards if c.get("network_role") == "preferred"]
    if not preferred:
        return
    tin = max(preferred, key=lambda c: (c["episodes"], c["tin"]))["tin"]
    try:
        membership = preferred_provider_enroll(
            entity=entity, email=f"preferred@{admin.user.email.split('@', 1)[1]}",
            full_name="Demo preferred provider", tin=tin, acting_user=None,
        )  # fmt: skip
    except ApplicationError as exc:
        stdout.write(f"  {entity.cms_id}: no preferred-provider login: {exc.message}")
        return
    membership.user.password = admin.user.password  # the demo password, as its staff's
    membership.user.save(update_fields=["password"])
    stdout.write(f"  {entity.cms_id}: preferred-provider login {membership.user.email}, TIN {tin}")
