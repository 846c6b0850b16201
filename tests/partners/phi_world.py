"""One object of every kind a URL can name, for an entity: the matrix and access-log tests
(issue 24) build it for entity A and entity B and walk every URL pattern with it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from alignment.models import AlignmentResult, VoluntaryAlignment
from benchmarks.models import (
    BenchmarkCalculation,
    ReferenceDataset,
    RiskHcc,
    RiskScore,
    RiskScoreComponent,
)
from beneficiaries.models import Beneficiary
from care.models import CareGap
from care.services import worklist_item_create
from entities.models import Entity, ParticipantOrganization, Participation, Provider
from jobs.services import job_enqueue
from partners.models import BulkExport, PartnerClient
from settlement.models import ParticipantShare, SettlementRun
from tests.login import totp_authenticator


def verify_second_factor(user: Any) -> Any:
    """The user has a TOTP authenticator; `login_client` then records it as verified in the
    session, as allauth's login stage does (tests/login.py)."""
    totp_authenticator(user)
    return user


@dataclass
class World:
    entity: Entity
    beneficiary: Beneficiary
    run: Any
    job: Any
    export_job: Any
    gap: CareGap
    item: Any
    risk: RiskScore
    calculation: BenchmarkCalculation
    reference: ReferenceDataset
    settlement: SettlementRun
    tin: str
    provider: Provider
    organization: ParticipantOrganization
    participation: Participation
    voluntary: VoluntaryAlignment
    bulk: BulkExport | None


def build_world(entity: Entity, run: Any, user: Any, client: PartnerClient | None) -> World:
    result = AlignmentResult.objects.filter(run=run, aligned=True).exclude(attributed_tin="")
    result = result.order_by("beneficiary_id").first()
    bene = result.beneficiary
    participation = Participation.objects.filter(entity=entity, provider__isnull=False).first()
    risk = RiskScore.objects.create(
        entity=entity, beneficiary=bene, payment_year=2025, model_family="cms_hcc",
        segment="CNA", raw_score=Decimal("1.1"), demographic_score=Decimal("0.4"),
        diagnosis_year=2024, diagnoses_through=dt.date(2024, 12, 31),
    )  # fmt: skip
    # A recapture gap: an HCC of payment year 2025 not yet documented for 2026.
    RiskHcc.objects.create(risk_score=risk, model="CMS-HCC V28", hcc="HCC37", label="Diabetes")
    next_year = RiskScore.objects.create(
        entity=entity, beneficiary=bene, payment_year=2026, model_family="cms_hcc",
        segment="CNA", raw_score=Decimal("0.5"), demographic_score=Decimal("0.4"),
        diagnosis_year=2025, diagnoses_through=dt.date(2025, 6, 30),
    )  # fmt: skip
    RiskScoreComponent.objects.create(
        risk_score=next_year, model="CMS-HCC V28", weight=Decimal("1"), segment="CNA",
        raw_score=Decimal("0.5"), demographic_score=Decimal("0.4"),
    )  # fmt: skip
    settlement = SettlementRun.objects.create(
        entity=entity, program=entity.program.code, performance_year=2025, kind="final",
        version=1, inputs={}, figures={}, explanation=[], parameter_version="test",
        gross_savings=Decimal("100.00"), earned_savings_losses=Decimal("50.00"),
    )  # fmt: skip
    ParticipantShare.objects.create(
        run=settlement, tin=result.attributed_tin, name="Practice",
        attributed_beneficiaries=1, weight=Decimal("1"), amount=Decimal("50.00"),
    )  # fmt: skip
    return World(
        entity=entity,
        beneficiary=bene,
        run=run,
        job=job_enqueue(kind="jobs.demo", entity=entity, parameters={"steps": 0}),
        export_job=job_enqueue(
            kind="care.roster_export", entity=entity, parameters={"sort": "name"}, user=user
        ),
        gap=CareGap.objects.create(
            entity=entity, beneficiary=bene, gap="awv", label="AWV", as_of="2026-03-31"
        ),
        item=worklist_item_create(entity=entity, beneficiary=bene, title="Call", acting_user=None),
        risk=risk,
        calculation=BenchmarkCalculation.objects.create(
            entity=entity,
            performance_year=2025,
            version=1,
            program=entity.program.code,
            method="test",
            total=Decimal("1000.00"),
            member_months=12,
        ),  # fmt: skip
        reference=ReferenceDataset.objects.create(
            program=entity.program,
            year=2025,
            version=1,
            source="test",
            entity=entity,
            file_name="values.csv",
            sha256="0" * 64,
        ),  # fmt: skip
        settlement=settlement,
        tin=result.attributed_tin,
        provider=participation.provider,
        organization=participation.organization,
        participation=participation,
        voluntary=VoluntaryAlignment.objects.create(
            entity=entity,
            beneficiary=bene,
            tin=result.attributed_tin,
            npi=participation.provider.npi,
            signature_date=dt.date(2025, 1, 15),
            source="medicare_gov",
        ),  # fmt: skip
        bulk=BulkExport.objects.create(
            client=client, entity=entity, group_id=entity.cms_id, request_url="/fhir/x"
        )
        if client
        else None,
    )


def url_patterns() -> list[tuple[str, str, list[str], Any]]:
    """Every URL pattern but the admin's and the sign-in pages': (name with its namespace,
    route, the names of its path arguments, the view)."""
    found: list[tuple[str, str, list[str], Any]] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route in ("admin/", "accounts/"):
                    continue
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, route, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                args = [a for a in entry.pattern.regex.groupindex if a != "format"]
                found.append((namespace + entry.name, route, args, entry.callback))

    walk(get_resolver(), "", "")
    return found
