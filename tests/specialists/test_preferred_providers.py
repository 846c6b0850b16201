"""Preferred providers' own logins (ACO REACH), tried as those users: an entity admin enrolls a
person for one preferred-provider TIN in the admin console; that person, with a second factor,
sees the patients the TIN shares with the entity and its scorecard on the page, the export and
the API (each read logged), and nothing else: not another TIN's patients, not the entity's
other pages, not another entity's rows. The console's participant list shows each provider's
attributed patients, episodes and network share, linked to the pages behind them."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from audit.models import AccessRecord
from core.api import ApplicationError
from entities.models import Participation
from entities.services.preferred_logins import preferred_provider_enroll
from specialists.services import lead_run_create
from tests.login import password_only_client, verified_client
from tests.specialists.conftest import AS_OF, CARDIO_NPI, CARDIO_TIN, NEPHRO_TIN, build_world
from tests.specialists.test_episodes import stay

pytestmark = pytest.mark.django_db


@pytest.fixture
def dce(entity_b, make_member, django_capture_on_commit_callbacks) -> dict[str, Any]:
    """The REACH entity's world (the cardiologist's TIN is a preferred provider) with a run;
    the heart-failure patient's stay makes an episode the cardiologist manages."""
    world = build_world(entity_b)
    ckd, hf, cancer = world.benes
    stay(hf, date(2025, 1, 20), date(2025, 1, 24), "0291", "9000.00")
    admin = make_member(entity_b, Role.ENTITY_ADMIN, "admin@b.example.test")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        run = lead_run_create(entity=entity_b, acting_user=admin, as_of=AS_OF)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    return {"entity": entity_b, "world": world, "run": run, "admin": admin}


@pytest.fixture
def cardiologist(dce) -> Any:
    membership = preferred_provider_enroll(
        entity=dce["entity"], email="Cardio@Practice.example.test", full_name="Dr Heart",
        tin=CARDIO_TIN, acting_user=dce["admin"],
    )  # fmt: skip
    return membership.user


def test_the_entity_admin_enrolls_a_preferred_provider_in_the_console(dce, entity_a) -> None:
    client = verified_client(dce["admin"])
    url = reverse("admin:accounts_preferredproviderlogin_add")
    form = {"entity": dce["entity"].pk, "tin": CARDIO_TIN, "email": "pp@cardio.example.test"}
    # A participant TIN is not a preferred provider: the form says so, nothing is made.
    response = client.post(url, {**form, "tin": NEPHRO_TIN})
    assert response.status_code == 200
    assert "not on the preferred provider list" in response.content.decode()
    assert not Membership.objects.filter(role=Role.PREFERRED_PROVIDER).exists()
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Membership.objects.get(role=Role.PREFERRED_PROVIDER)
    assert (made.user.email, made.entity_id, made.tin) == (
        "pp@cardio.example.test", dce["entity"].pk, CARDIO_TIN,
    )  # fmt: skip
    assert not made.user.has_usable_password()
    listed = client.get(reverse("admin:accounts_preferredproviderlogin_changelist"))
    assert "pp@cardio.example.test" in listed.content.decode()
    # An MSSP entity has no preferred providers; an admin enrolls only in their own entities.
    with pytest.raises(ApplicationError, match="ACO REACH"):
        preferred_provider_enroll(entity=entity_a, email="x@y.test", full_name="", tin=CARDIO_TIN,
                                  acting_user=dce["admin"])  # fmt: skip
    assert client.post(url, {**form, "entity": entity_a.pk}).status_code == 200
    assert Membership.objects.filter(role=Role.PREFERRED_PROVIDER).count() == 1


