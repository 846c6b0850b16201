"""An MSSP entity with three aligned beneficiaries and the claims that make their lead
specialists: a nephrology practice on the participant list, a cardiology practice on it as a
preferred provider, and an oncology practice outside it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from alignment.models import AlignmentResult, AlignmentRun
from beneficiaries.models import Beneficiary, BeneficiaryMbi
from entities.models import Entity, ParticipantOrganization, Participation, Provider
from synthetic.identifiers import npi
from tests import builders

NEPHRO_TIN, CARDIO_TIN, ONC_TIN = "310000001", "310000002", "310000003"
NEPHRO_NPI, NEPHRO_NPI_2, CARDIO_NPI, ONC_NPI = npi(7001), npi(7002), npi(7003), npi(7004)
AS_OF = date(2025, 6, 30)
_claims = itertools.count(900_000)


@dataclass
class World:
    entity: Entity
    benes: list[Beneficiary]
    alignment: AlignmentRun


def visit(bene: Beneficiary, when: date, hcpcs: str, dx: str, specialty: str, tin: str,
          who: str, allowed: str = "150.00") -> None:  # fmt: skip
    """A Part B line by `who` (NPI) of `tin` under CMS specialty `specialty`, diagnosis `dx`."""
    mbi_id = BeneficiaryMbi.objects.get(beneficiary=bene, mbi=bene.current_mbi).pk
    claim = next(_claims)
    builders.part_b_line(
        lineage={
            "entity_id": bene.entity_id,
            "mbi_id": mbi_id,
            "delivery_id": 1,
            "source_file_id": 1,
            "source_line": claim,
            "delivered_on": date(2025, 7, 15),
        },
        claim_id=claim,
        day=when,
        hcpcs=hcpcs,
        paid=Decimal(allowed) * Decimal("0.8"),
        clm_line_alowd_chrg_amt=Decimal(allowed),
        clm_prvdr_spclty_cd=specialty,
        clm_rndrg_prvdr_tax_num=tin,
        rndrg_prvdr_npi_num=who,
        clm_line_dgns_cd=dx,
        clm_dgns_1_cd=dx,
        clm_cntl_num=f"CTL{claim}",
    )


def build_world(entity: Entity) -> World:
    benes = [
        builders.beneficiary(entity, serial=80_000 + entity.pk * 10 + i, first_seen_on=date(2024, 1, 1))
        for i in range(3)
    ]  # fmt: skip
    for tin, role, who in (
        (NEPHRO_TIN, "participant", NEPHRO_NPI),
        (CARDIO_TIN, "preferred", CARDIO_NPI),
    ):
        org, _ = ParticipantOrganization.objects.get_or_create(tin=tin)
        provider, _ = Provider.objects.get_or_create(npi=who, defaults={"name": f"Dr {tin[-1]}"})
        Participation.objects.create(
            entity=entity, organization=org, provider=provider, role=role,
            start_date=date(2024, 1, 1),
        )  # fmt: skip
    run = AlignmentRun.objects.create(
        entity=entity, program=entity.program.code, performance_year=2025, list_kind="quarterly",
        as_of=AS_OF, version=1, status="succeeded", parameters_version="test",
        participants_as_of=AS_OF, participants_digest="0" * 64, bucket_count=1, buckets_done=1,
    )  # fmt: skip
    for bene in benes:
        AlignmentResult.objects.create(
            run=run, beneficiary=bene, bucket=0, aligned=True, step="step_1",
            reason="aligned_pcp_plurality", attributed_tin="310000009",
        )  # fmt: skip
    ckd, hf, cancer = benes
    # CKD stage 4 on two dates; the participant nephrologist leads.
    visit(ckd, date(2025, 1, 10), "99214", "N184", "39", NEPHRO_TIN, NEPHRO_NPI)
    visit(ckd, date(2025, 3, 10), "99214", "N184", "39", NEPHRO_TIN, NEPHRO_NPI)
    # Heart failure; the preferred cardiologist leads.
    visit(hf, date(2025, 2, 1), "99213", "I5022", "06", CARDIO_TIN, CARDIO_NPI)
    visit(hf, date(2025, 4, 1), "99213", "I5022", "06", CARDIO_TIN, CARDIO_NPI)
    # Cancer; an oncologist outside the list leads.
    visit(cancer, date(2025, 2, 1), "96413", "C50911", "90", ONC_TIN, ONC_NPI, "900.00")
    visit(cancer, date(2025, 5, 1), "99215", "C50911", "90", ONC_TIN, ONC_NPI)
    return World(entity, benes, run)


@pytest.fixture
def world(entity_a: Entity) -> World:
    return build_world(entity_a)


@pytest.fixture
def lead_run(world: World, aco_admin: Any, django_capture_on_commit_callbacks: Any) -> Any:
    from specialists.services import lead_run_create

    with django_capture_on_commit_callbacks(execute=True):
        run = lead_run_create(entity=world.entity, acting_user=aco_admin, as_of=AS_OF)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    return run
