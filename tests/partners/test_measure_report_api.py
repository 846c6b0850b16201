"""Patient-level eCQM results over the partner API (POST /api/v1/quality/measure-reports): a
FHIR MeasureReport (individual) or a Bundle of them from a client holding `quality:write`,
stored for the client's entity with the client as source; another entity's patient is refused,
naming the entry and never the MBI; without the scope the route is closed."""

from __future__ import annotations

import pytest

from quality.models import PatientResult, ReportedFile
from tests.quality.test_patient_level import CMS2, bundle, report

pytestmark = pytest.mark.django_db
URL = "/api/v1/quality/measure-reports"
FHIR = "application/fhir+json"


def test_a_partner_sends_patient_level_results_that_replace_its_earlier_ones(
    api_for, partner_a, entity_a, entity_b, make_beneficiary
) -> None:
    ours, theirs = make_beneficiary(entity_a), make_beneficiary(entity_b)
    api = api_for(partner_a)
    sent = api.post(URL, data=bundle(report(ours.current_mbi, CMS2, 0)), content_type=FHIR)
    assert sent.status_code == 201, sent.content
    assert sent.json()["measures"] == {"134": 1}
    assert sent.json()["period_end"] == "2026-12-31"
    stored = ReportedFile.objects.get()
    assert (stored.entity, stored.source, stored.kind) == (entity_a, "Valley EHR", "fhir_mr")
    again = api.post(URL, data=report(ours.current_mbi, CMS2, 1), content_type=FHIR)
    assert again.status_code == 201
    assert again.json()["replaced"] == [stored.pk]

    refused = api.post(URL, data=report(theirs.current_mbi, CMS2, 1, ident="b"), content_type=FHIR)
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert [e["detail"] for e in refused.json()["errors"]] == [
        "entry 0 (MeasureReport/b): subject: the MBI is not a beneficiary of this entity"
    ]
    assert theirs.current_mbi not in refused.content.decode()
    assert PatientResult.objects.count() == 2


def test_the_route_needs_the_quality_write_scope(api_for, partner_a, make_beneficiary, entity_a):
    bene = make_beneficiary(entity_a)
    api = api_for(partner_a, scope="gaps:read")
    response = api.post(URL, data=report(bene.current_mbi, CMS2, 1), content_type=FHIR)
    assert response.status_code == 403
    assert not ReportedFile.objects.exists()
