"""Patient-level eCQM results (FHIR MeasureReport, individual) from partner EHRs, on hand-built
cases: every problem named by entry and field with nothing stored; one patient counted once
across two EHRs for the ACO-level rate shown beside the QRDA III aggregate; a re-submission
replaces with history; the open numerator events become care gaps naming the measure and the
day they close, counted in the roster's gap count and found by its gap filter."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from care.models import CareGap, CareProfile, CareSummary
from care.selectors import RosterFilters, roster_queryset
from quality.models import PatientResult, ReportedFile
from quality.patient_level import (
    MBI_SYSTEM,
    POPULATION_SYSTEM,
    PatientReportError,
    measure_reports_store,
    parse_measure_reports,
    patient_level_rates,
)

CMS122 = "https://madie.cms.gov/Measure/CMS122FHIRDiabetesAssessGreaterThan9Percent|0.1.000"
CMS2 = "https://madie.cms.gov/Measure/CMS2FHIRPCSDepressionScreenAndFollowUp|0.1.000"
CMS165 = "https://madie.cms.gov/Measure/CMS165FHIRControllingHighBloodPressure|0.1.000"


def report(mbi: str, measure: str, numerator: int, *, denex: int = 0, ident: str = "r1",
           start: str = "2026-01-01", end: str = "2026-12-31") -> dict[str, Any]:  # fmt: skip
    def population(code: str, count: int) -> dict[str, Any]:
        return {"code": {"coding": [{"system": POPULATION_SYSTEM, "code": code}]}, "count": count}

    return {
        "resourceType": "MeasureReport",
        "id": ident,
        "status": "complete",
        "type": "individual",
        "measure": measure,
        "subject": {"identifier": {"system": MBI_SYSTEM, "value": mbi}},
        "period": {"start": start, "end": end},
        "group": [
            {
                "population": [
                    population("initial-population", 1),
                    population("denominator", 1),
                    population("denominator-exclusion", denex),
                    population("numerator", numerator),
                ]
            }
        ],
    }


def bundle(*reports: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in reports]}  # fmt: skip


def store(entity: Any, source: str, resource: dict[str, Any], day: date = date(2026, 11, 2)) -> Any:
    return measure_reports_store(
        entity=entity, source=source, submitted_on=day, resource=resource,
        file_name="submission.json", content=b"{}",
    )  # fmt: skip


def test_every_problem_is_named_by_entry_and_field() -> None:
    bad = report("1EG4TE5MK73", CMS122, 2, ident="a1")
    bad["type"] = "summary"
    bad["period"] = {"start": "2026-01-01"}
    del bad["subject"]
    unknown = report("1EG4TE5MK73", "https://example.org/Measure/CMS999", 1, ident="a2")
    with pytest.raises(PatientReportError) as caught:
        parse_measure_reports(bundle(bad, unknown))
    errors = caught.value.errors
    assert "entry 0 (MeasureReport/a1): type: 'summary', not individual" in errors
    assert "entry 0 (MeasureReport/a1): period: needs start and end dates (YYYY-MM-DD)" in errors
    assert any(e.startswith("entry 0 (MeasureReport/a1): subject: no MBI") for e in errors)
    assert any("group[0].population[3].count: 2 is not 0 or 1" in e for e in errors)
    assert any(e.startswith("entry 1 (MeasureReport/a2): measure:") for e in errors)
    with pytest.raises(PatientReportError, match="not MeasureReport or Bundle"):
        parse_measure_reports({"resourceType": "Patient"})
    with pytest.raises(PatientReportError, match="NUL character"):
        parse_measure_reports(report("1EG4TE5MK73\x00", CMS122, 1))
    odd = report("1EG4TE5MK73", CMS122, 1)
    odd["group"][0]["population"] = ["denominator", {"code": "numerator", "count": 1}]
    with pytest.raises(PatientReportError, match=r"population\[0\]\.code: none"):
        parse_measure_reports(odd)


@pytest.mark.django_db
def test_an_unknown_mbi_stores_nothing_and_is_named_by_its_entry_not_the_mbi(
    entity_a, make_bene
) -> None:
    bene = make_bene(entity_a)
    with pytest.raises(PatientReportError) as caught:
        store(entity_a, "EHR A", bundle(report(bene.current_mbi, CMS2, 1),
                                         report("9ZZ9ZZ9ZZ99", CMS2, 1, ident="x")))  # fmt: skip
    assert caught.value.errors == [
        "entry 1 (MeasureReport/x): subject: the MBI is not a beneficiary of this entity"
    ]
    assert "9ZZ9ZZ9ZZ99" not in str(caught.value)
    assert not ReportedFile.objects.exists()
    assert not PatientResult.objects.exists()


@pytest.mark.django_db
def test_patients_count_once_across_ehrs_and_open_events_become_counted_gaps(
    entity_a, make_bene, aco_coordinator, login_client
) -> None:
    both, only_a, only_b = make_bene(entity_a), make_bene(entity_a), make_bene(entity_a)
    for bene in (both, only_a, only_b):
        CareProfile.objects.create(entity=entity_a, beneficiary=bene, as_of=date(2026, 11, 1))
    CareSummary.objects.create(entity=entity_a, as_of=date(2026, 11, 1))
    # EHR A: `both` not screened; EHR B: `both` screened. Counted once, met (positive measure).
    store(entity_a, "EHR A", bundle(report(both.current_mbi, CMS2, 0, ident="1"),
                                    report(only_a.current_mbi, CMS2, 0, ident="2"),
                                    report(both.current_mbi, CMS122, 1, ident="3")))  # fmt: skip
    store(entity_a, "EHR B", bundle(report(both.current_mbi, CMS2, 1, ident="1"),
                                    report(only_b.current_mbi, CMS2, 1, denex=1, ident="2"),
                                    report(both.current_mbi, CMS122, 0, ident="3")))  # fmt: skip
    rates = patient_level_rates(entity=entity_a, year=2026)
    depression = rates["134"]
    assert (depression.patients, depression.excluded, depression.numerator) == (3, 1, 1)
    assert depression.rate == 50  # 1 of 2: `both` met, `only_a` not; `only_b` excluded
    assert depression.in_several_sources == 1
    # Inverse 001: EHR B has a controlled result: `both` is not in the poor-control numerator.
    assert (rates["001"].numerator, rates["001"].performance_denominator) == (0, 1)

    gap = CareGap.objects.get(entity=entity_a, gap="measure_134")
    assert gap.beneficiary_id == only_a.pk
    assert (
        gap.label == "Quality ID 134: depression screening (and a follow-up plan when positive) due"
    )
    assert gap.closes_on == date(2026, 12, 31)
    assert gap.as_of == date(2026, 11, 2)
    assert "closes 2026-12-31" in gap.detail
    assert not CareGap.objects.filter(gap="measure_001").exists()
    person = login_client(aco_coordinator).get(
        reverse("care:beneficiary", args=[entity_a.pk, only_a.pk])
    )
    assert "Quality ID 134: depression screening" in person.content.decode()
    assert "closes 2026-12-31" in person.content.decode()
    # The roster's count and filters see the measure's gap.
    assert CareProfile.objects.get(beneficiary=only_a).open_gap_count == 1
    assert CareProfile.objects.get(beneficiary=both).open_gap_count == 0
    found = roster_queryset(user=aco_coordinator, entity=entity_a,
                            filters=RosterFilters(open_gaps=True))  # fmt: skip
    assert list(found.values_list("pk", flat=True)) == [only_a.pk]
    by_gap = roster_queryset(user=aco_coordinator, entity=entity_a,
                             filters=RosterFilters(gap="measure_134"))  # fmt: skip
    assert list(by_gap.values_list("pk", flat=True)) == [only_a.pk]
    # And the overview counts what the roster's filter finds, the measure's gap by name.
    summary = CareSummary.objects.get(entity=entity_a)
    assert (summary.as_of, summary.with_gaps) == (date(2026, 11, 1), 1)
    assert [(g["gap"], g["n"]) for g in summary.gaps] == [("measure_134", 1)]

    # EHR A re-submits: `only_a` screened now. The earlier submission stays, replaced.
    again = store(entity_a, "EHR A", bundle(report(only_a.current_mbi, CMS2, 1, ident="2")),
                  day=date(2026, 11, 20))  # fmt: skip
    first = ReportedFile.objects.get(source="EHR A", superseded_by=again)
    assert first.patients.count() == 3
    assert patient_level_rates(entity=entity_a, year=2026)["134"].rate == 100
    assert not CareGap.objects.filter(gap="measure_134").exists()
    assert CareProfile.objects.get(beneficiary=only_a).open_gap_count == 0
    assert CareSummary.objects.get(entity=entity_a).with_gaps == 0

    # The measure page: the QRDA III aggregate beside the patient-level rate; open patients
    # masked and logged.
    store(entity_a, "EHR B", bundle(report(only_b.current_mbi, CMS165, 0, ident="9")),
          day=date(2026, 11, 21))  # fmt: skip
    client = login_client(aco_coordinator)
    overview = client.get(reverse("quality:overview", args=[entity_a.pk]) + "?year=2026")
    assert "the ACO-level rate from patient-level results" in overview.content.decode()
    page = client.get(reverse("quality:ecqm", args=[entity_a.pk, "236"]) + "?year=2026")
    html = page.content.decode()
    assert page.status_code == 200
    assert "QRDA III aggregate" in html
    assert "No QRDA III file for PY2026" in html
    assert "0.00%" in html
    # Dated by the submissions it reads (the latest current one), and the open patients counted.
    assert 'data-as-of="2026-11-21"' in html
    assert "latest submission date of the current QRDA III and patient-level files" in html
    assert "Open: the quality action not met yet (1)" in html
    assert only_b.masked_mbi in html
    assert only_b.current_mbi not in html
    record = AccessRecord.objects.filter(route="quality:ecqm").latest("at")
    assert record.beneficiary_ids == [only_b.pk]
    # Inverse 001: the open patients are those in the poor-outcome numerator (none here).
    inverse = client.get(reverse("quality:ecqm", args=[entity_a.pk, "001"]) + "?year=2026")
    assert "Open: in the numerator, the poor outcome (0)" in inverse.content.decode()


@pytest.mark.django_db
def test_the_ecqm_page_is_closed_to_another_entity(
    entity_a, make_bene, other_entity_user, login_client
) -> None:
    bene = make_bene(entity_a)
    store(entity_a, "EHR A", bundle(report(bene.current_mbi, CMS2, 0)))
    stranger = login_client(other_entity_user)
    url = reverse("quality:ecqm", args=[entity_a.pk, "134"])
    assert stranger.get(url).status_code == 404
