"""The alignment pages: start a run from the browser and watch it, read its counts and changes,
open a dropped beneficiary, and never see another entity's rows (404)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from alignment.models import AlignmentChange, AlignmentResult, AlignmentRun, RunStatus
from audit.models import AccessRecord
from claims.selectors import claims_data_date
from entities.models import Participation

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_a(aco_admin, login_client):
    return login_client(aco_admin)


@pytest.fixture
def coordinator_client_a(aco_coordinator, login_client):
    return login_client(aco_coordinator)


@pytest.fixture
def other_client(other_entity_user, login_client):
    return login_client(other_entity_user)


def test_an_entity_admin_starts_a_run_from_the_browser_and_reads_its_counts(
    entity_a, population_a, admin_client_a, django_capture_on_commit_callbacks
) -> None:
    page = admin_client_a.get(reverse("alignment:index"))
    assert page.status_code == 200
    assert "Start alignment" in page.content.decode()
    # The run date and performance year are filled in from the data (the date the claims
    # reach), not from the clock, a year past the claims.
    data_date = claims_data_date(entity=entity_a)
    assert data_date is not None
    form = page.context["form"]
    assert form["as_of"].initial == data_date
    assert form["performance_year"].initial == data_date.year
    assert f"the date the claims reach, {data_date:%Y-%m-%d}" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(
            reverse("alignment:run_start"),
            {
                "entity": entity_a.pk,
                "performance_year": 2025,
                "list_kind": "final",
                "as_of": "2026-03-31",
            },
        )
    run = AlignmentRun.objects.get(entity=entity_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("alignment:run_detail", args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert run.created_by.email == "admin@a.example.test"
    detail = admin_client_a.get(response["Location"]).content.decode()
    assert "Counts by step and reason" in detail
    # The windows named in words ("alignmentyear1" was a code name with its underscores cut).
    assert "Assignment: 2025-01-01 to 2025-12-31<br>" in detail
    assert f"{run.participant_count:,} TIN/NPI entries (digest" in detail  # not "rows"
    # The runs list names each run by its list, not "PY2025 v1" for a final and a quarterly list.
    index = admin_client_a.get(reverse("alignment:index")).content.decode()
    assert f">PY2025 final list, v{run.version}</a>" in index
    assert "Plurality of primary care charges with the entity" in detail
    text = re.sub(r"<[^>]+>", "", detail).replace(",", "")
    assert f"{run.aligned_count} of {run.beneficiary_count} beneficiaries aligned" in text
    # The parameters version says what it is: the year's rules, their version and their source,
    # not a raw code ("mssp-2025-2026.1-1a2b3c4d5e").
    digest = run.parameters_version.rsplit("-", 1)[1]
    assert (
        f"PY2025 MSSP assignment rules, version 2026.1 (parameter set {digest}), from 42 CFR "
        "425.400-425.402; Medicare Shared Savings Program Shared Savings and Losses, Assignment "
        "and Quality Performance Standard Methodology"
    ) in detail
    assert f"<code>{run.parameters_version}</code>" not in detail


def test_the_progress_fragment_polls_while_the_run_is_open(
    entity_a, population_a, admin_client_a
) -> None:
    from alignment.services.runs import alignment_run_create

    run = alignment_run_create(
        entity=entity_a, performance_year=2025, list_kind="final", as_of=date(2026, 3, 31)
    )
    fragment = admin_client_a.get(
        reverse("alignment:run_status", args=[run.pk]), HTTP_HX_REQUEST="true"
    )
    body = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert "Queued" in body
    AlignmentRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED)
    done = admin_client_a.get(
        reverse("alignment:run_status", args=[run.pk]), HTTP_HX_REQUEST="true"
    )
    assert done["HX-Refresh"] == "true"
    assert "hx-trigger" not in done.content.decode()


def test_a_coordinator_opens_a_dropped_beneficiary_and_sees_why(
    entity_a, population_a, run_alignment, coordinator_client_a
) -> None:
    first = run_alignment(entity_a)
    tin = (
        AlignmentResult.objects.filter(run=first, aligned=True, step="step_1")
        .values_list("attributed_tin", flat=True)
        .first()
    )
    Participation.objects.filter(entity=entity_a, organization__tin=tin).update(
        end_date=date(2025, 6, 30)
    )
    second = run_alignment(entity_a, as_of=date(2026, 4, 30))
    change = AlignmentChange.objects.filter(
        run=second, kind="dropped", reason="plurality_lost", top_competitor=f"TIN {tin}"
    ).first()
    assert change is not None
    detail = coordinator_client_a.get(
        reverse("alignment:run_detail", args=[second.pk])
    ).content.decode()
    assert "Changes since the previous run" in detail
    assert (
        reverse("alignment:beneficiary_history", args=[change.beneficiary_id]) in detail
        or "Next" in detail
    )
    history = coordinator_client_a.get(
        reverse("alignment:beneficiary_history", args=[change.beneficiary_id])
    )
    body = history.content.decode()
    assert history.status_code == 200
    # Dropped since which run, and why, said once.
    assert (
        f"Dropped since PY2025 final list, v{first.version} as of {first.as_of:%Y-%m-%d}: "
        f"plurality moved to TIN {tin}"
    ) in body
    assert f"Plurality of primary care charges went to TIN {tin}" in body
    # Each run named once, with its date once ("quarterly list (as of the run date), v1 as of
    # ..." read the date twice).
    assert "(as of the run date)" not in body + detail
    assert f"PY2025 final list, v{second.version}</a>" in body
    assert AccessRecord.objects.filter(
        purpose="alignment_history", beneficiary_ids=[change.beneficiary_id]
    ).exists()
    # The MBI itself never shows, only its last four characters.
    bene = change.beneficiary
    assert bene.current_mbi not in body
    assert bene.masked_mbi in body


def test_the_results_list_filters_by_reason_within_a_query_budget(
    entity_a, population_a, run_alignment, coordinator_client_a, django_assert_max_num_queries
) -> None:
    run = run_alignment(entity_a)
    url = reverse("alignment:run_results", args=[run.pk]) + "?reason=plurality_lost"
    with django_assert_max_num_queries(14):
        response = coordinator_client_a.get(url)
    rows = response.context["page"]
    assert len(rows) > 0
    assert {r.reason for r in rows} == {"plurality_lost"}
    # The page says which run's date it reads and how many match, before the list.
    text = response.content.decode()
    matching = AlignmentResult.objects.filter(run=run, reason="plurality_lost").count()
    assert (
        f"The run as of {run.as_of:%Y-%m-%d}: {run.aligned_count:,} of "
        f"{run.beneficiary_count:,} beneficiaries aligned. {matching:,} match these filters"
    ) in text


def test_a_coordinator_may_read_runs_but_not_start_one(
    entity_a, population_a, coordinator_client_a
) -> None:
    page = coordinator_client_a.get(reverse("alignment:index"))
    assert page.context["form"] is None
    response = coordinator_client_a.post(
        reverse("alignment:run_start"),
        {
            "entity": entity_a.pk,
            "performance_year": 2025,
            "list_kind": "final",
            "as_of": "2026-03-31",
        },
    )
    assert response.status_code == 400
    assert not AlignmentRun.objects.exists()


def test_a_coordinator_without_a_second_factor_is_sent_to_enrol(
    entity_a, population_a, run_alignment, aco_coordinator
) -> None:
    from tests.login import password_only_client

    run = run_alignment(entity_a)
    response = password_only_client(aco_coordinator).get(
        reverse("alignment:run_detail", args=[run.pk])
    )
    assert response.status_code == 302
    assert "/2fa/" in response["Location"]


def test_another_entitys_user_sees_none_of_it(
    entity_a, population_a, run_alignment, other_client
) -> None:
    run = run_alignment(entity_a)
    bene = AlignmentResult.objects.filter(run=run).first().beneficiary_id
    for url in (
        reverse("alignment:run_detail", args=[run.pk]),
        reverse("alignment:run_status", args=[run.pk]),
        reverse("alignment:run_results", args=[run.pk]),
        reverse("alignment:beneficiary_history", args=[bene]),
    ):
        assert other_client.get(url).status_code == 404, url
    index = other_client.get(reverse("alignment:index")).content.decode()
    assert "A9001" not in index
    voluntary = other_client.get(reverse("alignment:voluntary"))
    assert len(voluntary.context["records"]) == 0
    assert (
        other_client.post(
            reverse("alignment:run_start"),
            {
                "entity": run.entity_id,
                "performance_year": 2025,
                "list_kind": "final",
                "as_of": "2026-03-31",
            },
        ).status_code
        == 400
    )
