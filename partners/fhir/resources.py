"""FHIR R4 resources built from our rows, each validated by fhir.resources before it leaves.

fhir.resources ships R5 at its top level and R4B (the R4 technical correction, identical to R4
for the resources used here: Patient, Coverage, Practitioner, Organization, Group, Bundle,
OperationOutcome, CapabilityStatement) under `fhir.resources.R4B`; we build against R4B.

Resource ids are internal keys: `Patient/<beneficiary id>`, `Coverage/<beneficiary id>`,
`Practitioner/<provider id>`, `Organization/org-<TIN organisation id>` and
`Organization/entity-<entity id>`. MBIs and TINs appear only inside resources, never in ids.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

# Identifier systems.
MBI_SYSTEM = "http://hl7.org/fhir/sid/us-mbi"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
TIN_SYSTEM = "urn:oid:2.16.840.1.113883.4.4"
CMS_ENTITY_SYSTEM = "https://openvbc.org/fhir/sid/cms-entity-id"
GROUP_SYSTEM = "https://openvbc.org/fhir/sid/attribution-list"
ATR_GROUP_PROFILE = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/atr-group"
# The profiles a resource claims in meta.profile, when it has what they require (US Core 3.1.1,
# on which Da Vinci ATR STU2 builds: Patient needs identifier, name and gender; Practitioner an
# identifier and a name with a family name; Organization active, name and identifier).
ATR = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
PATIENT_PROFILES = (f"{ATR}atr-patient", f"{US_CORE}us-core-patient")
COVERAGE_PROFILES = (f"{ATR}atr-coverage",)
PRACTITIONER_PROFILES = (f"{ATR}atr-practitioner", f"{US_CORE}us-core-practitioner")
ORGANIZATION_PROFILES = (f"{ATR}atr-organization", f"{US_CORE}us-core-organization")

V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
SOPT = "https://nahdo.org/sopt"

GENDER = {"1": "male", "2": "female", "0": "unknown"}


def validated(data: dict[str, Any]) -> dict[str, Any]:
    """The resource as JSON-ready data, after fhir.resources accepted it (ValueError if not)."""
    model = get_fhir_model_class(data["resourceType"])
    resource = model.model_validate(data)
    return resource.model_dump(mode="json", by_alias=True, exclude_none=True)


def instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (
        timezone.localtime(value, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def meta(
    updated: dt.datetime | None, profile: str | tuple[str, ...] | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if updated is not None:
        data["lastUpdated"] = instant(updated)
    if profile:
        data["profile"] = [profile] if isinstance(profile, str) else list(profile)
    return data


def patient_id(beneficiary_id: int) -> str:
    return str(beneficiary_id)


def organization_id(organization: Any) -> str:
    return f"org-{organization.pk}"


def entity_organization_id(entity: Any) -> str:
    return f"entity-{entity.pk}"


def _human_name(text: str) -> dict[str, Any]:
    """Provider names are kept as "Last, First" (or an organisation's name)."""
    family, _, given = text.partition(",")
    name: dict[str, Any] = {"text": text}
    if given.strip():
        name["family"] = family.strip()
        name["given"] = given.split()
    return name


def patient(beneficiary: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient_id(beneficiary.pk),
        "meta": meta(beneficiary.updated_at),
        "identifier": [
            {
                "type": {"coding": [{"system": V2_0203, "code": "MB", "display": "Member Number"}]},
                "system": MBI_SYSTEM,
                "value": beneficiary.current_mbi,
            }
        ],
        "gender": GENDER.get(beneficiary.sex_code, "unknown"),
    }
    name = {"family": beneficiary.last_name or None}
    given = [p for p in (beneficiary.first_name, beneficiary.middle_name) if p]
    if given:
        name["given"] = given
    if name["family"] or given:
        data["name"] = [{k: v for k, v in name.items() if v}]
        data["meta"]["profile"] = list(PATIENT_PROFILES)
    if beneficiary.birth_date:
        data["birthDate"] = beneficiary.birth_date.isoformat()
    if beneficiary.death_date:
        data["deceasedDateTime"] = beneficiary.death_date.isoformat()
    if beneficiary.zip_code:
        data["address"] = [{"postalCode": beneficiary.zip_code, "country": "US"}]
    return validated(data)


def coverage(beneficiary: Any) -> dict[str, Any]:
    """Original Medicare (Parts A and B), the coverage that puts a beneficiary on an ACO's list."""
    starts = [d for d in (beneficiary.part_a_start, beneficiary.part_b_start) if d]
    data: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": patient_id(beneficiary.pk),
        "meta": meta(beneficiary.updated_at, COVERAGE_PROFILES),
        "status": "active",
        "type": {"coding": [{"system": SOPT, "code": "1", "display": "MEDICARE"}]},
        "subscriberId": beneficiary.current_mbi,
        "beneficiary": {"reference": f"Patient/{patient_id(beneficiary.pk)}"},
        "relationship": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                    "code": "self",
                }
            ]
        },
        "payor": [{"display": "Centers for Medicare & Medicaid Services"}],
        "class": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                            "code": "plan",
                        }
                    ]
                },
                "value": "Original Medicare Part A and B",
            }
        ],
    }
    period: dict[str, str] = {}
    if starts:
        period["start"] = min(starts).isoformat()
    if beneficiary.death_date:
        period["end"] = beneficiary.death_date.isoformat()
    if period:
        data["period"] = period
    else:
        # The ATR Coverage profile requires a period; without a Part A or B start there is none.
        data["meta"] = meta(beneficiary.updated_at)
        if not data["meta"]:
            del data["meta"]
    return validated(data)


