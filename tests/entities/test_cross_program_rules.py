"""A TIN may not be an ACO participant of a Shared Savings Program ACO and a Participant
Provider TIN of an ACO REACH entity in the same period (42 CFR 425.114(a)-(b)): the console's
participant forms and the CSV preview refuse it, citing the rule, as the entity's administrator
would meet it; as a REACH Preferred Provider it is a warning."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse

from entities.models import Participation
from entities.services.participations import participation_add

pytestmark = pytest.mark.django_db
D = dt.date
TIN = "555000111"
RULE = "42 CFR 425.114(a)-(b)"


def _add_form(entity, npi: str, **changes: str) -> dict[str, object]:
    return {
        "entity": entity.pk, "tin": TIN, "npi": npi, "ccn": "", "specialty_code": "08",
        "role": "participant", "start_date": "2025-01-01", "end_date": "", **changes,
    }  # fmt: skip


def _preview(client, entity, text: str, year: str = "2025"):
    url = reverse("admin:entities_entity_participant_import", args=[entity.pk])
    upload = io.BytesIO(text.encode())
    upload.name = "participants.csv"
    return client.post(url, {"step": "preview", "performance_year": year, "file": upload})


def test_an_aco_admin_cannot_list_a_tin_that_is_a_reach_participant_provider(
    entity_a, entity_b, console_admin, login_client, npis
) -> None:
    participation_add(entity=entity_b, tin=TIN, npi=next(npis), specialty_code="08",
                      start_date=D(2025, 1, 1))  # fmt: skip
    client = login_client(console_admin)
    body = client.post(
        reverse("admin:entities_participation_add"), _add_form(entity_a, next(npis))
    ).content.decode()
    assert f"TIN {TIN} is on the list of" in body
    assert "as a Participant Provider from 2025-01-01, open-ended" in body
    assert RULE in body
    assert not Participation.objects.filter(entity=entity_a).exists()

    # The REACH participation ended before the ACO's period starts: no overlap, accepted.
    Participation.objects.filter(entity=entity_b).update(end_date=D(2025, 6, 30))
    response = client.post(
        reverse("admin:entities_participation_add"),
        _add_form(entity_a, next(npis), start_date="2025-07-01"),
    )
    assert response.status_code == 302
    assert Participation.objects.filter(entity=entity_a, organization__tin=TIN).count() == 1


def test_the_reach_csv_preview_refuses_an_aco_participant_tin_and_warns_for_a_preferred_one(
    entity_a, entity_b, console_admin_b, login_client, npis
) -> None:
    participation_add(entity=entity_a, tin=TIN, npi=next(npis), specialty_code="08",
                      start_date=D(2025, 1, 1), end_date=D(2025, 12, 31))  # fmt: skip
    client = login_client(console_admin_b)
    header = "tin,npi,ccn,specialty_code,role,effective_start,effective_end"
    npi = next(npis)
    page = _preview(client, entity_b, f"{header}\n{TIN},{npi},,08,participant,2025-03-01,\n")
    body = page.content.decode()
    assert "1 row with errors: fix it" in body
    assert f"TIN {TIN} is an ACO participant of" in body
    assert "Medicare Shared Savings Program) from 2025-01-01 to 2025-12-31" in body
    assert RULE in body
    assert "Import 1 row" not in body

    page = _preview(client, entity_b, f"{header}\n{TIN},{npi},,08,preferred,2025-03-01,\n")
    body = page.content.decode()
    assert "with errors: fix" not in body
    assert "Import 1 row" in body
    assert "whether CMS counts a Preferred Provider" in body
    assert RULE in body
    response = client.post(
        reverse("admin:entities_entity_participant_import", args=[entity_b.pk]),
        {"step": "import", "performance_year": "2025", "content": page.context["content"]},
    )
    assert response.status_code == 302
    assert Participation.objects.get(entity=entity_b).role == "preferred"

    # From 2026 the ACO's participation has ended: a Participant Provider row is accepted.
    page = _preview(
        client, entity_b, f"{header}\n{TIN},{next(npis)},,08,participant,2026-01-01,\n", "2026"
    )
    body = page.content.decode()
    assert "Import 1 row" in body


def test_a_preferred_provider_added_in_the_console_is_saved_with_the_warning_shown(
    entity_a, entity_b, console_admin_b, login_client, npis
) -> None:
    participation_add(entity=entity_a, tin=TIN, npi=next(npis), specialty_code="08",
                      start_date=D(2025, 1, 1))  # fmt: skip
    client = login_client(console_admin_b)
    response = client.post(
        reverse("admin:entities_participation_add"),
        _add_form(entity_b, next(npis), role="preferred"),
        follow=True,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "whether CMS counts a Preferred Provider" in body
    assert Participation.objects.filter(entity=entity_b, role="preferred").count() == 1


OTHER_TIN = "555000222"
NPI_NOTE = "Check the ACO REACH Request for Applications (section V.H, Program Overlap)"


def test_an_npi_listed_under_another_tin_in_the_other_program_is_warned_in_both_places(
    entity_a, entity_b, console_admin, console_admin_b, login_client, npis
) -> None:
    """The TIN check does not see a clinician who bills through another TIN in the other
    program: ACO REACH lists Participant Providers by TIN/NPI. The console and the CSV preview
    show it as a warning naming the NPI, the other entity and its TIN, and the rule."""
    npi = next(npis)
    participation_add(entity=entity_b, tin=OTHER_TIN, npi=npi, specialty_code="08",
                      start_date=D(2025, 1, 1))  # fmt: skip
    # The MSSP ACO's administrator lists the same clinician under the ACO's own TIN.
    response = login_client(console_admin).post(
        reverse("admin:entities_participation_add"), _add_form(entity_a, npi), follow=True
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"NPI {npi} is also on the list of" in body
    assert f"under TIN {OTHER_TIN} as a Participant Provider from 2025-01-01, open-ended" in body
    assert RULE in body
    assert NPI_NOTE in body
    assert Participation.objects.filter(entity=entity_a, provider__npi=npi).count() == 1

    # The REACH entity's CSV preview, for another clinician of the ACO's TIN listed under a
    # REACH TIN: a warning, the row can be imported; outside the ACO's period, no warning.
    other_npi = next(npis)
    participation_add(entity=entity_a, tin=TIN, npi=other_npi, specialty_code="08",
                      start_date=D(2025, 1, 1), end_date=D(2025, 12, 31))  # fmt: skip
    client = login_client(console_admin_b)
    header = "tin,npi,ccn,specialty_code,role,effective_start,effective_end"
    body = _preview(
        client, entity_b, f"{header}\n{OTHER_TIN},{other_npi},,08,participant,2025-03-01,\n"
    ).content.decode()
    assert "with errors: fix" not in body
    assert "Import 1 row" in body
    assert f"NPI {other_npi} is also on the list of" in body
    assert f"under TIN {TIN} as an ACO provider/supplier from 2025-01-01 to 2025-12-31" in body
    assert NPI_NOTE in body
    body = _preview(
        client, entity_b, f"{header}\n{OTHER_TIN},{other_npi},,08,participant,2026-01-01,\n", "2026"
    ).content.decode()
    assert "Import 1 row" in body
    assert f"NPI {other_npi} is also on the list of" not in body
