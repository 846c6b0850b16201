"""The FHIR R4 endpoints under /fhir/: SMART discovery, the CapabilityStatement, reads of
Patient, Coverage, Practitioner and Organization, and (see groups.py, export.py) the
attribution lists and their bulk export.

They are DRF views so that they share the API's authentication (bearer tokens of partner
clients, or a person's session), scopes (`system/<Type>.read`), throttling and access log;
errors are OperationOutcome resources instead of problem documents.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, renderers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from partners.access import phi_shown
from partners.api.common import ETagMixin
from partners.fhir import resources
from partners.scopes import EXPORT_TYPES, FHIR_SCOPES, fhir_scope
from partners.selectors import (
    visible_beneficiaries,
    visible_entities,
    visible_organizations,
    visible_providers,
)

FHIR_JSON = "application/fhir+json"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


class FhirJSONRenderer(renderers.JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


class PlainJSONRenderer(renderers.JSONRenderer):
    """The same documents for clients that ask for application/json."""


def plain_text(detail: Any) -> str:
    """A DRF error body as the plain sentence(s) an OperationOutcome's diagnostics hold (not
    the Python repr of a list of ErrorDetail)."""
    if isinstance(detail, dict):
        if set(detail) == {"detail"}:
            return plain_text(detail["detail"])
        return "; ".join(f"{key}: {plain_text(value)}" for key, value in detail.items())
    if isinstance(detail, list | tuple):
        return " ".join(plain_text(item) for item in detail)
    return str(detail)


def fhir_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    codes = {401: "login", 403: "forbidden", 404: "not-found", 429: "throttled"}
    response.data = resources.operation_outcome(
        plain_text(response.data), code=codes.get(response.status_code, "invalid")
    )
    response.content_type = FHIR_JSON
    return response


def fhir_base(request: Any) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")


@extend_schema(exclude=True)
class FhirView(ETagMixin, APIView):
    """A FHIR endpoint. Subclasses name the resource type they return."""

    resource_type = ""
    renderer_classes = [FhirJSONRenderer, PlainJSONRenderer]
    bearer_challenge = True

    def get_required_scopes(self, request: Request) -> list[str]:
        return [fhir_scope(self.resource_type)]

    def get_exception_handler(self) -> Any:
        return fhir_exception_handler

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.content_type is None:
            response.content_type = FHIR_JSON
        return response


class CapabilityStatementView(FhirView):
    """GET /fhir/metadata: what this server does (open to all, as FHIR expects)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    bearer_challenge = False

    def get(self, request: Request) -> Response:
        token_url = settings.PARTNERS_TOKEN_URL or request.build_absolute_uri(
            reverse("partners-token")
        )
        read = [{"code": "read"}]
        rest_resources = [
            {
                "type": "Group",
                "supportedProfile": [resources.ATR_GROUP_PROFILE],
                "interaction": [*read, {"code": "search-type"}],
                "searchParam": [
                    {
                        "name": "identifier",
                        "type": "token",
                        "documentation": "The list's id, or the contract holder's TIN "
                        "(urn:oid:2.16.840.1.113883.4.4), CMS entity ID or a clinician's NPI.",
                    },
                    {"name": "name", "type": "string"},
                ],
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export",
                    },
                    {
                        "name": "davinci-data-export",
                        "definition": "http://hl7.org/fhir/us/davinci-atr/OperationDefinition/davinci-data-export",
                    },
                ],
            },
            {
                "type": "Patient",
                "supportedProfile": list(resources.PATIENT_PROFILES),
                "interaction": read,
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
                    }
                ],
            },
            *(
                {"type": t, "supportedProfile": list(profiles), "interaction": read}
                for t, profiles in (
                    ("Coverage", resources.COVERAGE_PROFILES),
                    ("Practitioner", resources.PRACTITIONER_PROFILES),
                    ("Organization", resources.ORGANIZATION_PROFILES),
                )
            ),
        ]
        statement = {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-01-01",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": [FHIR_JSON, "json"],
            "software": {"name": "OpenVBC"},
            "implementation": {"description": "OpenVBC FHIR API", "url": fhir_base(request)},
            "instantiates": [
                "http://hl7.org/fhir/us/davinci-atr/CapabilityStatement/atr-producer",
                "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data",
            ],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        # SMART App Launch: clients discover the token endpoint here too.
                        "extension": [
                            {
                                "url": OAUTH_URIS,
                                "extension": [{"url": "token", "valueUri": token_url}],
                            }
                        ],
                        "service": [
                            {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                        "code": "SMART-on-FHIR",
                                    }
                                ]
                            }
                        ],
                        "description": f"SMART Backend Services: token URL {token_url}",
                    },
                    "resource": rest_resources,
                    "operation": [
                        {
                            "name": "export",
                            "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                        }
                    ],
                }
            ],
        }
        return Response(resources.validated(statement))


