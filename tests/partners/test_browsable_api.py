"""The browsable API masks MBIs for people; a partner client with the roster scope reads them
in JSON."""

from __future__ import annotations

import pytest

from accounts.models import Role
from beneficiaries.models import Beneficiary
from core.logging import MASK

pytestmark = pytest.mark.django_db


def test_the_browsable_api_masks_mbis_for_a_person(
    entity_a, make_member, login_client, aligned_a
) -> None:
    mbis = set(Beneficiary.objects.filter(entity=entity_a).values_list("current_mbi", flat=True))
    person = login_client(make_member(entity_a, Role.CARE_COORDINATOR))
    page = person.get("/api/v1/beneficiaries/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert MASK in text
    assert not [mbi for mbi in mbis if mbi in text]


def test_a_partner_client_with_the_roster_scope_reads_mbis(partner_a, api_for, aligned_a) -> None:
    rows = api_for(partner_a).get("/api/v1/beneficiaries/").json()["results"]
    assert rows
    assert all(len(row["mbi"]) == 11 for row in rows)
