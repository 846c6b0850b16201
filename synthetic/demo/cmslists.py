"""Demo CMS list: the MSSP demo entity's quarterly Assignment List Report for PY2025 Q4,
matching its synthetic CCLF deliveries (synthetic.cms_lists: the engine's rules over every claim
drawn, the ones CMS withholds included), so that its roster of record comes from CMS's list (with
beneficiaries CMS excluded: Medicare health plan months, another shared savings initiative,
outside the US, died before the year) and each difference from the platform's run has a cause
in the data; the REACH
demo entity keeps the platform's projection. Idempotent: the same report is loaded once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

from cmslists.services import cms_list_load
from synthetic.cclf import GeneratorConfig
from synthetic.cms_lists import generate_cms_list
from synthetic.management.commands.generate_cclf import entity_participants

DEMO_YEAR = 2025
DEMO_QUARTER = 4
DEMO_LIST_DATE = date(2025, 11, 14)


def load(*, entities: dict[str, Any], stdout: Any) -> None:
    entity = entities.get("mssp")
    if entity is None:
        return
    providers, ccns = entity_participants(entity.cms_id, DEMO_YEAR)
    config = GeneratorConfig(
        entity_id=entity.cms_id,
        year=DEMO_YEAR,
        beneficiaries=settings.DEMO_BENEFICIARIES,
        seed=2026,
        participants=providers,
        facilities=ccns,
    )
    written = generate_cms_list(
        config,
        Path(settings.VAR_DIR) / "demo-cms-lists",
        kind="mssp_quarterly",
        period=DEMO_QUARTER,
        list_date=DEMO_LIST_DATE,
        # Everyone on the demo list is in the demo's CCLF files. People only the list names
        # would now keep their place through the list's enrollment flags (docs/cms-lists.md),
        # but with no claims at all they would lower the demo's calibrated expenditures.
        opted_out=0,
        # Each year's delivery was drawn with that year's participants (synthetic.demo.claims).
        participants_for=lambda year: entity_participants(entity.cms_id, year),
    )
    result = cms_list_load(
        entity=entity,
        kind=written.kind,
        performance_year=written.performance_year,
        period=written.period,
        list_date=written.list_date,
        files=written.files,
    )
    if result.created:
        lst = result.cms_list
        stdout.write(
            f"  {entity.cms_id}: {lst.label}: {lst.assigned_count} assigned, "
            f"{lst.excluded_count} excluded"
        )
