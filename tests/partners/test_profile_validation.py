"""Profile validation of exported NDJSON with a maintained validator, offline (issue 18):
`manage.py fhir_validate` checks each resource against FHIR R4 and the US Core / Da Vinci ATR
profiles it declares (Medplum's validator, tools/fhir-profiles), names the file, line,
resource, profile and path of each failure, and lists the declared profiles it could not check.
The export a server produces is checked in
tests/partners/test_bulk_client_contract.py::test_davinci_data_export_holds_every_resource_its_group_refers_to.
"""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

ATR = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
PATIENT = {
    "resourceType": "Patient",
    "id": "17",
    "meta": {"profile": [f"{ATR}atr-patient", f"{US_CORE}us-core-patient"]},
    "identifier": [{"system": "http://hl7.org/fhir/sid/us-mbi", "value": "1EG4TE5MK73"}],
    "name": [{"family": "Okafor", "given": ["Ruth"]}],
    "gender": "female",
}
COVERAGE = {
    "resourceType": "Coverage",
    "id": "17",
    "meta": {"profile": [f"{ATR}atr-coverage"]},
    "status": "active",
    "subscriberId": "1EG4TE5MK73",
    "beneficiary": {"reference": "Patient/17"},
    "period": {"start": "2019-04-01"},
    "payor": [{"display": "Centers for Medicare & Medicaid Services"}],
}
GROUP: dict[str, Any] = {
    "resourceType": "Group",
    "id": "A9001",
    "meta": {"lastUpdated": "2025-11-14T02:00:00.000Z", "profile": [f"{ATR}atr-group"]},
    "extension": [
        {
            "url": f"{ATR}ext-contractValidityPeriod",
            "valuePeriod": {"start": "2025-01-01", "end": "2025-12-31"},
        },
        {"url": f"{ATR}ext-attributionListStatus", "valueCode": "draft"},
    ],
    "identifier": [{"system": "urn:oid:2.16.840.1.113883.4.4", "value": "123456789"}],
    "active": True,
    "type": "person",
    "actual": True,
    "name": "Valley ACO attribution list",
    "managingEntity": {"reference": "Organization/entity-1"},
    "member": [
        {
            "extension": [{"url": f"{ATR}ext-changeType", "valueCode": "dropped"}],
            "entity": {"reference": "Patient/17"},
            "period": {"start": "2025-01-01", "end": "2025-11-14"},
            "inactive": True,
        }
    ],
}


def write(folder: Path, *resources: dict[str, Any]) -> list[str]:
    paths = []
    for kind in dict.fromkeys(r["resourceType"] for r in resources):
        path = folder / f"{kind}.ndjson"
        lines = [json.dumps(r) for r in resources if r["resourceType"] == kind]
        path.write_text("\n".join(lines) + "\n")
        paths.append(str(path))
    return paths


def validate(*paths: str) -> str:
    out = StringIO()
    call_command("fhir_validate", *paths, stdout=out)
    return out.getvalue()


def test_resources_that_meet_their_profiles_pass_and_each_profile_checked_is_named(
    tmp_path: Path,
) -> None:
    out = validate(*write(tmp_path, PATIENT, COVERAGE, GROUP))
    for profile, name in (
        (f"{US_CORE}us-core-patient", "US Core 5.0.1"),
        (f"{ATR}atr-coverage", "Da Vinci ATR 2.1.0"),
        (f"{ATR}atr-group", "Da Vinci ATR 2.1.0"),
    ):
        line = next(line for line in out.splitlines() if line.strip().startswith(profile + " "))
        assert name in line
        assert line.endswith("1 checked, valid")
    # A declared profile the validator has no definition of is reported, never passed.
    assert f"{ATR}atr-patient: 1 not checked" in out


def test_resources_that_break_their_profiles_are_refused_with_file_line_profile_and_path(
    tmp_path: Path,
) -> None:
    broken = [
        (
            {k: v for k, v in PATIENT.items() if k != "identifier"},
            f"{US_CORE}us-core-patient",
            "Patient.identifier: Missing required property",
        ),
        (
            {**PATIENT, "id": "18", "name": [{"text": "Ruth Okafor"}]},
            f"{US_CORE}us-core-patient",
            "Constraint us-core-6 not met",
        ),
        (
            {**COVERAGE, "status": "cancelled"},
            f"{ATR}atr-coverage",
            "Coverage.status: Value did not match expected pattern",
        ),
        (
            {**GROUP, "extension": GROUP["extension"][:1]},
            f"{ATR}atr-group",
            "slice 'attributionListStatus': expected 1..1, but found 0",
        ),
        (
            {k: v for k, v in GROUP.items() if k != "managingEntity"},
            f"{ATR}atr-group",
            "Group.managingEntity: Missing required property",
        ),
    ]
    paths = write(tmp_path, *(copy.deepcopy(resource) for resource, _, _ in broken))
    with pytest.raises(CommandError) as refused:
        validate(*paths)
    message = str(refused.value)
    assert message.startswith("5 profile errors:")
    lines = {"Patient": 0, "Coverage": 0, "Group": 0}
    for resource, profile, expected in broken:
        kind = resource["resourceType"]
        lines[kind] += 1
        where = f"{kind}.ndjson line {lines[kind]} {kind}/{resource['id']}: {profile}:"
        assert any(where in line and expected in line for line in message.splitlines()), where
