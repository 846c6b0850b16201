"""Lead-specialist runs end to end on hand-built claims: the job, the reasons, the network
roles, the changes from one run to the next, and the pages (logged, scoped to the entity)."""

from __future__ import annotations

from datetime import date

import pytest

from audit.models import AccessRecord
from core.api import ApplicationError
from specialists.models import LeadSpecialist, LeadSpecialistChange
from specialists.services import lead_run_create, next_quarter
from synthetic.identifiers import npi
from tests.login import verified_client
from tests.specialists.conftest import (
    CARDIO_NPI,
    CARDIO_TIN,
    NEPHRO_NPI,
    NEPHRO_NPI_2,
    NEPHRO_TIN,
    ONC_NPI,
    ONC_TIN,
    visit,
)

pytestmark = pytest.mark.django_db


def test_a_run_names_each_lead_with_its_reason_and_place_in_the_network(world, lead_run) -> None:
    leads = {
        row.condition: row
        for row in LeadSpecialist.objects.filter(run=lead_run).order_by("beneficiary_id")
    }
    assert set(leads) == {"ckd_esrd", "heart_failure", "active_cancer"}
    ckd = leads["ckd_esrd"]
    assert (ckd.lead_tin, ckd.lead_npi, ckd.network_role) == (NEPHRO_TIN, NEPHRO_NPI, "participant")
    assert (ckd.trigger_code, ckd.trigger_claims, ckd.reason) == ("N184", 2, "plurality")
    assert str(ckd.lead_allowed) == "300.00"
    assert (leads["heart_failure"].lead_tin, leads["heart_failure"].network_role) == (
        CARDIO_TIN,
        "preferred",
    )
    cancer = leads["active_cancer"]
    assert (cancer.lead_npi, cancer.network_role, str(cancer.lead_allowed)) == (
        ONC_NPI,
        "",
        "1050.00",
    )
    assert (lead_run.population_count, lead_run.attributed_count) == (3, 3)
    assert (lead_run.effective_start, lead_run.effective_end) == (
        date(2025, 7, 1),
        date(2025, 9, 30),
    )
    assert lead_run.summary["by_condition"]["heart_failure"] == {
        "met": 1, "led": 1, "in_network": 1, "no_lead": 0,
    }  # fmt: skip
    assert list(lead_run.events.values_list("to_status", flat=True)) == [
        "queued", "running", "succeeded",
    ]  # fmt: skip


def test_the_next_run_shows_what_changed(world, lead_run, aco_admin, django_capture_on_commit_callbacks) -> None:  # fmt: skip
    ckd = world.benes[0]
    # Another nephrologist of the same practice now bills more.
    for day in (date(2025, 8, 1), date(2025, 9, 1), date(2025, 9, 15)):
        visit(ckd, day, "90960", "N186", "39", NEPHRO_TIN, NEPHRO_NPI_2, "400.00")
    with django_capture_on_commit_callbacks(execute=True):
        second = lead_run_create(
            entity=world.entity, acting_user=aco_admin, as_of=date(2025, 9, 30)
        )
    second.refresh_from_db()
    assert second.previous_run_id == lead_run.pk
    change = LeadSpecialistChange.objects.get(run=second)
    assert (change.beneficiary_id, change.kind, change.previous_npi, change.lead_npi) == (
        ckd.pk, "changed", NEPHRO_NPI, NEPHRO_NPI_2,
    )  # fmt: skip
    assert second.summary["changes"] == {"changed": 1}
    assert next_quarter(date(2025, 12, 31)) == (date(2026, 1, 1), date(2026, 3, 31))


def test_a_run_needs_claims_and_an_alignment_run(entity_b, aco_admin) -> None:
    with pytest.raises(ApplicationError, match="no claims loaded"):
        lead_run_create(entity=entity_b, acting_user=aco_admin)


def test_bad_definitions_are_refused_naming_the_field(world, aco_admin) -> None:
    with pytest.raises(ApplicationError, match="Condition definitions: .*conditions"):
        lead_run_create(
            entity=world.entity, acting_user=aco_admin, as_of=date(2025, 6, 30), definitions={}
        )


