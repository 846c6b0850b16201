"""QRDA Category III uploads: parsed with lxml, checked for the report's required parts (each
error names the element and line), stored all or nothing, and replaced with history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from quality.models import ReportedFile
from quality.qrda import QrdaError, parse_qrda3
from quality.services import reported_file_upload

MEASURE = """
<component><section><entry>
  <organizer classCode="CLUSTER" moodCode="EVN">
    <templateId root="2.16.840.1.113883.10.20.27.3.1" extension="2016-09-01"/>
    <reference typeCode="REFR"><externalDocument classCode="DOC" moodCode="EVN">
      <id root="2.16.840.1.113883.4.738" extension="{mid}"/>
      <text>Diabetes: Glycemic Status Assessment Greater Than 9%</text>
    </externalDocument></reference>
    {data}
    <component><observation classCode="OBS" moodCode="EVN">
      <templateId root="2.16.840.1.113883.10.20.27.3.14" extension="2020-12-01"/>
      <value xsi:type="REAL" value="{rate}"/>
    </observation></component>
  </organizer>
</entry></section></component>"""

DATA = """
    <component><observation classCode="OBS" moodCode="EVN">
      <templateId root="2.16.840.1.113883.10.20.27.3.5" extension="2016-09-01"/>
      <value xsi:type="CD" code="{code}" codeSystem="2.16.840.1.113883.5.4"/>
      <entryRelationship typeCode="SUBJ" inversionInd="true"><observation classCode="OBS" moodCode="EVN">
        <templateId root="2.16.840.1.113883.10.20.27.3.3"/>
        <value xsi:type="INT" value="{n}"/>
      </observation></entryRelationship>
    </observation></component>"""


def qrda(counts: dict[str, str], *, period: tuple[str, str] = ("20250101", "20251231")) -> bytes:
    data = "".join(DATA.format(code=c, n=n) for c, n in counts.items())
    return f"""<?xml version="1.0" encoding="utf-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <templateId root="2.16.840.1.113883.10.20.27.1.1" extension="2017-06-01"/>
  <documentationOf><serviceEvent classCode="PCPR">
    <effectiveTime><low value="{period[0]}"/><high value="{period[1]}"/></effectiveTime>
  </serviceEvent></documentationOf>
  <component><structuredBody>{MEASURE.format(mid="m-001", data=data, rate="0.2")}</structuredBody></component>
</ClinicalDocument>""".encode()


GOOD = {"IPOP": "120", "DENOM": "100", "DENEX": "0", "DENEXCEP": "0", "NUMER": "20"}


def test_a_report_gives_its_period_and_each_measures_counts() -> None:
    report = parse_qrda3(qrda(GOOD))
    assert (report.period_start, report.period_end) == (date(2025, 1, 1), date(2025, 12, 31))
    (m,) = report.measures
    assert (m.measure_id, m.ipop, m.denom, m.numer, m.denex) == ("m-001", 120, 100, 20, 0)
    assert m.performance_rate == Decimal("0.2")
    assert m.title.startswith("Diabetes")


def test_each_missing_part_is_named_with_its_line() -> None:
    with pytest.raises(QrdaError) as bad:
        parse_qrda3(qrda({"DENOM": "ten", "XYZ": "1"}, period=("2025", "")))
    errors = bad.value.errors
    assert any("reporting period needs low and high" in e and "line" in e for e in errors)
    assert any("DENOM has no whole-number Aggregate Count" in e for e in errors)
    assert any("population code 'XYZ'" in e for e in errors)
    with pytest.raises(QrdaError, match="not well-formed XML at line 1") as bad:
        parse_qrda3(b"ssm_id,score\nCAHPS_1,80\n")  # a CSV sent as a QRDA III file
    assert "<string>" not in bad.value.errors[0]
    with pytest.raises(QrdaError, match="not well-formed"):
        parse_qrda3(b"<ClinicalDocument")
    with pytest.raises(QrdaError, match="not a CDA ClinicalDocument"):
        parse_qrda3(b"<html/>")


def test_a_measure_needs_its_populations_and_a_numerator_within_its_denominator() -> None:
    with pytest.raises(QrdaError) as bad:
        parse_qrda3(qrda({k: v for k, v in GOOD.items() if k != "DENOM"}))
    assert bad.value.errors == [
        "<organizer> at line 9: measure m-001 has no DENOM Measure Data (a proportion measure "
        "reports IPOP, DENOM and NUMER)"
    ]
    with pytest.raises(QrdaError) as bad:
        parse_qrda3(qrda({**GOOD, "DENEX": "90"}))  # 20 met of 100 - 90 eligible
    assert bad.value.errors == [
        "<organizer> at line 9: measure m-001 NUMER 20 is more than DENOM 100 less exclusions "
        "and exceptions (10)"
    ]
    assert parse_qrda3(qrda({"IPP": "120", "DENOM": "100", "NUMER": "20"})).measures[0].ipop == 120


def test_an_external_entity_is_never_read(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    evil = qrda(GOOD).replace(
        b"<ClinicalDocument",
        f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>\n<ClinicalDocument'.encode(),
        1,
    )
    evil = evil.replace(b"Diabetes:", b"&x; Diabetes:")
    report = parse_qrda3(evil)
    assert report.measures[0].measure_id == "m-001"
    assert "TOP-SECRET" not in report.measures[0].title


@pytest.mark.django_db
def test_a_reupload_replaces_with_history_and_a_bad_file_stores_nothing(
    entity_a, make_member, login_client
) -> None:
    first = reported_file_upload(
        entity=entity_a, performance_year=2025, source="Acme EHR", submitted_on=date(2026, 2, 1),
        file_name="acme.xml", content=qrda(GOOD),
    )  # fmt: skip
    user = make_member(entity_a, Role.ENTITY_ADMIN)
    client = login_client(user)
    upload = SimpleUploadedFile("acme2.xml", qrda({**GOOD, "NUMER": "10"}), "text/xml")
    answer = client.post(
        reverse("quality:reported_upload", args=[entity_a.pk]),
        {
            "performance_year": 2025,
            "source": "Acme EHR",
            "submitted_on": "2026-03-01",
            "file": upload,
        },
    )
    assert answer.status_code == 302
    first.refresh_from_db()
    current = ReportedFile.objects.get(entity=entity_a, superseded_by__isnull=True)
    assert first.superseded_by == current
    assert current.measures.get().numer == 10
    assert (current.source, current.submitted_on) == ("Acme EHR", date(2026, 3, 1))

    bad = SimpleUploadedFile("bad.xml", qrda(GOOD, period=("20240101", "20241231")), "text/xml")
    page = client.post(
        reverse("quality:reported_upload", args=[entity_a.pk]),
        {"performance_year": 2025, "source": "Acme EHR", "submitted_on": "2026-03-02", "file": bad},
        follow=True,
    )
    assert "not performance year 2025" in page.content.decode()
    assert ReportedFile.objects.count() == 2
    overview = client.get(reverse("quality:overview", args=[entity_a.pk])).content.decode()
    assert overview.count('id="h-reported"') == 1
    assert "replaced by the upload" in overview
    assert f"SHA-256 beginning {current.sha256[:16]}." in overview  # not "…." after a cut hash
    assert "Acme EHR" in overview
