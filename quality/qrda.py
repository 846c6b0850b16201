"""QRDA Category III (aggregate eCQM results) as partner EHRs submit them, parsed with lxml.

The checks are the parts the HL7 QRDA III Implementation Guide (R1 STU 2.1) and the CMS QRDA III
Implementation Guide for Eligible Clinicians (2025) require of a report, each named in the error
it raises: the document is a CDA `ClinicalDocument` (namespace urn:hl7-org:v3) declaring the QRDA
III report template (2.16.840.1.113883.10.20.27.1.1); it states a reporting period (the Reporting
Parameters Act 2.16.840.1.113883.10.20.17.3.8, or documentationOf/serviceEvent effectiveTime);
each Measure Reference and Results organizer (2.16.840.1.113883.10.20.27.3.1) names its measure
(externalDocument id) and gives Measure Data observations (2.16.840.1.113883.10.20.27.3.5) whose
population code (IPOP/IPP, DENOM, NUMER, DENEX, DENEXCEP) carries an Aggregate Count
(2.16.840.1.113883.10.20.27.3.3) that is a whole number.

Parsing refuses entities, DTDs and network access (no XML external entity can be read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

NS = {"cda": "urn:hl7-org:v3", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
REPORT_TEMPLATE = "2.16.840.1.113883.10.20.27.1.1"
REPORTING_PARAMETERS = "2.16.840.1.113883.10.20.17.3.8"
MEASURE_RESULTS = "2.16.840.1.113883.10.20.27.3.1"
MEASURE_DATA = "2.16.840.1.113883.10.20.27.3.5"
AGGREGATE_COUNT = "2.16.840.1.113883.10.20.27.3.3"
PERFORMANCE_RATES = ("2.16.840.1.113883.10.20.27.3.14", "2.16.840.1.113883.10.20.27.3.30")
POPULATIONS = {"IPOP": "ipop", "IPP": "ipop", "DENOM": "denom", "NUMER": "numer"}
POPULATIONS |= {"DENEX": "denex", "DENEXCEP": "denexcep"}


class QrdaError(ValueError):
    """A QRDA III file that cannot be read: `errors` name the element (with its line) and what
    is wrong with it."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class MeasureRow:
    measure_id: str  # the measure's version-specific identifier (externalDocument/id)
    title: str
    ipop: int | None = None
    denom: int | None = None
    numer: int | None = None
    denex: int | None = None
    denexcep: int | None = None
    performance_rate: Decimal | None = None


@dataclass
class QrdaReport:
    period_start: date
    period_end: date
    measures: list[MeasureRow] = field(default_factory=list)


def _xpath(element: etree._Element, path: str, variables: dict[str, str]) -> Any:
    return etree.XPath(path, namespaces=NS)(element, **variables)


def _nodes(element: etree._Element, path: str, **variables: str) -> list[etree._Element]:
    found = _xpath(element, path, variables)
    return [n for n in found if isinstance(n, etree._Element)] if isinstance(found, list) else []


def _strings(element: etree._Element, path: str, **variables: str) -> list[str]:
    found = _xpath(element, path, variables)
    return [str(v) for v in found] if isinstance(found, list) else []


def _text(element: etree._Element, path: str, **variables: str) -> str:
    return str(_xpath(element, f"string({path})", variables)).strip()


def _has_template(element: etree._Element, root: str) -> bool:
    return bool(_nodes(element, "cda:templateId[@root=$r]", r=root))


def _ts(value: str | None) -> date | None:
    text = (value or "").strip()
    if len(text) < 8 or not text[:8].isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _where(element: etree._Element) -> str:
    return f"<{etree.QName(element).localname}> at line {element.sourceline}"


def _period(root: etree._Element, errors: list[str]) -> tuple[date, date] | None:
    times = _nodes(
        root,
        ".//cda:act[cda:templateId/@root=$r]/cda:effectiveTime"
        " | cda:documentationOf/cda:serviceEvent/cda:effectiveTime",
        r=REPORTING_PARAMETERS,
    )
    for time in times:
        low = _ts(_text(time, "cda:low/@value"))
        high = _ts(_text(time, "cda:high/@value"))
        if low and high and low <= high:
            return low, high
        errors.append(f"{_where(time)}: the reporting period needs low and high dates (YYYYMMDD)")
        return None
    errors.append(
        "the reporting period is missing (Reporting Parameters Act "
        f"{REPORTING_PARAMETERS} or documentationOf/serviceEvent/effectiveTime)"
    )
    return None


