"""How the OpenAPI document describes partner authentication: OAuth 2.0 client credentials
with a signed JWT assertion, and the scopes each operation needs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from partners.scopes import ALL_SCOPES, required_scopes

GUIDE = """Partner systems (an EHR of the entity's practices, or its vendor) authenticate the
SMART Backend Services way:

1. An administrator of the entity registers the system in the admin console (*Partner
   clients*): its name, its **public** key (PEM, JWK or JWK Set), its scopes and, optionally,
   the TINs it is limited to. The console shows the client id.
2. The system signs a JWT with its private key (RS384 or ES384; RS256/ES256 and others are
   accepted too) with `iss` = `sub` = the client id, `aud` = the token URL, `exp` at most five
   minutes ahead and a new random `jti` (a replayed `jti` is refused).
3. It posts `grant_type=client_credentials`, `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`,
   `client_assertion=<the JWT>` and `scope=<some of its scopes>` to the token URL, and gets an
   access token valid five minutes.
4. It calls the API with `Authorization: Bearer <token>`.

Errors are RFC 9457 problem documents (`application/problem+json`) whose `errors` list names
each failing field as a JSON Pointer. Each client has a rate limit (429 with `Retry-After`),
and every call is written to the entity's PHI access log under the client id. MBIs are never
sent in a URL: look a beneficiary up with `POST /api/v1/beneficiaries/search`.

FHIR R4 (Da Vinci Member Attribution List and Bulk Data export) is served under `/fhir/`; its
CapabilityStatement is at `/fhir/metadata` and SMART discovery at
`/fhir/.well-known/smart-configuration`."""


class PartnerClientScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.PartnerClientAuthentication"
    name = "partnerClient"

    def get_security_requirement(self, auto_schema: Any) -> Any:
        view = auto_schema.view
        scopes = required_scopes(view.request, view)
        return {self.name: scopes} if scopes else None

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "oauth2",
            "description": GUIDE,
            "flows": {
                "clientCredentials": {"tokenUrl": reverse("partners-token"), "scopes": ALL_SCOPES}
            },
        }


PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each failing field, as a JSON Pointer into the request.",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "detail": {"type": "string"},
                    "code": {"type": "string", "nullable": True},
                },
                "required": ["pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
ERRORS = {
    "400": "The request is invalid; `errors` names each failing field.",
    "401": "No valid access token (missing, unknown, expired or revoked).",
    "403": "Not allowed: the token lacks the scope, or the endpoint is not for this caller.",
    "404": "No such object for this caller (another entity's or TIN's objects do not exist).",
    "429": "Too many requests for this client; retry after `Retry-After` seconds.",
}


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation documents its problem responses."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    reference = {"$ref": "#/components/schemas/Problem"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, text in ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": text,
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
    return result


def add_partner_guide(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the docs page opens with how a partner system gets
    a token (Redoc shows `info.description` first; a security scheme's text only per
    operation)."""
    info = result.setdefault("info", {})
    token_url = reverse("partners-token")
    guide = GUIDE.replace("the token URL", f"the token URL (`{token_url}`)", 1)
    info["description"] = f"{info.get('description', '')}\n\n## Partner systems\n\n{guide}".strip()
    return result


class SchemaView(SpectacularAPIView):
    """The OpenAPI document, open to anyone and to every partner client's token."""

    open_to_every_client = True


class DocsView(SpectacularRedocView):
    """The API reference page (ReDoc), open like the schema."""

    open_to_every_client = True
