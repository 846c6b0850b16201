"""Beneficiaries and claims rows for the care tests, built straight in the claims tables."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from beneficiaries.models import Beneficiary, BeneficiaryMbi
from claims.models import PartAClaimHeader
from entities.models import Entity
from tests import builders

_seq = itertools.count(1)
# Synthetic MBIs in the CMS format (domain.md 8.4), used to check none leaks into URLs or logs.
SYNTHETIC_MBIS: list[str] = []


@pytest.fixture
def make_bene(db: None) -> Callable[..., Beneficiary]:
    def make(entity: Entity, **fields: Any) -> Beneficiary:
        n = next(_seq)
        defaults = {
            "first_name": f"Pat{n}",
            "last_name": f"Synthetic{n:03d}",
            "birth_date": date(1950, 1, 1 + n % 28),
            "sex_code": "2",
        }
        defaults.update(fields)
        bene = builders.beneficiary(
            entity, serial=n + 1000 * entity.pk, first_seen_on=date(2025, 1, 1), **defaults
        )
        SYNTHETIC_MBIS.append(bene.current_mbi)
        return bene

    return make


def _mbi_id(bene: Beneficiary) -> int:
    return BeneficiaryMbi.objects.get(beneficiary=bene, mbi=bene.current_mbi).pk


def _lineage(bene: Beneficiary) -> dict[str, Any]:
    return {
        "entity_id": bene.entity_id,
        "mbi_id": _mbi_id(bene),
        "delivery_id": 1,
        "source_file_id": 1,
        "source_line": next(_seq),
        "delivered_on": date(2025, 7, 1),
    }


@pytest.fixture
def add_inpatient(db: None) -> Callable[..., None]:
    def add(
        bene: Beneficiary,
        claim_id: int,
        admitted: date,
        discharged: date,
        dx: str = "I509",
        status: str = "01",
        frequency: str = "1",
        claim_type: str = "60",
    ) -> None:
        """A Part A claim: inpatient (60) by default, discharged home (patient discharge status
        01) on an admit-through-discharge bill (frequency 1)."""
        PartAClaimHeader.objects.create(
            **_lineage(bene),
            cur_clm_uniq_id=claim_id,
            clm_type_cd=claim_type,
            bene_ptnt_stus_cd=status,
            clm_from_dt=admitted,
            clm_thru_dt=discharged,
            clm_blg_prvdr_oscar_num="330101",
            prncpl_dgns_cd=dx,
            clm_pmt_amt=Decimal("12000.00"),
            clm_adjsmt_type_cd="0",
            clm_bill_fac_type_cd="1",
            clm_bill_clsfctn_cd="1",
            clm_bill_freq_cd=frequency,
        )

    return add


@pytest.fixture
def add_visit(db: None) -> Callable[..., None]:
    def add(bene: Beneficiary, claim_id: int, when: date, hcpcs: str, dx: str = "Z0000") -> None:
        builders.part_b_line(
            lineage=_lineage(bene),
            claim_id=claim_id,
            day=when,
            hcpcs=hcpcs,
            paid=Decimal("95.00"),
            clm_cntl_num=f"CTL{claim_id}",
            clm_line_dgns_cd=dx,
            clm_dgns_1_cd=dx,
            clm_prcsg_ind_cd="A",
        )

    return add


@pytest.fixture
def make_risk_score(db: None) -> Callable[..., Any]:
    """A stored risk score (benchmarks) with V28 HCCs, each backed by one diagnosis."""
    from benchmarks.models import RiskDiagnosis, RiskHcc, RiskScore, RiskScoreComponent

    def make(bene: Beneficiary, payment_year: int, hccs: list[tuple[str, str]]) -> Any:
        row = RiskScore.objects.create(
            entity_id=bene.entity_id,
            beneficiary=bene,
            payment_year=payment_year,
            model_family="cms_hcc",
            segment="CNA",
            raw_score=Decimal("1.234"),
            demographic_score=Decimal("0.4"),
            blend={"V28": "1"},
            diagnosis_year=payment_year - 1,
            diagnoses_through=date(payment_year - 1, 12, 31),
        )
        RiskScoreComponent.objects.create(
            risk_score=row,
            model="V28",
            weight=Decimal("1"),
            segment="CNA",
            raw_score=Decimal("1.234"),
            demographic_score=Decimal("0.4"),
        )
        for code, label in hccs:
            hcc = RiskHcc.objects.create(risk_score=row, model="V28", hcc=code, label=label)
            RiskDiagnosis.objects.create(
                hcc=hcc,
                dx_code="I5020",
                claim_count=2,
                last_date=date(payment_year - 1, 3, 1),
                last_claim_id="7001",
            )
        return row

    return make


@pytest.fixture
def make_alignment_run(db: None) -> Callable[..., Any]:
    """A succeeded alignment run built straight in the alignment tables: `results` is a list of
    (beneficiary, aligned, reason, tin, npi, competitor[, {other result fields}]) and `changes` of (beneficiary, kind,
    previous reason, previous tin) rows, the way the alignment engine stores them."""
    from alignment.models import AlignmentChange, AlignmentResult, AlignmentRun

    versions = itertools.count(1)

    def make(
        entity: Entity,
        *,
        as_of: date,
        results: list[tuple[Any, ...]],
        changes: list[tuple[Any, ...]] = (),  # type: ignore[assignment]
        previous: Any = None,
        list_kind: str = "quarterly",
        performance_year: int | None = None,
    ) -> Any:
        run = AlignmentRun.objects.create(
            entity=entity,
            program=entity.program.code,
            performance_year=performance_year or as_of.year,
            list_kind=list_kind,
            as_of=as_of,
            version=next(versions),
            status="succeeded",
            parameters_version="test",
            participants_as_of=as_of,
            participants_digest="0" * 64,
            bucket_count=1,
            buckets_done=1,
            previous_run=previous,
            beneficiary_count=len(results),
            aligned_count=sum(1 for r in results if r[1]),
        )
        for bene, aligned, reason, tin, npi, competitor, *extra in results:
            fields = {
                "step": "step_1" if aligned or competitor else "eligibility",
                "entity_allowed": Decimal("300.00"),
                "competitor_allowed": Decimal("250.00") if competitor else Decimal("0"),
                **(extra[0] if extra else {}),
            }
            AlignmentResult.objects.create(
                run=run, beneficiary=bene, bucket=0, aligned=aligned, reason=reason,
                attributed_tin=tin, attributed_npi=npi, top_competitor=competitor, **fields,
            )  # fmt: skip
        by_bene = {r[0].pk: r for r in results}
        for bene, kind, previous_reason, previous_tin in changes:
            now = by_bene.get(bene.pk)
            AlignmentChange.objects.create(
                run=run, beneficiary=bene, kind=kind,
                previous_step="step_1" if previous_reason else "", previous_reason=previous_reason,
                previous_tin=previous_tin,
                step=("step_1" if now[1] or now[5] else "eligibility") if now else "",
                reason=now[2] if now else "", attributed_tin=now[3] if now else "",
                attributed_npi=now[4] if now else "", top_competitor=now[5] if now else "",
            )  # fmt: skip
        return run

    return make


@pytest.fixture
def add_fill(db: None) -> Callable[..., None]:
    def add(bene: Beneficiary, claim_id: int, filled: date, ndc: str, days_supply: int) -> None:
        """A final-action Part D event (CCLF7): an original fill of `ndc` at a pharmacy."""
        from claims.models import PartDEvent

        PartDEvent.objects.create(
            **_lineage(bene),
            cur_clm_uniq_id=claim_id,
            clm_line_ndc_cd=ndc,
            clm_type_cd="01",
            clm_line_from_dt=filled,
            prvdr_srvc_id_qlfyr_cd="01",
            clm_srvc_prvdr_gnrc_id_num="1306924097",
            clm_dspnsng_stus_cd="C",
            clm_line_srvc_unit_qty=Decimal(days_supply),
            clm_line_days_suply_qty=days_supply,
            clm_prsbng_prvdr_gnrc_id_num="1155028875",
            clm_adjsmt_type_cd="0",
            clm_efctv_dt=filled,
            clm_idr_ld_dt=filled,
            clm_line_rx_srvc_rfrnc_num=claim_id,
            clm_line_rx_fill_num=str(claim_id % 10),
        )

    return add