def test_the_pages_show_the_roster_and_the_leakage_and_log_what_they_showed(world, lead_run, aco_admin) -> None:  # fmt: skip
    client = verified_client(aco_admin)
    page = client.get(f"/specialists/{world.entity.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Heart failure" in text
    # Specialty codes carry their names (CMS's Medicare provider specialty codes), written as
    # on every page ("06 Cardiovascular Disease (Cardiology)"), not nested in brackets.
    assert (
        "CMS specialty 06 Cardiovascular Disease (Cardiology); C3 Interventional Cardiology" in text
    )
    assert "(Cardiology))" not in text
    assert f"TIN {ONC_TIN}" in text
    assert "2025 Q3" in text
    roster = client.get(f"/specialists/{world.entity.pk}/practices/{NEPHRO_TIN}/")
    body = roster.content.decode()
    assert roster.status_code == 200
    # The trigger code with its meaning, and counts with their nouns in their number.
    assert "ICD-10-CM N18.4 Chronic kidney disease, stage 4 (severe)" in body
    assert "on claims of 2 dates" in body
    assert "2 services, last 2025-03-10" in body
    assert "Largest allowed charges" in body
    assert world.benes[0].current_mbi not in body
    record = AccessRecord.objects.filter(purpose="lead_specialist_roster").get()
    assert record.beneficiary_ids == [world.benes[0].pk]
    assert client.get(f"/specialists/{world.entity.pk}/practices/999999999/").status_code == 404
    # A clinician the registry does not name is shown by NPI, not as "Clinician".
    outside = client.get(f"/specialists/{world.entity.pk}/practices/{ONC_TIN}/").content.decode()
    assert f"<td>NPI {ONC_NPI}<br>" in outside
    assert "<td>Clinician<br>" not in outside
    patients = client.get(f"/specialists/{world.entity.pk}/providers/{ONC_NPI}/patients/")
    assert f"<h1>NPI {ONC_NPI}: attributed patients (1)</h1>" in patients.content.decode()
    # The leakage figures of the same run.
    report = lead_run.leakage
    # 300 (nephrology, participant) + 300 (cardiology, preferred) + 1050 (oncology, outside),
    # paid at 80% of allowed.
    assert report["total_cents"] == 132_000
    assert report["outside_cents"] == 84_000
    assert report["by_role"] == {"participant": 24_000, "preferred": 24_000, "": 84_000}
    assert report["opportunities"] == []  # nobody on the list practises oncology
    page = client.get(f"/specialists/{world.entity.pk}/leakage/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "$840.00" in text
    assert ONC_TIN in text


def test_another_entitys_user_gets_404(world, lead_run, other_entity_user) -> None:
    client = verified_client(other_entity_user)
    for url in (
        f"/specialists/{world.entity.pk}/",
        f"/specialists/{world.entity.pk}/practices/{NEPHRO_TIN}/",
        f"/specialists/{world.entity.pk}/leakage/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/specialists/{world.entity.pk}/runs/start/").status_code == 404
    index = client.get("/specialists/").content.decode()
    assert world.entity.legal_name not in index


def test_a_user_may_start_a_run_from_the_page(world, aco_admin, django_capture_on_commit_callbacks) -> None:  # fmt: skip
    client = verified_client(aco_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/specialists/{world.entity.pk}/runs/start/")
    assert response.status_code == 302
    assert LeadSpecialist.objects.filter(entity=world.entity).count() == 3


def test_a_specialty_on_the_list_that_leaks_is_an_opportunity(world, aco_admin, django_capture_on_commit_callbacks) -> None:  # fmt: skip
    from entities.models import Provider, SpecialtyCode

    cardiology, _ = SpecialtyCode.objects.get_or_create(
        code="06", defaults={"description": "Cardiology", "evidence": "R", "source": "a test"}
    )
    Provider.objects.filter(npi=CARDIO_NPI).update(specialty_id="06")
    visit(
        world.benes[1], date(2025, 5, 5), "99214", "I5022", "06", "399999999", npi(7099), "500.00"
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = lead_run_create(entity=world.entity, acting_user=aco_admin, as_of=date(2025, 6, 30))
    run.refresh_from_db()
    [opportunity] = run.leakage["opportunities"]
    assert (opportunity["key"], opportunity["outside_cents"]) == ("06", 40_000)
    assert opportunity["preferred_available"] is True
    text = (
        verified_client(aco_admin).get(f"/specialists/{world.entity.pk}/leakage/").content.decode()
    )
    assert f"06 {cardiology.description}" in text
    assert "TIN 399999999" in text
    # The clinicians on the list counted by practice, not listed one NPI a line.
    assert f"TIN {CARDIO_TIN}: 1 clinician (preferred provider)" in text


def test_the_daily_check_publishes_once_a_quarter_as_the_claims_allow(world, django_capture_on_commit_callbacks) -> None:  # fmt: skip
    from specialists.services import lead_runs_due

    with django_capture_on_commit_callbacks(execute=True):
        [run] = [r for r in lead_runs_due() if r.entity_id == world.entity.pk]
    # The claims reach 2025-05-01: published for Q3 2025; the same claims publish nothing more.
    assert (run.as_of, run.quarter_label) == (date(2025, 5, 1), "2025 Q3")
    assert not [r for r in lead_runs_due() if r.entity_id == world.entity.pk]
    visit(world.benes[0], date(2025, 7, 2), "99214", "N184", "39", NEPHRO_TIN, NEPHRO_NPI)
    assert [r.quarter_label for r in lead_runs_due() if r.entity_id == world.entity.pk] == [
        "2025 Q4"
    ]


def test_a_run_counts_the_cms_list_of_record_and_says_so(world, aco_admin, django_capture_on_commit_callbacks) -> None:  # fmt: skip
    """Where CMS's list covers the year, the population is the people it assigns (the roster
    of record), not the platform run's; the pages name the list and its date, and count each
    clinician's beneficiaries as the list assigns them."""
    from cmslists.services import cms_list_load

    ckd, hf, cancer = world.benes
    stem = "P.A9001.ACO.QALR.2025Q2.D259999.T0200000"
    t11 = "BENE_MBI_ID,BENE_LAST_NAME,EXCLUDED,GHP_EXCLUDED\n" + "".join(
        f"{b.current_mbi},X,{x},{x}\n" for b, x in ((ckd, 0), (hf, 0), (cancer, 1))
    )
    t12 = f"BENE_MBI_ID,MASTER_ID,B_EM_LINE_CNT_T\n{ckd.current_mbi},{NEPHRO_TIN},2\n"
    t14 = (
        f"BENE_MBI_ID,MASTER_ID,NPI_USED,PCS_COUNT\n{ckd.current_mbi},{NEPHRO_TIN},{NEPHRO_NPI},2\n"
    )
    cms_list_load(
        entity=world.entity, kind="mssp_quarterly", performance_year=2025, period=2,
        list_date=date(2025, 5, 15),
        files=[(f"{stem}_1-{t}.csv", body.encode()) for t, body in (("1", t11), ("2", t12), ("4", t14))],
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run = lead_run_create(entity=world.entity, acting_user=aco_admin, as_of=date(2025, 6, 30))
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    assert run.population_count == 2
    assert not LeadSpecialist.objects.filter(run=run, beneficiary=cancer).exists()
    assert "CMS's list of record" in run.population_source
    client = verified_client(aco_admin)
    for path in ("", "episodes/", "providers/"):
        text = client.get(f"/specialists/{world.entity.pk}/{path}").content.decode()
        assert "assigned on CMS&#x27;s list of record" in text, path
        assert "of 2025-05-15" in text, path
    providers = client.get(f"/specialists/{world.entity.pk}/providers/").content.decode()
    row = providers.split(f"{NEPHRO_NPI}</td>", 1)[1].split("</tr>", 1)[0]
    # Of the list of record's beneficiaries, how many are assigned through a listed clinician.
    assert "1 of the 2, through" in providers
    patients_url = f"/specialists/{world.entity.pk}/providers/{NEPHRO_NPI}/patients/"
    assert f'<td class="num"><a href="{patients_url}?run={run.pk}">1</a></td>' in row
    # The clinician's patients page lists the same one, from the same list of record (it read
    # the platform's run, which attributes no NPI here, and said "no").
    page = client.get(patients_url, {"run": run.pk})
    assert page.context["total"] == 1
    [listed] = page.context["rows"]
    assert (listed["bene"], listed["aligned"]) == (ckd, True)
    assert "<td>Yes</td>" in page.content.decode()
