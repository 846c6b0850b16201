"""The quality measures end to end on a real database: computed from an entity's stored claims
and alignment, stored as of the claims date, shown on the measure pages (masked, logged) and
kept from another entity's users."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from jobs.models import Job
from quality.models import MeasureCase, MeasureRun
from quality.services import measures_compute

pytestmark = pytest.mark.django_db

TIN, NPI = "223456789", "1234567893"


@pytest.fixture
def computed(entity_a, make_bene, add_inpatient, add_visit, make_alignment_run):
    """An MSSP ACO's PY2024 with one readmission: 479 and 484 computed from its claims."""
    bene = make_bene(entity_a, birth_date=date(1945, 5, 1))
    other = make_bene(entity_a, birth_date=date(1948, 2, 1))
    add_inpatient(bene, 9001, date(2024, 3, 1), date(2024, 3, 5), dx="J189")
    add_inpatient(bene, 9002, date(2024, 3, 20), date(2024, 3, 22), dx="I509")
    add_inpatient(other, 9003, date(2024, 6, 1), date(2024, 6, 4), dx="N390")
    add_visit(other, 9004, date(2024, 8, 30), "99214")
    make_alignment_run(
        entity_a,
        as_of=date(2024, 12, 31),
        performance_year=2024,
        list_kind="final",
        results=[
            (bene, True, "aligned_plurality", TIN, NPI, ""),
            (other, True, "aligned_plurality", TIN, NPI, ""),
        ],
    )
    outcome = measures_compute(entity=entity_a, performance_year=2024)
    return bene, outcome


def test_the_measures_are_computed_from_the_claims_and_stored_as_of_the_claims_date(
    entity_a, computed
) -> None:
    bene, outcome = computed
    assert outcome["stored"] is True
    run = MeasureRun.objects.get(pk=outcome["run"])
    assert run.as_of == date(2024, 8, 30)  # the latest claim through date, not the clock
    results = {r.code: r for r in run.results.all()}
    assert set(results) == {"479", "484"}  # MSSP PY2024 (42 CFR 425.512; APP)
    hwr = results["479"]
    assert (hwr.numerator, hwr.denominator, hwr.basis) == (1, 3, "observed")
    readmitted = MeasureCase.objects.get(result=hwr, outcome=1)
    assert readmitted.beneficiary_id == bene.pk
    assert (readmitted.event_claim_id, readmitted.outcome_claim_id) == ("9001", "9002")
    assert (readmitted.tin, readmitted.npi) == (TIN, NPI)
    # Nobody has two chronic conditions in 2023 claims: 484's cohort is empty, and says why.
    assert results["484"].exclusions == {"fewer than two of the nine chronic conditions": 2}


