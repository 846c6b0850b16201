"""The fast path of a load: claims rows copied straight into their tables, MBIs given ids from
the sequence. What it must keep: one surrogate per MBI, every row's lineage, the generator's
beneficiaries entitled in the past."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from django.db import connection

from beneficiaries.models import BeneficiaryDemographics, BeneficiaryMbi
from cclf.parser import mbi_codes
from claims.loading.direct import MbiIndex, mbis_insert
from claims.models import CLAIMS_MODELS, DeliveryFile
from claims.services import cclf_delivery_load
from entities.models import Entity
from synthetic.cclf import GeneratorConfig, generate_delivery

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL COPY path"
)


def _codes(*mbis: str) -> np.ndarray:
    return mbi_codes(np.frombuffer("".join(mbis).encode(), dtype=np.uint8).reshape(-1, 11))


def test_an_mbi_registered_meanwhile_keeps_its_id_and_ours_is_mapped_to_it(
    entity_a: Entity,
) -> None:
    index = MbiIndex.load(entity_a.pk)
    ids = index.ids_for(_codes("1EG4TE5MK73", "6U50TE7GG18", "1EG4TE5MK73"))
    assert ids[0] == ids[2] != ids[1]
    # Another writer registers one of them before the load inserts its new MBIs.
    theirs = BeneficiaryMbi.objects.create(
        entity=entity_a, mbi="6U50TE7GG18", first_seen_on=date(2025, 1, 1)
    )
    inserted, remap = mbis_insert(
        entity_id=entity_a.pk, pending=index.take_pending(), delivered_on=date(2025, 3, 1)
    )
    assert inserted == 1
    assert remap == {int(ids[1]): theirs.pk}
    assert BeneficiaryMbi.objects.filter(entity=entity_a).count() == 2
    assert BeneficiaryMbi.objects.get(mbi="1EG4TE5MK73").pk == ids[0]
    assert index.take_pending() == []


def test_every_claims_row_carries_its_lineage_and_a_known_mbi(
    entity_a: Entity, cclf_dir: Path
) -> None:
    path = generate_delivery(
        GeneratorConfig(entity_id=entity_a.cms_id, year=2025, beneficiaries=300, seed=3), cclf_dir
    )
    result = cclf_delivery_load(path=path)
    files = dict(DeliveryFile.objects.values_list("file_code", "pk"))
    for code, model in CLAIMS_MODELS.items():
        table = model._meta.db_table
        lineage = (
            "t.delivery_id = %s AND t.source_file_id = %s AND t.delivered_on = %s"
            " AND t.source_line > 0 AND m.entity_id = t.entity_id"
        )
        sql = f"SELECT count(*), count(*) FILTER (WHERE {lineage}) FROM {table} t"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(
                sql + " LEFT JOIN beneficiaries_beneficiarymbi m ON m.id = t.mbi_id",
                [result.delivery.pk, files[code], result.delivery.delivered_at.date()],
            )
            total, with_lineage = cursor.fetchone()
        assert total == result.counts[code]["records"] == with_lineage, code
    assert result.counts["beneficiaries"]["new_mbis"] == BeneficiaryMbi.objects.count()


def test_generated_beneficiaries_are_entitled_before_the_delivery_and_differ_per_entity(
    entity_a: Entity, entity_b: Entity, cclf_dir: Path
) -> None:
    for entity in (entity_a, entity_b):
        path = generate_delivery(
            GeneratorConfig(entity_id=entity.cms_id, year=2025, beneficiaries=400, seed=5),
            cclf_dir / entity.cms_id,
        )
        cclf_delivery_load(path=path)
    rows = BeneficiaryDemographics.objects.all()
    assert rows.filter(bene_mdcr_stus_cd="20").exists()  # some disabled beneficiaries
    assert not rows.filter(bene_part_a_enrlmt_bgn_dt__gt=date(2025, 12, 31)).exists()
    assert not rows.filter(bene_part_b_enrlmt_bgn_dt__gt=date(2025, 12, 31)).exists()
    mbis_a = set(BeneficiaryMbi.objects.filter(entity=entity_a).values_list("mbi", flat=True))
    mbis_b = set(BeneficiaryMbi.objects.filter(entity=entity_b).values_list("mbi", flat=True))
    assert mbis_a
    assert mbis_b
    assert not mbis_a & mbis_b
