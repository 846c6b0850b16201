"""The MSSP quality score end to end: platform staff upload the year's MIPS benchmarks, the
entity's measures (claims-based 479, eCQMs from QRDA III, CAHPS from the vendor's file) are
scored, and the score goes to settlement's quality result with its path, unless an admin entered
CMS's figure as an override."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from quality.models import BenchmarkFile, MeasureResult, MeasureRun, ReportedFile
from quality.scores import quality_score, quality_score_publish
from quality.services import reported_file_upload
from settlement.models import QualityResult
from tests.engine.test_quality_app_score import HEADER, ROWS
from tests.quality.test_qrda_upload import GOOD, qrda

pytestmark = pytest.mark.django_db
PY = 2025
CAHPS = b"ssm_id,ssm_name,score,respondents\nCAHPS_1,Getting Timely Care,65,210\nCAHPS_2,How Well Providers Communicate,95,205\n"


def _claims_run(entity) -> None:
    run = MeasureRun.objects.create(
        entity=entity, performance_year=PY, as_of=date(2025, 12, 31),
        population_source="aligned in the alignment run as of 2025-12-31", population=900,
        value_set_version="2025.1",
    )  # fmt: skip
    MeasureResult.objects.create(
        run=run, code="479", title="Hospital-Wide 30-Day Readmission (HWR)", basis="observed",
        unit="percent", lower_is_better=True, numerator=Decimal(29), denominator=Decimal(200),
        rate=Decimal("14.5"), specification="MIPS Quality ID 479",
    )  # fmt: skip


def _superuser(make_member, entity):
    user = make_member(entity, Role.ENTITY_ADMIN, "staff@platform.example.test")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def test_the_score_flows_from_the_measures_to_settlement_unless_overridden(
    entity_a, make_member, login_client
) -> None:
    _claims_run(entity_a)
    assert quality_score(entity=entity_a, performance_year=PY).reason == (
        "not computable: benchmarks for PY2025 not loaded"
    )
    coordinator = login_client(make_member(entity_a, Role.CARE_COORDINATOR))
    assert coordinator.get(reverse("quality:benchmarks")).status_code == 403

    staff = login_client(_superuser(make_member, entity_a))
    bad = staff.post(
        reverse("quality:benchmarks"),
        {"performance_year": PY, "source": "CMS QPP 2025 Quality Benchmarks",
         "file": SimpleUploadedFile("b.csv", (HEADER + "BP,236,eCQM,N,1,x,20,30,40,50,60,70,80,90,99,N\n").encode())},
        follow=True,
    )  # fmt: skip
    assert "row 2, column percentile10: &#x27;x&#x27; is not a number" in bad.content.decode()
    assert not BenchmarkFile.objects.exists()
    staff.post(
        reverse("quality:benchmarks"),
        {"performance_year": PY, "source": "CMS QPP 2025 Quality Benchmarks",
         "file": SimpleUploadedFile("b.csv", (HEADER + ROWS).encode())},
    )  # fmt: skip
    # 479 alone: 5.5 of 60 points (observed 14.5% -> 0.145 on CMS's scale: decile 5).
    result = QualityResult.objects.get(entity=entity_a, performance_year=PY)
    assert (result.origin, result.quality_score) == ("computed", Decimal("9.17"))
    assert (result.met_standard, result.met_alternative, result.met_reporting) == (
        False,
        True,
        False,
    )
    assert any(line.startswith("479 ") and "decile 5" in line for line in result.path)
    assert "CMS QPP 2025 Quality Benchmarks" in result.source

    # An eCQM from a partner's QRDA III (CMS122v13 is Quality ID 001): 20 of 100, decile 9.
    reported_file_upload(
        entity=entity_a, performance_year=PY, source="Acme EHR", submitted_on=date(2026, 2, 1),
        file_name="acme.xml", content=qrda(GOOD).replace(b"m-001", b"CMS122v13"),
    )  # fmt: skip
    result.refresh_from_db()
    assert result.quality_score == Decimal("24.17")  # (5.5 + 9.0) / 60 x 100
    assert any(line.startswith("001 ") and "rate 20.00 (reported)" in line for line in result.path)

    # CAHPS from the vendor: a bad file names its row and column; a good one scores 8.75.
    admin = login_client(make_member(entity_a, Role.ENTITY_ADMIN))
    form = {"performance_year": PY, "source": "Survey Vendor Inc.", "submitted_on": "2026-03-01",
            "period_start": "2025-01-01", "period_end": "2025-12-31"}  # fmt: skip
    page = admin.post(
        reverse("quality:cahps_upload", args=[entity_a.pk]),
        {**form, "file": SimpleUploadedFile("c.csv", b"ssm_id,score\nCAHPS_1,120\n")},
        follow=True,
    ).content.decode()
    assert "row 2, column score: 120 is not between 0 and 100" in page
    from quality.scores import CahpsFileError, parse_cahps

    with pytest.raises(CahpsFileError) as bad_id:
        parse_cahps(b"ssm_id,score\nCAHPS_99,80\n")
    assert bad_id.value.errors == [
        "row 2, column ssm_id: 'CAHPS_99' is not one of CAHPS_1 to CAHPS_12"
    ]
    # A form error names the field as the form labels it; a period of another year is refused.
    page = admin.post(
        reverse("quality:cahps_upload", args=[entity_a.pk]),
        {**form, "submitted_on": "2026-13-45",
         "file": SimpleUploadedFile("c.csv", CAHPS)},
        follow=True,
    ).content.decode()  # fmt: skip
    assert "The upload was not stored: Submitted on: Enter a valid date." in page
    page = admin.post(
        reverse("quality:cahps_upload", args=[entity_a.pk]),
        {**form, "period_start": "2024-01-01", "period_end": "2024-12-31",
         "file": SimpleUploadedFile("c.csv", CAHPS)},
        follow=True,
    ).content.decode()  # fmt: skip
    assert "the reporting period 2024-01-01 to 2024-12-31 is not performance year 2025" in page
    assert not ReportedFile.objects.filter(kind=ReportedFile.Kind.CAHPS).exists()
    for _ in range(2):  # the second upload replaces the first, which stays listed
        admin.post(
            reverse("quality:cahps_upload", args=[entity_a.pk]),
            {**form, "file": SimpleUploadedFile("c.csv", CAHPS)},
        )
    files = ReportedFile.objects.filter(entity=entity_a, kind=ReportedFile.Kind.CAHPS)
    assert files.count() == 2
    assert files.filter(superseded_by__isnull=True).count() == 1
    result.refresh_from_db()
    assert result.quality_score == Decimal("38.75")  # (5.5 + 9 + 8.75) / 60 x 100

    overview = admin.get(reverse("quality:overview", args=[entity_a.pk]) + f"?year={PY}")
    text = overview.content.decode()
    assert "<strong>38.75</strong> of 100" in text
    assert "Survey Vendor Inc." in text
    assert "computed here from the measure results" in text
    # Each summary survey measure by the name CMS publishes (the file gave "Getting Timely
    # Care"), in the score's note and in the file's table, with the source cited.
    assert "CAHPS_1 Getting Timely Care, Appointments, and Information: " in text
    assert "CAHPS_2 How Well Providers Communicate: " in text
    assert "<td>Getting Timely Care, Appointments, and Information<br>" in text
    assert "named as in the CMS Quality Payment Program, MIPS quality measures data" in text

    # An admin enters CMS's reported figure: it overrides, and a recomputation leaves it.
    QualityResult.objects.filter(pk=result.pk).update(
        origin="override", quality_score=Decimal("81.20"), source="CMS PY2025 quality report"
    )
    reported_file_upload(
        entity=entity_a, performance_year=PY, source="Acme EHR", submitted_on=date(2026, 3, 1),
        file_name="acme2.xml", content=qrda(GOOD).replace(b"m-001", b"CMS122v13"),
    )  # fmt: skip
    result.refresh_from_db()
    assert (result.origin, result.quality_score) == ("override", Decimal("81.20"))
    text = admin.get(reverse("quality:overview", args=[entity_a.pk]) + f"?year={PY}").content
    assert b"an override; source: CMS PY2025 quality report" in text


def _reach_run(entity, year: int, as_of: date, rates: dict[str, str]) -> None:
    run = MeasureRun.objects.create(
        entity=entity, performance_year=year, as_of=as_of,
        population_source=f"aligned in the alignment run as of {as_of}", population=500,
        value_set_version="2025.1",
    )  # fmt: skip
    spec = {
        "ACR": ("All-Condition Readmission", "percent", True),
        "UAMCC": (
            "Unplanned Admissions for Multiple Chronic Conditions",
            "per_100_person_years",
            True,
        ),
        "TFU": ("Timely Follow-Up After Acute Exacerbations", "percent", False),
    }
    for code, rate in rates.items():
        title, unit, lower = spec[code]
        MeasureResult.objects.create(
            run=run, code=code, title=title, basis="observed", unit=unit, lower_is_better=lower,
            numerator=Decimal(1), denominator=Decimal(1), rate=Decimal(rate),
            specification="ACO REACH Model PY2023 Quality Measurement Methodology",
        )  # fmt: skip


def test_a_reach_dce_has_no_computed_total_quality_score_but_sees_its_year_over_year(
    entity_a, entity_b, make_member, make_bene, login_client
) -> None:
    outcome = quality_score(entity=entity_b, performance_year=PY)
    assert outcome.score is None
    assert "Quality Measure Percentile Rank" in outcome.reason
    assert "not in the sources this platform holds, so no rule is applied" in outcome.reason
    # PY2024 complete; PY2025's latest computation replaces an earlier one of the same year.
    _reach_run(entity_b, 2024, date(2024, 12, 31), {"ACR": "16.0", "UAMCC": "30.0"})
    _reach_run(entity_b, PY, date(2025, 9, 30), {"ACR": "18.0", "UAMCC": "29.0", "TFU": "50"})
    _reach_run(entity_b, PY, date(2025, 12, 31), {"ACR": "15.0", "UAMCC": "33.5", "TFU": "61.25"})
    QualityResult.objects.create(
        entity=entity_b, performance_year=PY, quality_score=Decimal("82.50"),
        source="CMS PY2025 REACH quality report", origin="override",
    )  # fmt: skip
    client = login_client(make_member(entity_b, Role.ENTITY_ADMIN, "admin@b.example.test"))
    page = client.get(reverse("quality:overview", args=[entity_b.pk]) + f"?year={PY}")
    text = page.content.decode()
    assert "not in the sources this platform holds" in text
    assert "read as the share of the quality withhold earned back: 82.50%" in text
    # The year's withhold, from the settlement parameter table, with its source.
    assert "Quality withhold, PY2025: 2% of the benchmark (ACO REACH Model Request" in text
    assert "No APP eCQM" not in text  # the APP eCQMs are MSSP's (42 CFR 425.512(a))
    # ACO REACH fields the CAHPS for ACOs survey; CAHPS for MIPS is the MSSP's (APP).
    assert "CAHPS for ACOs results (survey vendor)" in text
    assert "CAHPS for MIPS" not in text
    from quality.selectors import reach_withhold

    py2026 = reach_withhold(entity=entity_b, year=2026)
    assert py2026 is not None
    assert py2026["rate"] == Decimal("0.05")
    assert py2026["to_confirm"]
    assert "Performance Year 2026 Model Update" in py2026["source"]
    assert reach_withhold(entity=entity_a, year=PY) is None  # an MSSP ACO has no withhold
    assert "PY2025 beside PY2024: the measures of the CI/SEP criteria" in text
    # ACR 15.00 - 16.00 = -1.00 point (lower is better); UAMCC 33.50 - 30.00 = +3.50 (worse).
    assert "−1.00 percentage points</td>" in text  # the change, signed (the minus sign)
    assert "<td>better (lower is better)</td>" in text
    assert "+3.50 per 100 person-years</td>" in text
    assert "<td>worse (lower is better)</td>" in text
    assert "no PY2024 rate computed" in text  # TFU: no PY2024 rate
    assert "61.25%" in text
    assert "claims through 2025-12-31" in text
    assert "18.00%" not in text  # the earlier PY2025 computation is not the one compared
    assert "2023 Quality Performance Report, note 6" in text
    # A UAMCC case reads in words: "1 admission in 350 days at risk", not "1 admissions".
    from quality.models import MeasureCase

    uamcc = MeasureResult.objects.filter(run__entity=entity_b, code="UAMCC").latest("run__as_of")
    bene = make_bene(entity_b)
    MeasureCase.objects.create(
        result=uamcc, beneficiary=bene, unit="beneficiary", outcome=1, exposure=350,
        category="Diabetes, Heart failure", event_start=date(2025, 1, 1),
        event_end=date(2025, 12, 31), window_end=date(2025, 12, 31),
    )  # fmt: skip
    case_page = client.get(reverse("quality:measure", args=[entity_b.pk, uamcc.pk])).content
    assert b"1 admission in 350 days at risk" in case_page
    assert b"(1 in all)" in case_page
    # Another entity's user does not see the DCE's quality page.
    other = login_client(make_member(entity_a, Role.ENTITY_ADMIN, "admin@a.example.test"))
    assert other.get(reverse("quality:overview", args=[entity_b.pk])).status_code == 404


def test_health_equity_inputs_the_reporting_incentive_and_the_projection(
    entity_a, make_member, login_client
) -> None:
    from entities.models import EntityYear, Track
    from quality.models import HealthEquityInput
    from quality.scores import benchmark_file_upload, cahps_file_upload

    EntityYear.objects.create(
        entity=entity_a, performance_year=PY,
        track=Track.objects.get(program__code="mssp", code="enhanced"),
    )  # fmt: skip
    _claims_run(entity_a)  # 479 at 14.5%: decile 5, 5.5 points
    benchmark_file_upload(
        performance_year=PY, source="CMS QPP 2025 Quality Benchmarks", file_name="b.csv",
        content=(HEADER + ROWS).encode(),
    )  # fmt: skip
    # Each eCQM from its own EHR: 20 of 100. 001 (inverse) decile 9; 134, 236, 112 decile 3.
    for source, measure in (("Acme EHR", "CMS122v13"), ("Beta EHR", "CMS2v14"),
                            ("Cedar EHR", "CMS165v13"), ("Delta EHR", "CMS125v13")):  # fmt: skip
        reported_file_upload(
            entity=entity_a, performance_year=PY, source=source, submitted_on=date(2026, 2, 1),
            file_name=f"{source}.xml", content=qrda(GOOD).replace(b"m-001", measure.encode()),
        )  # fmt: skip
    result = QualityResult.objects.get(entity=entity_a, performance_year=PY)
    # (9 + 3 + 3 + 3 + 0 CAHPS + 5.5) / 60 x 100 = 39.17: below 76.70, yet the standard is met
    # through the reporting incentive (001 at the 10th percentile, 479 at the 40th).
    assert (result.quality_score, result.met_standard) == (Decimal("39.17"), True)
    assert any("reporting incentive" in line and ": met" in line for line in result.path)
    low, high = result.score_range["low"], result.score_range["high"]
    assert Decimal(low["score"]) < Decimal("39.17") < Decimal(high["score"])

    admin = _superuser(make_member, entity_a)
    client = login_client(admin)
    bad = client.post(
        reverse("admin:quality_healthequityinput_add"),
        {"entity": entity_a.pk, "performance_year": PY, "performance_scaler": "10",
         "underserved_multiplier": "1.5", "eligible": "on", "source": "CMS PY2025 report"},
    )  # fmt: skip
    assert "The underserved multiplier is between 0 and 1." in bad.content.decode()
    py2026 = client.post(
        reverse("admin:quality_healthequityinput_add"),
        {"entity": entity_a.pk, "performance_year": 2026, "performance_scaler": "10",
         "underserved_multiplier": "0.5", "eligible": "on", "source": "CMS PY2026 report"},
    )  # fmt: skip
    assert "PY2026 has no health equity adjustment (CY2026 PFS final rule (CMS-1832-F" in (
        py2026.content.decode()
    )
    assert not HealthEquityInput.objects.exists()
    client.post(
        reverse("admin:quality_healthequityinput_add"),
        {"entity": entity_a.pk, "performance_year": PY, "performance_scaler": "10",
         "underserved_multiplier": "0.5", "eligible": "on", "source": "CMS PY2025 report"},
    )  # fmt: skip
    result.refresh_from_db()
    assert result.quality_score == Decimal("44.17")  # + 10 x 0.5 = 5 bonus points
    assert any("underserved multiplier 0.5000 = 5.00" in line for line in result.path)

    page = client.get(reverse("quality:overview", args=[entity_a.pk]) + f"?year={PY}")
    assert (
        "stays at 44.17 (the quality reporting requirement is not met), the final sharing "
        "rate is 0%" in page.content.decode()
    )  # no CAHPS yet
    assert "+ 5.00 health equity bonus)" in page.content.decode()
    cahps_file_upload(
        entity=entity_a, performance_year=PY, source="Survey Vendor Inc.",
        submitted_on=date(2026, 3, 1), period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31), file_name="c.csv", content=CAHPS,
    )  # fmt: skip
    page = client.get(reverse("quality:overview", args=[entity_a.pk]) + f"?year={PY}")
    text = page.content.decode()
    assert (
        "If the quality score stays at 58.75 (quality performance standard met), the final "
        "sharing rate is 75% on the ENHANCED track (maximum 75%)." in text
    )
    assert "the score runs" in text
    assert "the track's maximum sharing rate, 42 CFR 425.605(d) and 425.610(d)" in text
    assert "parameter table" not in text  # the regulation, not our data file
    settlement_page = client.get(
        reverse("settlement:entity_year", kwargs={"entity_id": entity_a.pk, "year": PY})
    )
    settled = settlement_page.content.decode()
    assert "If the quality score stays at 58.75 (quality performance standard met)" in settled
    # A range whose two ends give the same rate says so ("a sharing rate of 50% to 50%" read as a
    # slip), and the source does not repeat how the result was made, in parentheses in parentheses.
    for html in (text, settled):
        assert not re.search(r"a sharing rate of (\S+) to \1\.", html)
    assert "computed from the measure results (Computed on the platform" not in settled
    assert "computed from the measure results (MIPS quality benchmarks" in settled


def test_the_first_year_rule_reads_the_agreement_period_enrolled_in_the_console(
    entity_a, make_member, login_client
) -> None:
    """The console requires an MSSP year's agreement period (start and number); in the first PY
    of the first agreement period the standard is met by reporting (42 CFR 425.512(a)(2)), and
    the path says which rule decided."""
    from entities.models import EntityYear, Track
    from entities.services.entities import entity_year_set
    from quality.models import ReportedMeasure
    from quality.scores import benchmark_file_upload

    client = login_client(_superuser(make_member, entity_a))
    url = reverse("admin:entities_entity_change", args=[entity_a.pk])
    enhanced = Track.objects.get(program__code="mssp", code="enhanced")

    def enrol(start: str, number: str):
        return client.post(url, {
            "program": entity_a.program_id, "cms_id": entity_a.cms_id,
            "legal_name": entity_a.legal_name, "tin": "", "agreement_start": "",
            "assignment_method": "prospective", "msr_mlr_choice": "",
            "years-TOTAL_FORMS": "1", "years-INITIAL_FORMS": "0",
            "years-0-performance_year": str(PY), "years-0-track": enhanced.pk,
            "years-0-entity_type": "", "years-0-agreement_start": start,
            "years-0-agreement_period": number, "years-0-notes": "",
            "participations-TOTAL_FORMS": "0", "participations-INITIAL_FORMS": "0",
        })  # fmt: skip

    page = enrol("", "").content.decode()
    assert "PY2025: enter the agreement period number" in page
    assert "PY2025: enter the start date of the agreement period" in page
    assert not EntityYear.objects.filter(entity=entity_a).exists()
    assert enrol("2025-01-01", "1").status_code == 302

    benchmark_file_upload(
        performance_year=PY, source="CMS QPP 2025 Quality Benchmarks", file_name="b.csv",
        content=(HEADER + ROWS).encode(),
    )  # fmt: skip
    # The eCQMs as the QRDA III files give them (100 cases each, above the minimum of 20) and
    # the vendor's CAHPS: 001 95% (inverse: decile 1, 1 + 4/9 points), 134, 236, 112 20%
    # (decile 3, 3 points), CAHPS (7.5 + 10) / 2; 479 has no result: 19.19 / 60 x 100 = 31.99.
    # Not the incentive: 236 is at the 10th percentile, but no other measure at the 40th.
    for kind, measures in (
        (ReportedFile.Kind.QRDA3, {"CMS122v13": 95, "CMS2v14": 20, "CMS165v13": 20,
                                   "CMS125v13": 20}),
        (ReportedFile.Kind.CAHPS, {"CAHPS_1": None, "CAHPS_2": None}),
    ):  # fmt: skip
        file = ReportedFile.objects.create(
            entity=entity_a, performance_year=PY, kind=kind, source="Acme", file_name="f",
            submitted_on=date(2026, 2, 1), period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31), sha256="0" * 64,
        )  # fmt: skip
        for measure_id, met in measures.items():
            ReportedMeasure.objects.create(
                file=file, measure_id=measure_id, denom=100, numer=met, denex=0, denexcep=0,
                performance_rate={"CAHPS_1": Decimal(65), "CAHPS_2": Decimal(95)}.get(measure_id),
            )  # fmt: skip
    first = quality_score_publish(entity=entity_a, performance_year=PY).score
    assert first is not None
    assert (first.score, first.met_qps, first.met_incentive) == (Decimal("31.99"), False, False)
    result = QualityResult.objects.get(entity=entity_a, performance_year=PY)
    assert result.met_standard is True
    path = "\n".join(result.path)
    assert "PY2025 is the first year of agreement period 1 (from 2025-01-01)" in path
    assert "decided by: the first-year rule (42 CFR 425.512(a)(2))" in path

    # The same year in a second agreement period: the score decides, and falls short.
    entity_year_set(entity=entity_a, performance_year=PY, track=enhanced, agreement_period=2)
    quality_score_publish(entity=entity_a, performance_year=PY)
    result.refresh_from_db()
    assert result.met_standard is False
    path = "\n".join(result.path)
    assert "does not apply, PY2025 is year 1 of agreement period 2 (from 2025-01-01)" in path
    assert "decided by: none: not met" in path


def test_an_mssp_year_must_fall_in_its_agreement_period(entity_a) -> None:
    from django.core.exceptions import ValidationError

    from entities.models import EntityYear, Track

    def errors(start: date, number: int = 1) -> dict:
        year = EntityYear(
            entity=entity_a, performance_year=PY, agreement_start=start, agreement_period=number,
            track=Track.objects.get(program__code="mssp", code="enhanced"),
        )  # fmt: skip
        try:
            year.full_clean()
        except ValidationError as exc:
            return exc.message_dict
        return {}

    assert errors(date(2025, 3, 1))["agreement_start"] == [
        "PY2025: an agreement period starts on January 1 (or on July 1, 2019), not on 2025-03-01."
    ]
    assert errors(date(2020, 1, 1))["agreement_start"] == [
        "PY2025 is not in the agreement period that started on 2020-01-01."
    ]  # 2020 to 2024: five years (42 CFR 425.200)
    assert errors(date(2021, 1, 1)) == {}  # 2021 to 2025
    assert errors(date(2026, 1, 1))["agreement_start"]  # after the year
    assert "starts at 1" in errors(date(2025, 1, 1), 0)["agreement_period"][0]


def test_the_claims_measures_case_counts(entity_a, make_bene) -> None:
    """479 counts its index stays (the denominator), 484 its patients (one case row each; its
    denominator is person-years)."""
    from quality.models import MeasureCase
    from quality.scores import _claims_inputs

    _claims_run(entity_a)
    run = MeasureRun.objects.get(entity=entity_a)
    mcc = MeasureResult.objects.create(
        run=run, code="484", title="MCC admissions", basis="observed", unit="per 100 person-years",
        lower_is_better=True, numerator=Decimal(3), denominator=Decimal("1.5"), rate=Decimal(200),
        specification="MIPS Quality ID 484",
    )  # fmt: skip
    for _ in range(2):
        MeasureCase.objects.create(
            result=mcc, beneficiary=make_bene(entity_a), unit="beneficiary",
            outcome=Decimal(1), exposure=Decimal(270),
        )  # fmt: skip
    inputs, _ = _claims_inputs(entity_a, PY)
    assert (inputs["479"].cases, inputs["484"].cases) == (200, 2)