def test_the_measure_page_shows_masked_cases_logs_them_and_is_closed_to_another_entity(
    entity_a, computed, aco_coordinator, other_entity_user, login_client
) -> None:
    bene, outcome = computed
    hwr = MeasureRun.objects.get(pk=outcome["run"]).results.get(code="479")
    client = login_client(aco_coordinator)

    overview = client.get(reverse("quality:overview", args=[entity_a.pk]))
    assert overview.status_code == 200
    assert b"479: Hospital-Wide" in overview.content
    assert b"Observed rates" in overview.content

    # Who drives the rate is named from the participant registry, not left as numbers.
    from entities.models import ParticipantOrganization, Provider

    ParticipantOrganization.objects.update_or_create(
        tin=TIN, defaults={"legal_name": "Harbor Family Medicine PC"}
    )
    Provider.objects.update_or_create(npi=NPI, defaults={"name": "Okafor, Ada"})
    page = client.get(reverse("quality:measure", args=[entity_a.pk, hwr.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Harbor Family Medicine PC" in html
    assert "Okafor, Ada" in html
    assert bene.masked_mbi in html
    assert bene.current_mbi not in html
    assert "Readmitted" in html
    assert "Q1 2024" in html
    record = AccessRecord.objects.filter(route="quality:measure").latest("at")
    assert bene.pk in record.beneficiary_ids
    # Diagnoses carry their meaning; the interval reads "x% to y%; lower is better".
    assert "J18.9 Pneumonia, unspecified organism" in html
    assert "I50.9 Heart failure, unspecified" in html
    assert "% ;" not in html
    assert "%; lower is better" in html
    assert "Rate (%)" in html
    assert '<th scope="col" class="num">Readmitted</th>' in html  # the outcome, by name
    assert "TFU:" not in html  # another measure's note is not on this one
    assert "not complete" not in html  # the claims (to 2024-08-30) cover Q1 and Q2's windows
    assert "window still open" not in html

    # Claims that stop before a stay's 30 days are over: its quarter is marked, the case says so.
    MeasureRun.objects.filter(pk=outcome["run"]).update(as_of=date(2024, 6, 20))
    html = client.get(reverse("quality:measure", args=[entity_a.pk, hwr.pk])).content.decode()
    assert 'Q2 2024 <span class="tag">not complete</span>' in html
    assert "Q1 2024 <span" not in html
    assert "Not readmitted in the claims to 2024-06-20; the window runs to 2024-07-04" in html
    assert "the claims reach 2024-06-20" in html
    assert "1 of the 3 cases has its 30-day window still open in the claims to 2024-06-20" in html

    # A coordinator reads the measures but does not start a computation (an admin or analyst does).
    refused = client.post(reverse("quality:compute", args=[entity_a.pk]), {"year": 2024})
    assert refused.status_code == 302
    assert not Job.objects.filter(kind="quality.compute").exists()

    stranger = login_client(other_entity_user)
    assert stranger.get(reverse("quality:measure", args=[entity_a.pk, hwr.pk])).status_code == 404
    assert stranger.get(reverse("quality:overview", args=[entity_a.pk])).status_code == 404


def test_the_measures_count_the_cms_list_of_record_not_the_run(
    entity_a, make_bene, add_inpatient, add_visit, make_alignment_run, aco_coordinator, login_client
) -> None:
    """Where CMS's list covers the year, the measured population is the list's assigned people
    (the roster of record), with the TIN and NPI the list gives, and the page names the list."""
    from cmslists.services import cms_list_load

    kept = make_bene(entity_a, birth_date=date(1945, 5, 1))
    excluded = make_bene(entity_a, birth_date=date(1948, 2, 1))
    only_cms = make_bene(entity_a, birth_date=date(1950, 2, 1))
    add_inpatient(kept, 9101, date(2024, 3, 1), date(2024, 3, 5), dx="J189")
    add_inpatient(kept, 9102, date(2024, 3, 20), date(2024, 3, 22), dx="I509")
    add_inpatient(excluded, 9103, date(2024, 6, 1), date(2024, 6, 4), dx="N390")
    add_visit(only_cms, 9104, date(2024, 8, 30), "99214")
    make_alignment_run(
        entity_a, as_of=date(2024, 12, 31), performance_year=2024, list_kind="final",
        results=[(b, True, "aligned_plurality", TIN, NPI, "") for b in (kept, excluded)],
    )  # fmt: skip
    stem = "P.A9001.ACO.AALR.Y2024.D259999.T0200000"
    t11 = "BENE_MBI_ID,BENE_LAST_NAME,EXCLUDED,GHP_EXCLUDED\n" + "".join(
        f"{b.current_mbi},X,{x},{x}\n" for b, x in ((kept, 0), (excluded, 1), (only_cms, 0))
    )
    t12 = "BENE_MBI_ID,MASTER_ID,B_EM_LINE_CNT_T\n" + "".join(
        f"{b.current_mbi},{TIN},3\n" for b in (kept, only_cms)
    )
    t14 = "BENE_MBI_ID,MASTER_ID,NPI_USED,PCS_COUNT\n" + "".join(
        f"{b.current_mbi},{TIN},{NPI},3\n" for b in (kept, only_cms)
    )
    cms_list_load(
        entity=entity_a, kind="mssp_final", performance_year=2024, period=0,
        list_date=date(2025, 4, 2),
        files=[(f"{stem}_1-{t}.csv", body.encode()) for t, body in (("1", t11), ("2", t12), ("4", t14))],
    )  # fmt: skip
    outcome = measures_compute(entity=entity_a, performance_year=2024)
    run = MeasureRun.objects.get(pk=outcome["run"])
    assert run.population == 2
    assert "CMS's list of record" in run.population_source
    assert "2025-04-02" in run.population_source
    hwr = run.results.get(code="479")
    cases = MeasureCase.objects.filter(result=hwr)
    assert set(cases.values_list("beneficiary_id", flat=True)) == {kept.pk}
    assert set(cases.values_list("tin", "npi")) == {(TIN, NPI)}
    html = login_client(aco_coordinator).get(reverse("quality:overview", args=[entity_a.pk]))
    text = html.content.decode()
    assert "Population: 2 beneficiaries assigned on CMS&#x27;s list of record" in text
    assert "of 2025-04-02" in text