class SmartConfigurationView(FhirView):
    """GET /fhir/.well-known/smart-configuration (SMART App Launch 2.x discovery)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    bearer_challenge = False
    renderer_classes = [renderers.JSONRenderer]

    def get(self, request: Request) -> Response:
        token_url = settings.PARTNERS_TOKEN_URL or request.build_absolute_uri(
            reverse("partners-token")
        )
        return Response(
            {
                "token_endpoint": token_url,
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
                # Granted as the system/<Type>.read scopes the client holds (see scopes.py).
                "scopes_supported": [
                    *sorted(FHIR_SCOPES),
                    *sorted(s.replace(".read", ".rs") for s in FHIR_SCOPES),
                    "system/*.read",
                    "system/*.rs",
                ],
                "capabilities": [
                    "client-confidential-asymmetric",
                    "permission-v1",
                    "permission-v2",
                ],
            }
        )


class BeneficiaryResourceView(FhirView):
    """A resource made from one beneficiary the client may see (404 otherwise), recorded in
    the access log."""

    def build(self, beneficiary: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get(self, request: Request, pk: int) -> Response:
        beneficiary = visible_beneficiaries(principal=request.user).filter(pk=pk).first()
        if beneficiary is None:
            raise Http404
        phi_shown(
            request,
            entity=beneficiary.entity,
            purpose=f"fhir {self.resource_type}",
            beneficiary_ids=[pk],
        )
        return Response(self.build(beneficiary))


class PatientView(BeneficiaryResourceView):
    resource_type = "Patient"

    def build(self, beneficiary: Any) -> dict[str, Any]:
        return resources.patient(beneficiary)


class CoverageView(BeneficiaryResourceView):
    resource_type = "Coverage"

    def build(self, beneficiary: Any) -> dict[str, Any]:
        return resources.coverage(beneficiary)


class PractitionerView(FhirView):
    resource_type = "Practitioner"

    def get(self, request: Request, pk: int) -> Response:
        provider = visible_providers(principal=request.user).filter(pk=pk).first()
        if provider is None:
            raise Http404
        return Response(resources.practitioner(provider))


class OrganizationView(FhirView):
    resource_type = "Organization"

    def get(self, request: Request, key: str) -> Response:
        kind, _, pk = key.partition("-")
        if not pk.isdigit():
            raise Http404
        if kind == "entity":
            entity = visible_entities(principal=request.user).filter(pk=pk).first()
            if entity is None:
                raise Http404
            return Response(resources.entity_organization(entity))
        if kind == "org":
            organization = visible_organizations(principal=request.user).filter(pk=pk).first()
            if organization is None:
                raise Http404
            return Response(resources.organization(organization))
        raise Http404


def export_types(value: str | None) -> list[str]:
    """The `_type` parameter of a bulk export, checked against what we export."""
    if not value:
        return list(EXPORT_TYPES)
    types = [t.strip() for t in value.split(",") if t.strip()]
    unknown = [t for t in types if t not in EXPORT_TYPES]
    if unknown:
        raise exceptions.ValidationError(
            f"_type: {', '.join(unknown)} cannot be exported; choose among {', '.join(EXPORT_TYPES)}."
        )
    return types


# ------------------------------------------------------------------ attribution lists


class GroupSearchView(FhirView):
    """GET /fhir/Group: the caller's attribution lists, as summaries (member counts only).

    `identifier` (token, values separated by commas) finds a list by its own id or by the
    contract holder's identifier, as Da Vinci ATR consumers search: the practice's TIN
    (urn:oid:2.16.840.1.113883.4.4), the entity's CMS ID, or a clinician's NPI
    (http://hl7.org/fhir/sid/us-npi: the lists of the TINs it participates under and its
    entity's list). `name` matches part of the list's name.
    """

    resource_type = "Group"

    def get(self, request: Request) -> Response:
        from partners.attribution import lists_identified_by
        from partners.lead_groups import group_lists, members_of

        lists = group_lists(principal=request.user)
        if "identifier" in request.query_params:
            tokens = [t for t in request.query_params.get("identifier", "").split(",") if t.strip()]
            lists = lists_identified_by(lists, tokens)
        wanted_name = (request.query_params.get("name") or "").lower()
        entries = [
            summary
            for summary in (members_of(g).group_resource(summary=True) for g in lists)
            if wanted_name in summary["name"].lower()
        ]
        return Response(
            resources.searchset(
                entries, base=fhir_base(request), self_url=request.build_absolute_uri()
            )
        )


class GroupView(FhirView):
    """GET /fhir/Group/<id>: one attribution list with its members."""

    resource_type = "Group"

    def get(self, request: Request, group_id: str) -> Response:
        from partners.lead_groups import group_get, members_of

        group = group_get(principal=request.user, group_id=group_id)
        if group is None:
            raise Http404
        members = members_of(group)
        body = members.group_resource()
        ids = [int(m["entity"]["reference"].split("/")[1]) for m in body.get("member", [])]
        phi_shown(
            request, entity=group.entity, purpose="fhir Group", beneficiary_ids=ids, count=len(ids)
        )
        return Response(body)
