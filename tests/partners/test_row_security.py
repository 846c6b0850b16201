"""A partner client's request that forgets `for_user()` still gets no row of another entity:
PostgreSQL's row-level security scopes it to the client's entity (core/rls.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings

from beneficiaries.models import Beneficiary
from care.models import CareGap
from core import rls

pytestmark = pytest.mark.django_db


@pytest.mark.urls("tests.core.rls_urls")
def test_a_partner_request_that_forgets_for_user_gets_no_row_of_another_entity(
    entity_a, entity_b, partner_a, api_for
) -> None:
    for entity, mbi in ((entity_a, "1EG4TE5MK73"), (entity_b, "2EG4TE5MK74")):
        person = Beneficiary.objects.create(entity=entity, current_mbi=mbi)
        CareGap.objects.create(
            entity=entity, beneficiary=person, gap="hba1c", label="HbA1c", as_of=date(2025, 6, 30)
        )

    response = api_for(partner_a).get("/partner-everything/")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "role": settings.DATABASE_APP_ROLE,
        "beneficiaries": [entity_a.pk],
        "gaps": [entity_a.pk],
        "summaries": [],
    }
    assert rls.current_scope() is None