def test_a_preferred_provider_sees_its_shared_patients_and_scorecard_logged(
    dce, cardiologist
) -> None:
    ckd, hf, cancer = dce["world"].benes
    entity = dce["entity"]
    client = verified_client(cardiologist)
    page = client.get(reverse("specialists:preferred", args=[entity.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"have at TIN {CARDIO_TIN}" in text
    assert "through 2025-06-30" in text
    # Each shared patient by name and masked MBI (never the platform's own row id).
    assert f"<td>{hf.last_name}, {hf.first_name}</td>" in text
    assert hf.masked_mbi in text
    assert ckd.masked_mbi not in text
    assert cancer.masked_mbi not in text
    assert f"#{hf.pk} " not in text
    assert "lead specialist: Heart failure" in text
    assert "Your scorecard" in text
    assert "Episodes" in text
    record = AccessRecord.objects.get(purpose="preferred_provider_shared_patients")
    assert (record.user_id, record.entity_id, record.beneficiary_ids) == (
        cardiologist.pk, entity.pk, [hf.pk],
    )  # fmt: skip
    # The export: the same patients, logged; every cell safe in a spreadsheet.
    export = client.get(reverse("specialists:preferred_export", args=[entity.pk]))
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[1][0] == "Beneficiary id"
    assert [r[0] for r in rows[2:]] == [str(hf.pk)]
    assert AccessRecord.objects.get(
        purpose="preferred_provider_shared_patients_export"
    ).beneficiary_ids == [hf.pk]
    # The API: the same, logged.
    api = client.get(f"/api/v1/preferred-providers/{entity.pk}/shared-patients/")
    assert api.status_code == 200
    body = api.json()
    assert (body["tin"], body["count"], [p["id"] for p in body["patients"]]) == (
        CARDIO_TIN, 1, [hf.pk],
    )  # fmt: skip
    assert body["scorecard"]["episodes"] == 1
    assert AccessRecord.objects.filter(purpose="preferred_provider_shared_patients_api").count()


def test_a_preferred_provider_sees_nothing_else(dce, cardiologist, entity_a, aco_admin) -> None:
    """Not another TIN's roster or scorecard, not the entity's pages or API, not another
    entity's rows (entity A lists the same TIN as a preferred provider)."""
    entity = dce["entity"]
    ckd, hf, _ = dce["world"].benes
    build_world(entity_a)
    client = verified_client(cardiologist)
    for url in (
        reverse("specialists:preferred", args=[entity_a.pk]),
        reverse("specialists:preferred_export", args=[entity_a.pk]),
        f"/api/v1/preferred-providers/{entity_a.pk}/shared-patients/",
        reverse("specialists:entity", args=[entity.pk]),
        reverse("specialists:roster", args=[entity.pk, NEPHRO_TIN]),
        reverse("specialists:roster", args=[entity.pk, CARDIO_TIN]),
        reverse("specialists:scorecard", args=[entity.pk, CARDIO_TIN]),
        reverse("specialists:providers", args=[entity.pk]),
        reverse("specialists:provider_patients", args=[entity.pk, CARDIO_NPI]),
        reverse("care:roster", args=[entity.pk]),
        reverse("care:beneficiary", args=[entity.pk, hf.pk]),
        reverse("care:beneficiary", args=[entity.pk, ckd.pk]),
        f"/api/v1/beneficiaries/{hf.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/beneficiaries/").json()["results"] == []
    assert client.get("/admin/").status_code == 302  # not staff: the console's sign-in
    # Nor is a preferred provider one of the entity's staff: no task is assigned to them.
    from care.services import worklist_item_create

    with pytest.raises(ApplicationError, match="not a member"):
        worklist_item_create(entity=entity, beneficiary=hf, title="Call", assigned_to=cardiologist,
                             acting_user=dce["admin"])  # fmt: skip
    # Entity A's staff do not see B's preferred-provider pages either.
    staff = verified_client(aco_admin)
    assert staff.get(reverse("specialists:preferred", args=[entity.pk])).status_code == 404


def test_the_policy_holds_for_a_preferred_provider(dce, cardiologist) -> None:
    """Second factor first; a TIN taken off the preferred provider list loses its access."""
    entity = dce["entity"]
    url = reverse("specialists:preferred", args=[entity.pk])
    unverified = password_only_client(cardiologist)
    assert unverified.get(url)["Location"] == "/accounts/2fa/totp/activate/"
    api = unverified.get(f"/api/v1/preferred-providers/{entity.pk}/shared-patients/")
    assert api.status_code == 403
    Participation.objects.filter(entity=entity, organization__tin=CARDIO_TIN).update(
        end_date=date(2025, 1, 1)
    )
    assert verified_client(cardiologist).get(url).status_code == 404


def test_the_console_shows_each_providers_patients_episodes_and_network_share(dce) -> None:
    client = verified_client(dce["admin"])
    response = client.get(
        reverse("admin:entities_participation_changelist")
        + f"?entity__id__exact={dce['entity'].pk}"
    )
    assert response.status_code == 200
    text = response.content.decode()
    patients = reverse("specialists:provider_patients", args=[dce["entity"].pk, CARDIO_NPI])
    assert f'href="{patients}?run={dce["run"].pk}"' in text
    assert "0 · 1" in text  # the cardiologist: aligned none, leads one
    scorecard = reverse("specialists:scorecard", args=[dce["entity"].pk, CARDIO_TIN])
    assert f'href="{scorecard}?run={dce["run"].pk}">1</a>' in text
    assert "% in the network; $" in text
    # The link: the patients, logged.
    page = client.get(f"{patients}?run={dce['run'].pk}")
    assert page.status_code == 200
    hf = dce["world"].benes[1]
    assert f"#{hf.pk} " in page.content.decode()
    assert AccessRecord.objects.get(purpose="provider_attributed_patients").beneficiary_ids == [
        hf.pk
    ]


def test_a_preferred_providers_header_links_only_what_it_may_open(dce, cardiologist, aco_admin) -> None:  # fmt: skip
    """The header offers a preferred provider its home page (which links its shared patients),
    not the entity's pages it would get a 404 on, nor the search for a person."""
    home = verified_client(cardiologist).get(reverse("home")).content.decode()
    assert reverse("specialists:preferred", args=[dce["entity"].pk]) in home
    for url in (reverse("care:today"), reverse("alignment:index")):
        assert f'href="{url}"' not in home, url
    assert f'action="{reverse("care:search")}"' not in home
    staff = verified_client(aco_admin).get(reverse("home")).content.decode()
    assert f'href="{reverse("care:today")}"' in staff
    assert f'action="{reverse("care:search")}"' in staff


def test_a_shared_patients_reasons_put_each_noun_in_its_number() -> None:
    # The list read "1 care episode(s) managed; 3 Part B claim line(s) billed".
    from specialists.preferred import SharedPatient

    reasons = SharedPatient(beneficiary=None, episodes=1, lines=3).reasons  # type: ignore[arg-type]
    assert reasons == ["1 care episode managed", "3 Part B claim lines billed"]


def test_the_enrolled_clinicians_page_sums_them_up_and_pages_through_them(dce, monkeypatch) -> None:
    from specialists import episode_views

    client = verified_client(dce["admin"])
    url = reverse("specialists:providers", args=[dce["entity"].pk])
    rows = client.get(url).context["rows"]
    participants = sum(row["role"] == "participant" for row in rows)
    preferred = len(rows) - participants
    assert len(rows) >= 2
    assert preferred >= 1  # the cardiologist's TIN
    text = client.get(url).content.decode()
    assert f"{len(rows)} clinicians in " in text
    assert f'role=participant">{participants} participant' in text
    assert f'role=preferred">{preferred} preferred provider' in text
    # One clinician a page: every one is reached, none twice.
    monkeypatch.setattr(episode_views, "PROVIDERS_PER_PAGE", 1)
    seen = []
    for number in range(1, len(rows) + 1):
        page = client.get(f"{url}?run={dce['run'].pk}&page={number}")
        seen += [row["npi"] for row in page.context["page"]]
        assert f"Page {number} of {len(rows)}" in page.content.decode()
    assert sorted(seen) == sorted(row["npi"] for row in rows)
    # A filtered list pages through what matches, the filter kept in the links.
    page = client.get(url, {"run": dce["run"].pk, "role": "preferred"})
    assert [row["npi"] for row in page.context["page"]] == [
        row["npi"] for row in rows if row["role"] == "preferred"
    ][:1]
    page = client.get(url, {"run": dce["run"].pk, "activity": ""})  # "Any": all of them
    assert f"Page 1 of {len(rows)}" in page.content.decode()
    assert "activity=&amp;page=2" in page.content.decode()
