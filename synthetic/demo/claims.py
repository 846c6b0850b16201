"""Demo claims: two years of synthetic CCLF deliveries for each demo entity, loaded through the
same path as real ones (generate, check, stage, merge). About 2,000 beneficiaries per entity, so
that `make run` stays quick on SQLite (the benchmark years are built on all of them). Idempotent: a delivery already loaded is not made again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from cclf.names import file_name
from claims.models import Delivery, DeliveryStatus
from claims.services import cclf_delivery_load
from datasharing.services import data_sharing_file_load
from synthetic.cclf import (
    GeneratorConfig,
    generate_delivery,
    write_data_sharing_exclusion_file,
    write_data_sharing_file,
)
from synthetic.management.commands.generate_cclf import entity_participants

DEMO_YEARS = (2024, 2025)
# About 40 people per entity declined data sharing during 2025: in the 2024 delivery, withheld
# from the 2025 one, and listed in the data-sharing file loaded with it.
DEMO_OPT_OUT_RATE = 0.02


def load(*, entities: dict[str, Any], stdout: Any) -> None:
    out = Path(settings.VAR_DIR) / "demo-cclf"
    for key in ("mssp", "reach"):
        entity = entities.get(key)
        if entity is None:
            continue
        for year in DEMO_YEARS:
            config = GeneratorConfig(
                entity_id=entity.cms_id,
                year=year,
                beneficiaries=settings.DEMO_BENEFICIARIES,
                seed=2026,
                opt_out_rate=DEMO_OPT_OUT_RATE,
            )
            _load_data_sharing(entity=entity, config=config, out=out, stdout=stdout)
            name = file_name(
                entity_id=entity.cms_id,
                code="",
                runout=False,
                year=year,
                delivered_at=config.delivery_time,
            )
            if Delivery.objects.filter(
                entity=entity, name=name, status=DeliveryStatus.LOADED
            ).exists():
                continue
            providers, ccns = entity_participants(entity.cms_id, year)
            config.participants, config.facilities = providers, ccns
            path = generate_delivery(config, out)
            result = cclf_delivery_load(path=path)
            lines = sum(c.get("records", 0) for c in result.counts.values())
            stdout.write(f"  {entity.cms_id} {year}: {lines} CCLF records loaded")


def _load_data_sharing(*, entity: Any, config: GeneratorConfig, out: Path, stdout: Any) -> None:
    """The data-sharing file sent with the delivery (idempotent: the same file loads once)."""
    path = write_data_sharing_file(config, out)
    if path is None:
        return
    result = data_sharing_file_load(
        entity=entity,
        kind="mssp_status" if entity.program.code == "mssp" else "reach_preference",
        content=path.read_bytes(),
        name=path.name,
        file_date=config.delivery_time.date(),
        performance_year=config.year,
    )
    if result.created:
        stdout.write(
            f"  {entity.cms_id} {config.year}: {result.file.records} declined data sharing"
        )
    _load_exclusion_file(entity=entity, config=config, out=out)


def _load_exclusion_file(*, entity: Any, config: GeneratorConfig, out: Path) -> None:
    """An MSSP ACO's Beneficiary Data Sharing Exclusion file, sent with the status file
    (idempotent: the same file loads once)."""
    path = write_data_sharing_exclusion_file(config, out)
    if path is None:
        return
    data_sharing_file_load(
        entity=entity,
        kind="mssp_exclusion",
        content=path.read_bytes(),
        name=path.name,
        file_date=config.delivery_time.date(),
        performance_year=config.year,
    )
