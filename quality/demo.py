"""Demo quality data (synthetic), after the claims, alignment and settlement demos:

* the demo ACO's and DCE's claims-based measures for PY2025, computed from their claims at load
  (the same service the "Compute" button starts);
* CMS's published PY2025 MIPS quality benchmarks (shipped with the code) as platform staff would
  upload them;
* the ACO's eCQM results from a synthetic partner EHR (a QRDA Category III file), and the ACO's
  and the DCE's CAHPS results from a synthetic survey vendor, each uploaded through the service
  a user's upload goes through;
* patient-level eCQM results (FHIR MeasureReport, individual) for some of the ACO's aligned
  beneficiaries from two synthetic partner EHRs, some patients in both, for the year to date:
  the ACO-level rate beside the QRDA III aggregate, and the open ones as care gaps;
* the ACO's quality score computed from all of it replaces the demo's typed quality result, and
  a new final settlement version takes it (its explanation shows the path).

Idempotent: what is there already is left alone. The step's time is printed.
"""

from __future__ import annotations

import io
import time
from datetime import date
from typing import Any

from core import csvfiles
from entities.models import Entity
from quality.engine.app_score import app_measure
from quality.engine.valuesets import VALUESET_DIR
from quality.models import MeasureRun, ReportedFile
from quality.scores import (
    benchmark_file_upload,
    cahps_file_upload,
    current_benchmark_file,
    quality_score_publish,
)
from quality.services import measures_compute, reported_file_upload

YEAR = 2025
BENCHMARK_SOURCE = "CMS Quality Payment Program, 2025 MIPS quality benchmarks"
EHR = "Valley Health EHR (synthetic)"
VENDOR = "Synthetic CAHPS survey vendor"
# Synthetic eCQM counts of the ACO's patients (denominator, numerator): Quality IDs 001 (lower
# is better), 134, 236 and 112.
ECQM_COUNTS = {"001": (1840, 221), "134": (5210, 4480), "236": (3950, 3120), "112": (2630, 2080)}
CAHPS_SCORES = {
    "CAHPS_1": ("Getting Timely Care, Appointments, and Information", "86.90", 412),
    "CAHPS_2": ("How Well Providers Communicate", "95.30", 418),
    "CAHPS_3": ("Patient's Rating of Provider", "93.60", 415),
    "CAHPS_4": ("Access to Specialists", "79.80", 301),
    "CAHPS_5": ("Health Promotion and Education", "66.40", 409),
    "CAHPS_6": ("Shared Decision Making", "63.10", 377),
    "CAHPS_8": ("Care Coordination", "87.20", 402),
    "CAHPS_9": ("Courteous and Helpful Office Staff", "93.10", 416),
    "CAHPS_11": ("Stewardship of Patient Resources", "28.40", 395),
}
# The DCE's CAHPS results from the same synthetic vendor (its own synthetic scores).
DCE_CAHPS_SCORES = {
    "CAHPS_1": ("Getting Timely Care, Appointments, and Information", "84.20", 388),
    "CAHPS_2": ("How Well Providers Communicate", "94.10", 395),
    "CAHPS_3": ("Patient's Rating of Provider", "92.40", 391),
    "CAHPS_4": ("Access to Specialists", "77.50", 276),
    "CAHPS_5": ("Health Promotion and Education", "62.80", 384),
    "CAHPS_6": ("Shared Decision Making", "61.70", 352),
    "CAHPS_8": ("Care Coordination", "85.90", 380),
    "CAHPS_9": ("Courteous and Helpful Office Staff", "92.30", 393),
    "CAHPS_11": ("Stewardship of Patient Resources", "26.90", 370),
}


