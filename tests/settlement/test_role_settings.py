"""Roles as data (accounts/roles.py): the console page an entity admin reads is generated from
the table the code enforces; care coordinators see settlement money only where their entity
allows it; TIN statements publish every TIN's payout only where the entity says so; the
entity admin changes both in the console, and each change is kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import EntityRoleSettings
from jobs.services import job_enqueue
from settlement.services import settlement_run_create
from tests.login import verified_client
from tests.settlement.support import MSSP_FIGURES, TINS

pytestmark = pytest.mark.django_db

CONSOLE = "/admin/accounts/entityrolesettings/"


@pytest.fixture
def settled(entity_a):
    return settlement_run_create(
        entity=entity_a, performance_year=2025, figures=MSSP_FIGURES, participants=TINS, note="v1"
    )


def _statement(client, run, tin="900000002", fmt="csv"):
    return client.get(reverse("settlement:tin_statement", args=[run.pk, tin, fmt]))


def test_coordinators_see_no_settlement_money_by_default_analysts_do(
    aco_coordinator, aco_analyst, client_b, entity_a, settled
) -> None:
    coordinator, analyst = verified_client(aco_coordinator), verified_client(aco_analyst)
    page = reverse("settlement:entity_year", args=[entity_a.pk, 2025])

    refused = coordinator.get(page)
    assert refused.status_code == 403
    assert "Roles and settings" in refused.content.decode()
    for fmt in ("csv", "pdf"):
        assert _statement(coordinator, settled, fmt=fmt).status_code == 403
    # The settlement home names the entity with the reason, and none of its settlements.
    index = coordinator.get(reverse("settlement:index")).content.decode()
    assert "keep settlement dollars and TIN payouts from care coordinators" in index
    assert page not in index
    assert "$" not in index
    # The dashboard's projected savings come from the same reads: none for the coordinator.
    from care.upstream import savings_projection

    assert savings_projection(user=aco_coordinator, entity=entity_a) is None
    overview = coordinator.get(reverse("care:overview", args=[entity_a.pk])).content.decode()
    assert "keep settlement dollars from care coordinators" in overview
    # A settlement job's figures (dollars, TIN benchmarks) in the jobs API.
    job = job_enqueue(
        kind="settlement.run",
        entity=entity_a,
        parameters={"performance_year": 2025, "figures": {"total_benchmark": "240000000"}},
    )
    assert coordinator.get(f"/api/v1/jobs/{job.pk}/").json()["parameters"] is None
    assert analyst.get(f"/api/v1/jobs/{job.pk}/").json()["parameters"]["figures"] == {
        "total_benchmark": "240000000"
    }

    assert analyst.get(page).status_code == 200
    assert "$4,704,000.00" in analyst.get(page).content.decode()
    assert _statement(analyst, settled).status_code == 200
    # Another entity's person: still 404, whatever the settings.
    assert client_b.get(page).status_code == 404
    assert _statement(client_b, settled).status_code == 404


def test_the_entity_admin_opens_settlement_money_to_coordinators_in_the_console(
    aco_admin, aco_coordinator, entity_a, settled
) -> None:
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    console = verified_client(aco_admin)
    coordinator = verified_client(aco_coordinator)

    listing = console.get(CONSOLE)
    assert listing.status_code == 200
    settings = EntityRoleSettings.objects.get(entity=entity_a)  # made with the defaults
    assert (settings.coordinators_see_settlement_money, settings.statements_show_every_tin) == (
        False,
        False,
    )
    change = f"{CONSOLE}{entity_a.pk}/change/"
    response = console.post(change, {"coordinators_see_settlement_money": "on"})
    assert response.status_code == 302

    page = coordinator.get(reverse("settlement:entity_year", args=[entity_a.pk, 2025]))
    assert page.status_code == 200
    assert "$4,704,000.00" in page.content.decode()
    assert _statement(coordinator, settled).status_code == 200
    # Reading is not running: the coordinator still may not start a version.
    post = coordinator.post(reverse("settlement:entity_year", args=[entity_a.pk, 2025]), {})
    assert post.status_code == 403

    # The change is kept, with who made it.
    history = EntityRoleSettings.history.filter(entity_id=entity_a.pk).order_by("history_date")
    assert [h.coordinators_see_settlement_money for h in history] == [False, True]
    assert history.last().history_user == aco_admin
    assert "coordinators see settlement" in console.get(f"{change[:-7]}history/").content.decode()


def test_the_console_page_is_the_enforced_role_table(
    aco_admin, aco_analyst, entity_a, entity_b
) -> None:
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    console = verified_client(aco_admin)
    console.get(CONSOLE)
    content = console.get(f"{CONSOLE}{entity_a.pk}/change/").content.decode()

    def cells(key: str) -> list[str]:
        row = content.split(f'data-permission="{key}"', 1)[1].split("</tr>", 1)[0]
        return [part.split(">", 1)[1][:3].strip("< ") for part in row.split("<td class=")[1:]]

    # Columns: entity admin, analyst, care coordinator, preferred provider.
    assert cells("start_runs") == ["yes", "yes", "no", "no"]
    assert cells("console") == ["yes", "no", "no", "no"]
    assert cells("register_partner") == ["yes", "no", "no", "no"]
    assert cells("settlement_money") == ["yes", "yes", "no", "no"]
    assert cells("phi") == ["yes", "yes", "yes", "no"]
    assert cells("shared_patients") == ["no", "no", "no", "yes"]
    assert "(setting: care coordinators see settlement dollars and TIN payouts)" in content
    EntityRoleSettings.objects.filter(entity=entity_a).update(
        coordinators_see_settlement_money=True
    )
    content = console.get(f"{CONSOLE}{entity_a.pk}/change/").content.decode()
    assert cells("settlement_money") == ["yes", "yes", "yes", "no"]

    # What the page says, the code does: an analyst may not register a partner client.
    from core.api import ApplicationError
    from partners.services import partner_client_register

    with pytest.raises(ApplicationError, match="administrator"):
        partner_client_register(
            entity=entity_a, name="x", public_key="", scopes=[], acting_user=aco_analyst
        )
    # Another entity's settings are not the admin's to read or change.
    EntityRoleSettings.objects.create(entity=entity_b)
    assert console.get(f"{CONSOLE}{entity_b.pk}/change/").status_code == 404
    assert (
        console.post(
            f"{CONSOLE}{entity_b.pk}/change/", {"statements_show_every_tin": "on"}
        ).status_code
        == 404
    )
    assert not EntityRoleSettings.objects.get(entity=entity_b).statements_show_every_tin


def test_tin_statements_publish_every_tins_payout_only_where_the_entity_says_so(
    aco_analyst, entity_a, settled
) -> None:
    client = verified_client(aco_analyst)
    others = [("900000001", "Synthetic North Clinic"), ("900000003", "Synthetic East Clinic")]
    text = _statement(client, settled).content.decode()
    assert "TIN 900000002 (Synthetic South Clinic): 33.33% = $1,568,000.00" in text
    assert not [tin for tin, name in others if tin in text or name in text]

    EntityRoleSettings.objects.create(entity=entity_a, statements_show_every_tin=True)
    text = _statement(client, settled).content.decode()
    # Equal beneficiaries (3 each): each TIN gets a third of $4,704,000.00.
    for tin, name in others:
        assert f"TIN {tin} ({name}): 33.33% = $1,568,000.00" in text
