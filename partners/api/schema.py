"""How the OpenAPI document describes partner authentication: OAuth 2.0 client credentials
with a signed JWT assertion, and the scopes each operation needs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension

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