def _qrda3(year: int) -> bytes:
    """A QRDA Category III report of the synthetic EHR with the year's APP eCQMs."""
    organizers = []
    for quality_id, (denom, numer) in ECQM_COUNTS.items():
        spec = app_measure(quality_id)
        cms_id = spec["ecqm"][str(year)][0]
        data = "".join(
            f"""<component><observation classCode="OBS" moodCode="EVN">
  <templateId root="2.16.840.1.113883.10.20.27.3.5" extension="2016-09-01"/>
  <value xsi:type="CD" code="{code}" codeSystem="2.16.840.1.113883.5.4"/>
  <entryRelationship typeCode="SUBJ" inversionInd="true"><observation classCode="OBS" moodCode="EVN">
    <templateId root="2.16.840.1.113883.10.20.27.3.3"/><value xsi:type="INT" value="{n}"/>
  </observation></entryRelationship></observation></component>"""
            for code, n in (
                ("IPOP", denom),
                ("DENOM", denom),
                ("DENEX", 0),
                ("DENEXCEP", 0),
                ("NUMER", numer),
            )  # fmt: skip
        )
        organizers.append(
            f"""<entry><organizer classCode="CLUSTER" moodCode="EVN">
  <templateId root="2.16.840.1.113883.10.20.27.3.1" extension="2016-09-01"/>
  <reference typeCode="REFR"><externalDocument classCode="DOC" moodCode="EVN">
    <id root="2.16.840.1.113883.4.738" extension="{cms_id}"/><text>{spec["title"]}</text>
  </externalDocument></reference>{data}</organizer></entry>"""
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <templateId root="2.16.840.1.113883.10.20.27.1.1" extension="2017-06-01"/>
  <documentationOf><serviceEvent classCode="PCPR">
    <effectiveTime><low value="{year}0101"/><high value="{year}1231"/></effectiveTime>
  </serviceEvent></documentationOf>
  <component><structuredBody><component><section>{"".join(organizers)}</section></component>
  </structuredBody></component>
</ClinicalDocument>""".encode()


def _cahps_csv(scores: dict[str, tuple[str, str, int]] = CAHPS_SCORES) -> bytes:
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\n")
    writer.writerow(["ssm_id", "ssm_name", "score", "respondents"])
    writer.writerows([ssm, name, score, n] for ssm, (name, score, n) in scores.items())
    return out.getvalue().encode()


def _measures(entity: Entity, stdout: Any) -> None:
    if MeasureRun.objects.filter(entity=entity, performance_year=YEAR).exists():
        return
    outcome = measures_compute(entity=entity, performance_year=YEAR)
    if outcome.get("stored"):
        shown = ", ".join(
            f"{code} {rate:.2f}" for code, rate in outcome["measures"].items() if rate is not None
        )
        stdout.write(
            f"  quality: {entity.cms_id} PY{YEAR} measures as of {outcome['as_of']}: {shown}"
        )
    else:
        stdout.write(f"  quality: {entity.cms_id} PY{YEAR} not computed: {outcome['reason']}")


def _aco_files(aco: Entity) -> None:
    files = ReportedFile.objects.filter(entity=aco, performance_year=YEAR)
    if not files.filter(kind=ReportedFile.Kind.QRDA3).exists():
        reported_file_upload(
            entity=aco, performance_year=YEAR, source=EHR, submitted_on=date(YEAR + 1, 2, 14),
            file_name=f"valley-ehr-qrda3-{YEAR}.xml", content=_qrda3(YEAR),
        )  # fmt: skip
    _cahps_file(aco, CAHPS_SCORES, f"cahps-for-mips-{YEAR}.csv")


def _cahps_file(entity: Entity, scores: dict[str, tuple[str, str, int]], file_name: str) -> None:
    """The survey vendor's CAHPS results of the year, uploaded through the service a user's
    upload goes through (once)."""
    if ReportedFile.objects.filter(
        entity=entity, performance_year=YEAR, kind=ReportedFile.Kind.CAHPS
    ).exists():
        return
    cahps_file_upload(
        entity=entity, performance_year=YEAR, source=VENDOR, submitted_on=date(YEAR + 1, 3, 2),
        period_start=date(YEAR, 1, 1), period_end=date(YEAR, 12, 31),
        file_name=file_name, content=_cahps_csv(scores),
    )  # fmt: skip


PATIENT_EHRS = (EHR, "Riverbend Clinic EHR (synthetic)")
# The share of the sampled patients in each eCQM's denominator and the share meeting its quality
# action (001: the share with a result above 9% or none, the inverse numerator).
PATIENT_MEASURES = {
    "001": ("CMS122", 0.3, 0.14),
    "134": ("CMS2", 0.85, 0.82),
    "236": ("CMS165", 0.55, 0.76),
    "112": ("CMS125", 0.3, 0.78),
}


def _measure_reports(aco: Entity, patients: int = 400) -> None:
    """Two EHRs' patient-level results for the year to date (submitted on the claims' date, while
    the period runs), a fifth of the patients in both with their own readings."""
    import json

    import numpy as np

    from alignment.selectors import aligned_beneficiaries
    from claims.selectors import claims_data_date
    from quality.patient_level import MBI_SYSTEM, POPULATION_SYSTEM, measure_reports_store

    if ReportedFile.objects.filter(
        entity=aco, performance_year=YEAR, kind=ReportedFile.Kind.MEASURE_REPORT
    ).exists():
        return
    mbis = sorted(
        aligned_beneficiaries(entity=aco, performance_year=YEAR)
        .exclude(beneficiary__current_mbi="")
        .values_list("beneficiary__current_mbi", flat=True)
    )[:patients]
    rng = np.random.default_rng(YEAR)
    bundles: dict[str, list[dict[str, Any]]] = {source: [] for source in PATIENT_EHRS}
    for i, mbi in enumerate(mbis):
        sources = PATIENT_EHRS if i % 5 == 0 else (PATIENT_EHRS[i % 2],)
        for quality_id, (cms_id, eligible, met) in PATIENT_MEASURES.items():
            if rng.random() >= eligible:
                continue
            for source in sources:
                counts = {"initial-population": 1, "denominator": 1, "denominator-exclusion": 0,
                          "numerator": int(rng.random() < met)}  # fmt: skip
                bundles[source].append(
                    {
                        "resourceType": "MeasureReport",
                        "id": f"{quality_id}-{i}",
                        "status": "complete",
                        "type": "individual",
                        "measure": f"https://madie.cms.gov/Measure/{cms_id}FHIR",
                        "subject": {"identifier": {"system": MBI_SYSTEM, "value": mbi}},
                        "period": {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"},
                        "group": [{"population": [
                            {"code": {"coding": [{"system": POPULATION_SYSTEM, "code": code}]},
                             "count": n}
                            for code, n in counts.items()
                        ]}],
                    }
                )  # fmt: skip
    day = claims_data_date(entity=aco) or date(YEAR, 12, 15)
    for source, reports in bundles.items():
        resource = {"resourceType": "Bundle", "type": "collection",
                    "entry": [{"resource": r} for r in reports]}  # fmt: skip
        measure_reports_store(
            entity=aco, source=source, submitted_on=min(day, date(YEAR, 12, 31)),
            resource=resource, file_name=f"measure-reports-{YEAR}.json", content=json.dumps(resource).encode(),
        )  # fmt: skip


def _settle_with_computed_score(aco: Entity, stdout: Any) -> None:
    """The demo's typed quality result gives way to the computed score, and a new final version
    of the year takes it (once)."""
    from settlement.demo import DEMO_SOURCE, resettle_demo_final
    from settlement.models import QualityResult

    QualityResult.objects.filter(
        entity=aco, performance_year=YEAR, origin="override", source=DEMO_SOURCE
    ).delete()
    quality_score_publish(entity=aco, performance_year=YEAR)
    result = QualityResult.objects.filter(entity=aco, performance_year=YEAR).first()
    if result is None or result.origin != "computed":
        stdout.write(f"  quality: {aco.cms_id} PY{YEAR} score not computed")
        return
    stdout.write(f"  quality: {aco.cms_id} PY{YEAR} quality score {result.quality_score}")
    run = resettle_demo_final(
        entity=aco,
        performance_year=YEAR,
        note="Demo: final settlement with the quality score computed from the measures",
        stdout=stdout,
    )
    if run is not None:
        stdout.write(f"  settlement: {run} with the computed quality score")


def load(*, entities: dict[str, Entity], stdout: Any) -> None:
    started = time.perf_counter()
    if current_benchmark_file(YEAR) is None:
        path = VALUESET_DIR / f"mips_benchmarks_{YEAR}.csv"
        benchmark_file_upload(
            performance_year=YEAR, source=BENCHMARK_SOURCE, file_name=path.name,
            content=path.read_bytes(),
        )  # fmt: skip
    for key in ("mssp", "reach"):
        entity = entities.get(key)
        if entity is not None:
            _measures(entity, stdout)
    dce = entities.get("reach")
    if dce is not None:
        # ACO REACH's quality measures include the CAHPS for ACOs survey.
        _cahps_file(dce, DCE_CAHPS_SCORES, f"cahps-for-acos-{YEAR}.csv")
    aco = entities.get("mssp")
    if aco is not None and MeasureRun.objects.filter(entity=aco, performance_year=YEAR).exists():
        _aco_files(aco)
        _measure_reports(aco)
        _settle_with_computed_score(aco, stdout)
    stdout.write(f"  quality: demo step took {time.perf_counter() - started:.1f} s")
