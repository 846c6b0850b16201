"""The settlement pages: what-if, batch upload, entity-year statement, TIN statements, tenancy."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import EntityRoleSettings
from settlement.demo import _ytd_frame
from settlement.models import SettlementRun
from settlement.services import settlement_projection_create, settlement_run_create
from tests.settlement.support import MSSP_FIGURES, TINS
from tests.settlement.test_settlement_projection_create import ASSUMPTIONS

pytestmark = pytest.mark.django_db

WHAT_IF = {**MSSP_FIGURES, "performance_year": "2025", "met_qps": "on", "met_reporting": "on"}
WHAT_IF.pop("met_alt_qps")


@pytest.fixture
def settled(entity_a):
    # These pages are read by a care coordinator (client_a): the entity lets them see its money
    # (off by default; tests/settlement/test_role_settings.py).
    EntityRoleSettings.objects.create(entity=entity_a, coordinators_see_settlement_money=True)
    run = settlement_run_create(
        entity=entity_a, performance_year=2025, figures=MSSP_FIGURES, participants=TINS, note="v1"
    )
    settlement_projection_create(
        entity=entity_a,
        performance_year=2025,
        frame=_ytd_frame(beneficiaries=200, months=6, seed=5),
        assumptions=ASSUMPTIONS,
    )
    return run


def test_the_what_if_calculator_settles_the_worked_example(client_a) -> None:
    response = client_a.post(reverse("settlement:calculator") + "?program=mssp", WHAT_IF)
    assert response.status_code == 200
    content = response.content.decode()
    assert "$4,704,000.00" in content
    assert "Performance payment limit" in content
    assert not SettlementRun.objects.exists()


def test_the_what_if_calculator_shows_a_rule_refusal_on_its_field(client_a) -> None:
    response = client_a.post(
        reverse("settlement:calculator") + "?program=mssp",
        {**WHAT_IF, "total_expenditure": "250000000", "participant_revenue": ""},
    )
    form = response.context["form"]
    assert "participant_revenue" in form.errors
    assert "loss sharing limit" in form.errors["participant_revenue"][0]


def test_the_reach_what_if_settles_the_professional_example(client_a) -> None:
    response = client_a.post(
        reverse("settlement:calculator") + "?program=reach",
        {
            "performance_year": "2023",
            "arrangement": "PROFESSIONAL",
            "benchmark": "60000000",
            "total_cost_of_care": "54000000",
            "quality_withhold_earned_pct": "80",
        },
    )
    assert "$2,464,200.00" in response.content.decode()


def test_the_pages_need_a_login(client) -> None:
    response = client.get(reverse("settlement:calculator"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_uploaded_csv_settles_its_good_rows_and_lists_the_bad_ones(client_a) -> None:
    text = (
        "entity_id,performance_year,track,assigned_beneficiaries,total_benchmark,total_expenditure,msr_mlr,quality_score,met_qps,met_alt_qps,met_reporting,participant_revenue\n"
        "A1,2025,BASIC_E,20000,240000000,230400000,2,80,true,false,true,30000000\n"
        "A2,2025,BASIC_E,20000,lots,230400000,2,80,true,false,true,30000000\n"
    )
    upload = SimpleUploadedFile("in.csv", text.encode("utf-8-sig"), content_type="text/csv")
    response = client_a.post(reverse("settlement:batch"), {"program": "mssp", "file": upload})
    content = response.content.decode()
    assert "1 settled, 1 failed" in content
    assert "line 3, column total_benchmark: &#x27;lots&#x27; is not a number" in content
    # The results table reads as the entity-year page does: headers in words, money and rates
    # formatted (it showed "earned_savings_losses" and "4704000.00"); the CSV keeps the columns.
    assert '<td class="num">$4,704,000.00</td>' in content
    assert '<th scope="col">Earned savings (losses), after sequestration</th>' in content
    assert ">earned_savings_losses<" not in content
    assert ">4704000.00<" not in content
    assert '<td class="num">4%</td>' in content  # the savings rate
    assert 'download="settled-mssp.csv"' in content


def test_the_upload_shows_the_warning_of_a_row_settled_without_participant_revenue(
    client_a,
) -> None:
    # BASIC C losses 9,600,000 x 30% = 2,880,000, limited to 1% x 240,000,000 = 2,400,000.
    text = (
        "entity_id,performance_year,track,assigned_beneficiaries,total_benchmark,total_expenditure,msr_mlr,quality_score,met_qps,met_alt_qps,met_reporting,participant_revenue\n"
        "C1,2025,BASIC_C,20000,240000000,249600000,2,80,true,false,true,\n"
    )
    upload = SimpleUploadedFile("in.csv", text.encode(), content_type="text/csv")
    response = client_a.post(reverse("settlement:batch"), {"program": "mssp", "file": upload})
    content = response.content.decode()
    assert "1 settled, 0 failed" in content
    assert "−$2,400,000.00" in content
    assert "revenue-based loss sharing limit not checked" in content


def test_the_entity_year_page_shows_statement_band_and_shares(client_a, settled, entity_a) -> None:
    response = client_a.get(reverse("settlement:entity_year", args=[entity_a.pk, 2025]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "PY2025 settlement statement" in content
    assert "$4,704,000.00" in content
    assert 'class="band-chart"' in content
    assert "MSR 2%" in content
    assert "900000001" in content
    assert "$1,568,000.00" in content
    assert "Run a new version" not in content  # a care coordinator reads, does not settle
    # No CMS list and no alignment run for the year: nobody counted, so no "Below the MSSP
    # minimum: 0 on the roster of record, short by 5,000" beside a settled year.
    assert "No list from CMS and no alignment run for PY2025 yet." in content
    assert "short by" not in content
    assert "0 on the roster of record" not in content
    # The statement's figures first; its path of steps folds under a summary that counts them.
    steps = re.search(
        r'<details class="steps">\s*<summary><h3>Every step</h3> .*?(\d+) steps', content
    )
    assert steps is not None
    assert int(steps.group(1)) == len(settled.explanation) > 0


def test_the_entity_year_page_keeps_its_query_count(
    client_a, settled, entity_a, django_assert_max_num_queries
) -> None:
    # + 2: the row-security scope set and reset around the request (core/rls.py); + 2: the
    # user's roles and their entities' settings (accounts/roles.py: who sees settlement money);
    # + 2: the roster of record card (the year's CMS lists, else the year's run); + 1: the
    # quality result, for the sharing rate it gives (42 CFR 425.512); + 1: the registry's track
    # of the year, to say when the version was settled on another.
    with django_assert_max_num_queries(21):
        client_a.get(reverse("settlement:entity_year", args=[entity_a.pk, 2025]))


def test_another_entitys_user_gets_404_everywhere(client_b, settled, entity_a) -> None:
    assert (
        client_b.get(reverse("settlement:entity_year", args=[entity_a.pk, 2025])).status_code == 404
    )
    for fmt in ("csv", "pdf"):
        url = reverse("settlement:tin_statement", args=[settled.pk, "900000001", fmt])
        assert client_b.get(url).status_code == 404
    overview = client_b.get(reverse("settlement:index")).content.decode()
    assert entity_a.legal_name not in overview


def test_tin_statements_come_as_csv_and_pdf(client_a, settled) -> None:
    csv_response = client_a.get(
        reverse("settlement:tin_statement", args=[settled.pk, "900000002", "csv"])
    )
    text = csv_response.content.decode()
    assert csv_response["Content-Type"].startswith("text/csv")
    assert 'Amount for this TIN,"$1,568,000.00"' in text
    # Sent to a practice: citations name CMS documents, never our files or issues.
    assert "domain.md" not in text
    assert not re.search(r"\bissue \d", text)
    assert "Synthetic South Clinic" in text
    # Every TIN figure has a value or says why not (an empty cell reads as missing data), as
    # for a TIN without a quality score under a method that gives quality no weight (the demo's).
    from settlement.statements import _facts

    share = settled.shares.get(tin="900000002")
    share.quality_score = None  # not saved: versions are immutable
    facts = dict(_facts(settled, share))
    assert all(facts.values()), facts
    assert facts["TIN quality score"] == "— (not given; the distribution method does not use it)"
    # The version's time on the site's clock, as the entity-year page gives it.
    from core.display import day

    assert facts["Settlement version"] == f"v1 of {day(settled.created_at)} (Final settlement)"
    # The entity's totals, this TIN's line of the distribution, and no other TIN's payout.
    assert "Amount to distribute" in text
    assert "TIN 900000002 (" in text
    others = list(settled.shares.exclude(tin="900000002"))
    assert others
    assert not [o.tin for o in others if o.tin in text or o.name in text]
    pdf = client_a.get(reverse("settlement:tin_statement", args=[settled.pk, "900000002", "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert (
        client_a.get(
            reverse("settlement:tin_statement", args=[settled.pk, "900000002", "xls"])
        ).status_code
        == 404
    )
    assert (
        client_a.get(
            reverse("settlement:tin_statement", args=[settled.pk, "999999999", "csv"])
        ).status_code
        == 404
    )


def test_an_analyst_runs_a_new_version_through_a_job(
    aco_analyst, login_client, settled, entity_a, django_capture_on_commit_callbacks
) -> None:
    client = login_client(aco_analyst)
    data = {f"figures-{k}": v for k, v in WHAT_IF.items() if k != "performance_year"}
    data.update(
        {
            "figures-quality_score": "90",
            "distribution-weight_beneficiaries": "100",
            "distribution-weight_savings_contribution": "0",
            "distribution-weight_quality": "0",
            "distribution-note": "rerun",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("settlement:entity_year", args=[entity_a.pk, 2025]), data)
    assert response.status_code == 302
    latest = SettlementRun.objects.filter(kind="final").order_by("-version").first()
    assert (latest.version, latest.note, latest.inputs["quality_score"]) == (2, "rerun", "90")
    assert latest.shares.count() == 3  # the TINs of version 1 carried over
    page = client.get(reverse("settlement:entity_year", args=[entity_a.pk, 2025])).content.decode()
    assert "What changed since v1" in page


def test_a_care_coordinator_cannot_run_a_settlement(client_a, settled, entity_a) -> None:
    response = client_a.post(reverse("settlement:entity_year", args=[entity_a.pk, 2025]), {})
    assert response.status_code == 403


def test_a_version_that_does_not_exist_is_404(client_a, settled, entity_a) -> None:
    response = client_a.get(
        reverse("settlement:entity_year", args=[entity_a.pk, 2025]) + "?version=9"
    )
    assert response.status_code == 404


def test_the_band_chart_keeps_its_tick_labels_apart_on_a_wide_range() -> None:
    from settlement.charts import band_chart

    chart = band_chart(
        {"savings_rate_low_pct": "35.07", "savings_rate_high_pct": "43.36",
         "point_rate_pct": "39.33", "msr_pct": "3.9", "mlr_pct": "3.9"}
    )  # fmt: skip
    labels = [t["label"] for t in chart["ticks"]]
    assert labels == ["0%", "5%", "10%", "15%", "20%", "25%", "30%", "35%", "40%"]
    assert chart["point_anchor"] == "end"  # near the right edge, the label ends at the dot
    narrow = band_chart(
        {"savings_rate_low_pct": "1.5", "savings_rate_high_pct": "4.0",
         "point_rate_pct": "2.7", "msr_pct": "2.0", "mlr_pct": ""}
    )  # fmt: skip
    assert [t["label"] for t in narrow["ticks"]] == ["−1%", "0%", "1%", "2%", "3%", "4%", "5%"]


def test_the_reach_band_chart_draws_the_first_corridor_and_keeps_labels_inside() -> None:
    from settlement.charts import band_chart

    chart = band_chart(
        {"program": "reach", "savings_rate_low_pct": "48.67", "savings_rate_high_pct": "54.55",
         "point_rate_pct": "51.65", "corridor_pct": "25.00", "corridor_share_pct": "100.00"}
    )  # fmt: skip
    labels = [(line["label"], line["css"], line["anchor"]) for line in chart["lines"]]
    # The -25% line sits at the left edge: its label leans inward (start), not cut off.
    assert labels == [("+25% corridor 1", "msr", "start"), ("−25% corridor 1", "mlr", "start")]
    assert "First risk corridor ±25%" in chart["caption"]
    assert "keeps 100%" in chart["caption"]
    assert "MSR" not in " ".join(label for label, _, _ in labels)


def test_the_upload_pages_list_their_columns_and_cite_no_file_of_ours(client_a) -> None:
    batch = client_a.get(reverse("settlement:batch")).content.decode()
    for column in ("assigned_beneficiaries", "euc_loss_reduction", "quality_withhold_earned_pct"):
        assert column in batch
    closeout = client_a.get(reverse("settlement:mcp_closeout")).content.decode()
    assert "<code>esp_rate</code>" in closeout
    # The file's format in words, and no "not shipped" (how the code base talks, not a reader).
    assert "BASE RATE_PCT" not in closeout
    assert "not shipped" not in closeout
    assert "the base amount and the rate in percent, separated by a space" in closeout
    calculator = client_a.get(reverse("settlement:calculator")).content.decode()
    assert "manage.py" not in calculator  # a command for the operator, not the reader
    for page in (batch, closeout, calculator):
        assert "README" not in page
        assert ".md" not in page
        assert "docs/examples" not in page


def test_the_page_says_why_the_projection_and_the_final_differ(client_a, settled, entity_a) -> None:
    from settlement.models import SettlementRun

    projection = SettlementRun.objects.get(entity=entity_a, kind="projection")
    content = client_a.get(
        reverse("settlement:entity_year", args=[entity_a.pk, 2025])
    ).content.decode()
    assert "Why the projection and the final settlement differ" in content
    # Six months of claims for the projection's 200 beneficiaries against the final's 20,000
    # assigned beneficiaries, and the difference in what each earned.
    assert "Months 1 to 6" in content
    # The projection counts the roster of record (CMS's list where one covers the year), not
    # "aligned" people of a run.
    assert "200 beneficiaries on the roster of record when it ran" in content
    assert "aligned beneficiaries when it ran" not in content
    assert "20,000 assigned beneficiaries" in content
    difference = settled.earned_savings_losses - projection.earned_savings_losses
    assert f"${abs(difference):,.2f}" in content


def test_a_coordinator_who_may_not_see_the_dollars_is_told_why_not_that_they_are_no_member(
    client_a, entity_a
) -> None:
    """The settlement home said "You are not a member of an MSSP or ACO REACH entity" to the
    entity's own care coordinator, whose role the entity keeps from its dollars."""
    from settlement.selectors import MONEY_REFUSAL

    page = client_a.get(reverse("settlement:index")).content.decode()
    assert "not a member" not in page
    assert f"{entity_a.legal_name} ({entity_a.cms_id}): {MONEY_REFUSAL}" in page.replace(
        "&#x27;", "'"
    )
    # Once the entity lets coordinators see them, the entity is listed (no settlement yet).
    EntityRoleSettings.objects.create(entity=entity_a, coordinators_see_settlement_money=True)
    page = client_a.get(reverse("settlement:index")).content.decode()
    assert "No settlement yet." in page
    assert MONEY_REFUSAL.split(".")[0] not in page