def practitioner(provider: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": str(provider.pk),
        "meta": meta(provider.updated_at),
        "identifier": [{"system": NPI_SYSTEM, "value": provider.npi}],
        "active": True,
    }
    if provider.name:
        data["name"] = [_human_name(provider.name)]
        if "family" in data["name"][0]:
            data["meta"]["profile"] = list(PRACTITIONER_PROFILES)
    if provider.specialty_id:
        data["qualification"] = [
            {
                "code": {
                    "coding": [
                        {
                            "system": "https://www.cms.gov/medicare-provider-specialty-codes",
                            "code": provider.specialty_id,
                        }
                    ],
                    "text": str(
                        getattr(provider.specialty, "description", "") or provider.specialty_id
                    ),
                }
            }
        ]
    return validated(data)


def organization(organization: Any, entity: Any = None) -> dict[str, Any]:
    """A participant organisation (TIN), part of the entity when one is given."""
    data: dict[str, Any] = {
        "resourceType": "Organization",
        "id": organization_id(organization),
        "meta": meta(organization.updated_at, ORGANIZATION_PROFILES),
        "identifier": [
            {
                "type": {"coding": [{"system": V2_0203, "code": "TAX"}]},
                "system": TIN_SYSTEM,
                "value": organization.tin,
            }
        ],
        "active": True,
        "type": [
            {"coding": [{"system": ORG_TYPE, "code": "prov", "display": "Healthcare Provider"}]}
        ],
        "name": organization.legal_name or f"TIN {organization.tin}",
    }
    if entity is not None:
        data["partOf"] = {"reference": f"Organization/{entity_organization_id(entity)}"}
    return validated(data)


def entity_organization(entity: Any) -> dict[str, Any]:
    """The ACO, DCE or practice itself: the managing entity of its attribution lists."""
    data: dict[str, Any] = {
        "resourceType": "Organization",
        "id": entity_organization_id(entity),
        "meta": meta(getattr(entity, "updated_at", None), ORGANIZATION_PROFILES),
        "identifier": [{"system": CMS_ENTITY_SYSTEM, "value": entity.cms_id}],
        "active": True,
        "type": [{"coding": [{"system": ORG_TYPE, "code": "other", "display": "Other"}]}],
        "name": entity.legal_name,
    }
    if getattr(entity, "tin", ""):
        data["identifier"].append(
            {
                "type": {"coding": [{"system": V2_0203, "code": "TAX"}]},
                "system": TIN_SYSTEM,
                "value": entity.tin,
            }
        )
    return validated(data)


def operation_outcome(
    message: str, *, code: str = "processing", severity: str = "error", field: str = ""
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": message}
    if field:
        issue["expression"] = [field]
    return validated({"resourceType": "OperationOutcome", "issue": [issue]})


def searchset(entries: list[dict[str, Any]], *, base: str, self_url: str) -> dict[str, Any]:
    return validated(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(entries),
            "link": [{"relation": "self", "url": self_url}],
            "entry": [
                {"fullUrl": f"{base}/{e['resourceType']}/{e['id']}", "resource": e} for e in entries
            ],
        }
    )
