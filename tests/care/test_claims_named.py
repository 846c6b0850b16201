"""The beneficiary page's claims name their facility and clinicians from the entities registry
and their procedure codes in words (HCPCS Level II; CPT® codes without the AMA's descriptors)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from care.services import care_refresh
from entities.models import ParticipantOrganization, Participation, Provider, SpecialtyCode

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)


def test_claims_show_named_facility_clinician_and_code_descriptions(
    entity_a, make_bene, add_visit, add_inpatient, aco_coordinator, login_client
):
    from claims.models import PartAClaimHeader, PartBPhysicianLine

    internal, _ = SpecialtyCode.objects.get_or_create(
        code="11", defaults={"description": "Internal Medicine", "evidence": "V", "source": "t"}
    )
    doctor = Provider.objects.create(npi="1234567893", name="Lee, Ann", specialty=internal)
    hospital = ParticipantOrganization.objects.create(tin="123456789", legal_name="Valley General")
    Participation.objects.create(
        entity=entity_a, organization=hospital, ccn="330101", start_date=date(2025, 1, 1)
    )
    bene = make_bene(entity_a)
    add_inpatient(bene, 9401, AS_OF - timedelta(days=30), AS_OF - timedelta(days=26))
    PartAClaimHeader.objects.filter(cur_clm_uniq_id=9401).update(clm_atndg_prvdr_npi_num=doctor.npi)
    add_visit(bene, 9402, AS_OF - timedelta(days=10), "99214", dx="E119")
    add_visit(bene, 9403, AS_OF - timedelta(days=5), "G0439", dx="Z0000")
    PartBPhysicianLine.objects.filter(cur_clm_uniq_id=9402).update(
        rndrg_prvdr_npi_num=doctor.npi, clm_prvdr_spclty_cd="11"
    )
    # A clinician the registry does not hold: the number and the claim's specialty only.
    PartBPhysicianLine.objects.filter(cur_clm_uniq_id=9403).update(
        rndrg_prvdr_npi_num="1987654321", clm_prvdr_spclty_cd="11"
    )
    care_refresh(entity=entity_a, as_of=AS_OF)
    body = (
        login_client(aco_coordinator)
        .get(reverse("care:beneficiary", args=[entity_a.pk, bene.pk]))
        .content.decode()
    )
    assert "CCN 330101 · Valley General" in body
    assert "NPI 1234567893 · Lee, Ann (Internal Medicine)" in body
    assert "NPI 1987654321 (Internal Medicine)" in body
    assert "G0439 Ppps, subseq visit" in body
    assert "CPT® 99214" in body