def _measure(organizer: etree._Element, errors: list[str]) -> MeasureRow | None:
    ids = _nodes(organizer, ".//cda:reference/cda:externalDocument/cda:id")
    measure_id = ""
    for id_ in ids:
        measure_id = (id_.get("extension") or id_.get("root") or "").strip()
        if measure_id:
            break
    if not measure_id:
        errors.append(f"{_where(organizer)}: the measure has no externalDocument id")
        return None
    title = " ".join(_text(organizer, ".//cda:reference/cda:externalDocument/cda:text").split())
    row = MeasureRow(measure_id=measure_id, title=title)
    observations = _nodes(
        organizer, "cda:component/cda:observation[cda:templateId/@root=$r]", r=MEASURE_DATA
    )
    if not observations:
        errors.append(f"{_where(organizer)}: measure {measure_id} has no Measure Data")
    for obs in observations:
        code = _text(obs, "cda:value/@code")
        key = POPULATIONS.get(code)
        if key is None:
            errors.append(
                f"{_where(obs)}: population code {code!r} is not one of {sorted(POPULATIONS)}"
            )
            continue
        counts = _strings(
            obs,
            "cda:entryRelationship/cda:observation[cda:templateId/@root=$r]/cda:value/@value",
            r=AGGREGATE_COUNT,
        )
        if not counts or not str(counts[0]).strip().isdigit():
            errors.append(
                f"{_where(obs)}: measure {measure_id} {code} has no whole-number Aggregate Count"
            )
            continue
        if getattr(row, key) is None:  # stratified copies repeat the population: keep the first
            setattr(row, key, int(str(counts[0]).strip()))
    if observations:
        # Each proportion measure reports its populations (a bad count is reported above).
        given = {POPULATIONS.get(_text(o, "cda:value/@code")) for o in observations}
        missing = [c for c, k in (("IPOP", "ipop"), ("DENOM", "denom"), ("NUMER", "numer"))
                   if k not in given]  # fmt: skip
        if missing:
            errors.append(
                f"{_where(organizer)}: measure {measure_id} has no {' or '.join(missing)} Measure "
                "Data (a proportion measure reports IPOP, DENOM and NUMER)"
            )
        elif row.denom is not None and row.numer is not None:
            performance = row.denom - (row.denex or 0) - (row.denexcep or 0)
            if row.numer > performance:
                errors.append(
                    f"{_where(organizer)}: measure {measure_id} NUMER {row.numer:,} is more than "
                    f"DENOM {row.denom:,} less exclusions and exceptions ({performance:,})"
                )
    rates = _strings(
        organizer,
        ".//cda:observation[cda:templateId/@root=$a or cda:templateId/@root=$b]/cda:value/@value",
        a=PERFORMANCE_RATES[0],
        b=PERFORMANCE_RATES[1],
    )
    if rates:
        try:
            row.performance_rate = Decimal(str(rates[0]).strip())
        except InvalidOperation:
            errors.append(
                f"{_where(organizer)}: measure {measure_id} performance rate is not a number"
            )
    return row


def parse_qrda3(content: bytes) -> QrdaReport:
    """The report's period and per-measure counts; `QrdaError` listing every problem found."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        problem = str(exc).replace(" (<string>, line ", " (line ").split(" (line ")[0]
        raise QrdaError([f"not well-formed XML at line {exc.lineno}: {problem}"]) from None
    errors: list[str] = []
    if (
        etree.QName(root).namespace != NS["cda"]
        or etree.QName(root).localname != "ClinicalDocument"
    ):
        raise QrdaError(["the root element is not a CDA ClinicalDocument (urn:hl7-org:v3)"])
    if not _has_template(root, REPORT_TEMPLATE):
        errors.append(
            f"the document does not declare the QRDA III report template {REPORT_TEMPLATE}"
        )
    period = _period(root, errors)
    organizers = _nodes(root, ".//cda:organizer[cda:templateId/@root=$r]", r=MEASURE_RESULTS)
    if not organizers:
        errors.append(f"no Measure Reference and Results organizer ({MEASURE_RESULTS})")
    measures = [m for m in (_measure(o, errors) for o in organizers) if m is not None]
    if errors or period is None:
        raise QrdaError(errors)
    return QrdaReport(period_start=period[0], period_end=period[1], measures=measures)
