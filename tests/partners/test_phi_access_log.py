"""Every URL pattern that shows PHI writes exactly one access record per request, naming the
beneficiaries shown (issue 24). The test walks the resolver: a pattern added later must be
listed here as PHI (and is then requested) or as showing none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from alignment.models import AlignmentChange, AlignmentResult
from audit.models import AccessRecord
from care.models import WorklistItem
from jobs.services import job_execute
from tests.partners.phi_world import World, build_world, url_patterns, verify_second_factor
from tests.quality.world import ecqm_open_patient, quality_result

pytestmark = pytest.mark.django_db

# Pages, API routes and downloads that show beneficiaries: URL name -> arguments (own world).
PHI_PAGES = {
    "care:today": lambda w: {},
    "care:today_events": lambda w: {},
    "events:unmatched": lambda w: {"entity_id": w.entity.pk},
    "events:beneficiary": lambda w: {"entity_id": w.entity.pk, "beneficiary_id": w.beneficiary.pk},
    "care:roster": lambda w: {"entity_id": w.entity.pk},
    "care:worklist": lambda w: {"entity_id": w.entity.pk},
    "care:queue": lambda w: {"entity_id": w.entity.pk},
    "care:beneficiary": lambda w: {"entity_id": w.entity.pk, "beneficiary_id": w.beneficiary.pk},
    "care:export": lambda w: {"job_id": w.export_job.pk},  # the download (?download=1)
    "alignment:run_detail": lambda w: {"pk": w.run.pk},
    "alignment:run_results": lambda w: {"pk": w.run.pk},
    "alignment:beneficiary_history": lambda w: {"pk": w.beneficiary.pk},
    "alignment:voluntary": lambda w: {},
    "benchmarks:risk_list": lambda w: {"entity_id": w.entity.pk, "year": 2025},
    "benchmarks:beneficiary_risk": lambda w: {"beneficiary_id": w.beneficiary.pk},
    "beneficiary-list": lambda w: {},
    "beneficiary-detail": lambda w: {"pk": w.beneficiary.pk},
    "alignment-run-changes": lambda w: {"pk": w.run.pk},
    "care-gap-list": lambda w: {},
    "care-gap-detail": lambda w: {"pk": w.gap.pk},
    "hcc-recapture-gap-list": lambda w: {},
    "worklist-item-list": lambda w: {},
    "worklist-item-detail": lambda w: {"pk": w.item.pk},
    "quality:measure": lambda w: {
        "entity_id": w.entity.pk,
        "result_id": quality_result(w.entity, w.beneficiary).pk,
    },
    "quality:ecqm": lambda w: {
        "entity_id": w.entity.pk,
        "quality_id": ecqm_open_patient(w.entity, w.beneficiary),
    },
}
# Partner-only PHI routes (FHIR), requested with entity A's client.
PHI_FHIR = {
    "fhir:patient": lambda w: {"pk": w.beneficiary.pk},
    "fhir:coverage": lambda w: {"pk": w.beneficiary.pk},
    "fhir:group": lambda w: {"group_id": w.entity.cms_id},
    "fhir:bulk-file": None,  # requested after a real export, below
}
PHI_ADMIN = ["beneficiaries.Beneficiary", "alignment.VoluntaryAlignment"]
# PHI pages that need a CMS list to show anyone: their one access record per view is checked
# where that data is built (tests/alignment/test_reconciliation.py).
PHI_PAGES_WITH_THEIR_OWN_DATA = {"alignment:reconciliation", "alignment:reconciliation_export"}
# Lead-specialist pages need a lead-specialist run: tests/specialists/test_lead_runs.py.
PHI_PAGES_WITH_THEIR_OWN_DATA |= {"specialists:entity", "specialists:roster"}
# The REACH entity-type page needs a stored High Needs computation: tests/benchmarks/test_high_needs_page.py.
PHI_PAGES_WITH_THEIR_OWN_DATA |= {"benchmarks:entity_type"}
# Patterns that show no beneficiary: figures, forms, job progress, money, reference data.
NO_PHI = {
    "home", "healthz", "admin-login", "jobs:detail", "alignment:index", "alignment:run_start",
    "alignment:run_status", "benchmarks:index", "benchmarks:recompute",
    "benchmarks:calculation_detail", "benchmarks:calculation_export", "benchmarks:reference_list",
    "benchmarks:reference_detail", "benchmarks:risk_recompute", "benchmarks:institutional_upload",
    "benchmarks:pmpm", "settlement:index", "settlement:calculator", "settlement:batch",
    "settlement:mcp_closeout", "settlement:entity_year", "settlement:entity_year_collect",
    "settlement:tin_statement", "care:overview", "care:overview_jobs", "care:refresh",
    "care:roster_export", "care:item_create", "care:item_update", "care:worklist_assign",
    "care:outreach_create", "partners-token",
    # Its GET is an empty form; a POST's records are checked in tests/care/test_search.py.
    "care:search",
    # Saves or deletes a named set of filters (no beneficiary).
    "care:roster_views",
    # Records a person's contact details and goes back to their page (which is recorded).
    "care:contact_update",
    "beneficiary-search", "entity-list", "entity-detail", "entity-participant-list",
    "provider-list", "provider-detail", "participation-list", "participation-detail",
    "job-list", "job-detail", "alignment-run-list", "alignment-run-detail",
    "worklist-item-close", "events:resolve", "adt-intake", "api-root", "fhir:metadata", "fhir:smart-configuration",
    "fhir:practitioner", "fhir:organization", "fhir:group-search", "fhir:group-export",
    "fhir:bulk-status", "api-schema", "api-docs", "alignment:reconciliation_index",
}  # fmt: skip
# Bulk kick-offs queue a job and show nothing (the files they write are logged when read).
NO_PHI |= {"fhir:group-davinci-data-export", "fhir:patient-export", "fhir:system-export"}
NO_PHI |= {
    "quality:overview", "quality:compute", "quality:reported_upload", "quality:cahps_upload",
    "quality:benchmarks",
}  # fmt: skip
# A partner's patient-level eCQM results in (FHIR MeasureReport): the answer is counts only.
NO_PHI |= {"quality-measure-reports"}
# Starts the High Needs computation and goes to its job page (no beneficiary named).
NO_PHI |= {"benchmarks:high_needs_recompute"}
# Each member's task counts, and a bulk move of tasks between members (no beneficiary named).
NO_PHI |= {"care:team", "care:team_reassign"}
NO_PHI |= {"specialists:index", "specialists:run_start", "specialists:leakage"}
# Episode figures, scorecards' totals, gain-sharing money and the enrolled clinicians name no
# one; a POST records a referral and goes back to the person's page. The scorecard's cases and
# the beneficiary panel are checked in tests/specialists/ (they need a run and its episodes).
NO_PHI |= {
    "specialists:episodes", "specialists:gain_share", "specialists:gain_share_statement",
    "specialists:providers", "specialists:transition_create",
}  # fmt: skip
PHI_PAGES_WITH_THEIR_OWN_DATA |= {"specialists:scorecard", "specialists:beneficiary"}
# A provider's attributed patients, and a preferred provider's shared patients (page, CSV, API):
# they need a lead-specialist run; tests/specialists/test_preferred_providers.py.
PHI_PAGES_WITH_THEIR_OWN_DATA |= {
    "specialists:provider_patients", "specialists:preferred", "specialists:preferred_export",
    "preferred-shared-patients",
}  # fmt: skip


def test_every_pattern_is_classified() -> None:
    names = {name for name, _route, _args, _view in url_patterns()}
    classified = set(PHI_PAGES) | set(PHI_FHIR) | PHI_PAGES_WITH_THEIR_OWN_DATA | NO_PHI
    assert names - classified == set()
    assert classified - names == set()


@pytest.fixture
def world(entity_a, aligned_a, aco_admin, partner_a, django_capture_on_commit_callbacks) -> World:
    world = build_world(entity_a, aligned_a.run, aco_admin, partner_a)
    job_execute(job_id=world.export_job.pk)  # the roster file the download serves
    # A first run changes nothing against a previous one; this one lists a beneficiary added.
    result = AlignmentResult.objects.get(run=world.run, beneficiary=world.beneficiary)
    AlignmentChange.objects.create(
        run=world.run, beneficiary=world.beneficiary, kind="added", step=result.step,
        reason=result.reason, attributed_tin=result.attributed_tin,
    )  # fmt: skip
    WorklistItem.objects.filter(pk=world.item.pk).update(
        assigned_to=aco_admin, due_date=world.gap.as_of
    )
    # A task a hospital's discharge raised (not taken yet) and a message waiting for a match.
    from django.utils import timezone

    from beneficiaries.models import Beneficiary
    from events.models import AdtMessage, Sender

    now = timezone.now()
    WorklistItem.objects.create(
        entity=entity_a, beneficiary=world.beneficiary, kind="tcm_contact",
        source_key="adt:0:contact", source_at=now, title="Transitional care contact",
    )  # fmt: skip
    sender = Sender.objects.create(
        entity=entity_a, name="Mercy", sending_application="EPIC", sending_facility="MERCY"
    )
    AdtMessage.objects.create(
        entity=entity_a, sender=sender, control_id="W1", channel="mllp", trigger="A03",
        event_at=now, received_at=now, status="unmatched", raw="MSH|^~\\&|EPIC|MERCY",
        family_name="Abbott",
    )  # fmt: skip
    Beneficiary.objects.filter(pk=world.beneficiary.pk).update(last_name="Abbott")
    return world


def _one_record_each(client: Any, requests: list[tuple[str, str]]) -> list[str]:
    wrong = []
    for name, url in requests:
        before = AccessRecord.objects.count()
        response = client.get(url)
        new = list(AccessRecord.objects.order_by("-id")[: AccessRecord.objects.count() - before])
        if response.status_code != 200 or len(new) != 1 or not new[0].beneficiary_count:
            counts = [r.beneficiary_count for r in new]
            wrong.append(f"{url} ({name}): {response.status_code}, records {counts}")
    return wrong


def test_every_phi_page_and_api_route_writes_one_access_record(
    world: World, aco_admin, login_client
) -> None:
    verify_second_factor(aco_admin)
    client = login_client(aco_admin)
    requests = []
    for name, kwargs in PHI_PAGES.items():
        url = reverse(name, kwargs=kwargs(world))
        requests.append((name, url + ("?download=1" if name == "care:export" else "")))
    assert _one_record_each(client, requests) == []


def test_every_admin_page_of_beneficiaries_writes_one_access_record(
    world: World, aco_admin, login_client
) -> None:
    verify_second_factor(aco_admin)
    aco_admin.is_staff = True
    aco_admin.save()
    objects = {
        "beneficiaries.Beneficiary": world.beneficiary,
        "alignment.VoluntaryAlignment": world.voluntary,
    }
    requests = []
    for label in PHI_ADMIN:
        app, model = label.lower().split(".")
        pk = objects[label].pk
        requests += [
            (label, reverse(f"admin:{app}_{model}_changelist")),
            (label, reverse(f"admin:{app}_{model}_history", args=[pk])),
        ]
    # A voluntary alignment's change page fails for entity admins on its own (a form field
    # missing when read only); the Beneficiary's shows the mixin at work on change pages.
    requests.append(
        (
            "beneficiaries.Beneficiary",
            reverse("admin:beneficiaries_beneficiary_change", args=[world.beneficiary.pk]),
        )
    )
    assert _one_record_each(login_client(aco_admin), requests) == []


def test_every_fhir_read_and_bulk_file_writes_one_access_record(
    world: World, partner_a, api_for, django_capture_on_commit_callbacks
) -> None:
    api = api_for(partner_a)
    requests = [
        (name, reverse(name, kwargs=kwargs(world))) for name, kwargs in PHI_FHIR.items() if kwargs
    ]
    with django_capture_on_commit_callbacks(execute=True):
        kick_off = api.get(
            reverse("fhir:group-export", args=[world.entity.cms_id]),
            HTTP_PREFER="respond-async",
            HTTP_ACCEPT="application/fhir+json",
        )
    assert kick_off.status_code == 202, kick_off.content
    status = api.get(kick_off["Content-Location"].removeprefix("http://testserver"))
    assert status.status_code == 200, status.content
    patient = next(o for o in status.json()["output"] if o["type"] == "Patient")
    requests.append(("fhir:bulk-file", patient["url"].removeprefix("http://testserver")))
    assert _one_record_each(api, requests) == []
    # The file itself: readable by the app's user only, in a folder named by a random UUID.
    export_id = kick_off["Content-Location"].rstrip("/").rsplit("/", 1)[1]
    path = Path(default_storage.path(f"partners/exports/{export_id}/Patient.ndjson"))
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