def test_a_version_settled_on_another_track_than_the_registrys_says_so(
    client_a, settled, entity_a
) -> None:
    """The demo's PY2024 version was settled on BASIC D while the registry holds BASIC C for the
    year: two tracks for one year, one of them wrong, and the page said nothing."""
    from entities.models import EntityYear, Track

    url = reverse("settlement:entity_year", args=[entity_a.pk, 2025])
    assert "the program registry has" not in client_a.get(url).content.decode()
    EntityYear.objects.create(
        entity=entity_a, performance_year=2025,
        track=Track.objects.get(program__code="mssp", code="basic_d"),
    )  # fmt: skip
    page = client_a.get(url).content.decode()
    assert (
        "Version 1 was settled on the BASIC track, level E; the program registry has the BASIC "
        "track, level D for PY2025."
    ) in page


def test_the_platform_form_keeps_the_last_projections_seed(
    aco_analyst, login_client, settled, entity_a
) -> None:
    """A re-run projection with the form's preset seed (1) moved the interval of the last one
    (seeded otherwise) though nothing else changed: the seed is preset from it, and named."""
    projection = SettlementRun.objects.get(entity=entity_a, kind="projection")
    seed = projection.band["seed"]
    page = login_client(aco_analyst).get(
        reverse("settlement:entity_year", args=[entity_a.pk, 2025])
    )
    form = page.context["platform_form"]
    assert form["seed"].value() == seed
    assert form["seed"].label == "Bootstrap seed"
    # The projection's month comes from the data: the year's latest claims delivery.
    from benchmarks.selectors import claims_through_month

    assert form["through_month"].value() == claims_through_month(entity=entity_a, year=2025)


def test_the_settlement_home_gives_the_projections_point_with_its_interval(
    client_a, settled, entity_a
) -> None:
    """It gave the interval alone (-9.02% to 5.54%), the entity-year page the point -2.45% too."""
    from core.display import percent

    band = SettlementRun.objects.get(entity=entity_a, kind="projection").band
    home = client_a.get(reverse("settlement:index")).content.decode()
    point, low, high = (
        percent(band[k])
        for k in ("point_rate_pct", "savings_rate_low_pct", "savings_rate_high_pct")
    )
    assert f"v1: savings rate {point} ({low} to {high})" in home


def test_the_reach_quality_panel_says_to_confirm_once() -> None:
    """A rate source that ends "...: confirm" read "confirm; to confirm" on the panel."""
    from types import SimpleNamespace

    from settlement.presentation import REACH_EARNED_STEP, REACH_WITHHOLD_STEP, reach_quality

    def run(citation: str) -> SimpleNamespace:
        steps = [
            {"label": REACH_WITHHOLD_STEP, "value": "2% x $100.00 = $2.00", "citation": citation,
             "parameters": "reach 2026.1", "to_confirm": True},
            {"label": REACH_EARNED_STEP, "value": "86% x $2.00 = $1.72"},
        ]  # fmt: skip
        return SimpleNamespace(program="reach", explanation=steps, inputs={}, parameter_version="")

    said = reach_quality(run("CMS RFA Table 6.16: the row stops at PY2024: confirm"))
    assert said is not None
    assert said["rate_to_confirm"] is False
    assert (said["withhold_rate"], said["withhold"], said["earned_back"]) == (
        "2%",
        "$2.00",
        "$1.72",
    )
    said = reach_quality(run("CMS RFA Table 6.16"))
    assert said is not None
    assert said["rate_to_confirm"] is True
    assert reach_quality(SimpleNamespace(program="mssp")) is None
