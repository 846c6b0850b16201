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
        # An operation that needs a scope no client can hold (`entities:write`) is the admin
        # console's: the schema does not offer it to partner systems.
        if not scopes or any(scope not in ALL_SCOPES for scope in scopes):
            return None
        return {self.name: scopes}

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
    "401": "No valid access token (missing, unknown, expired or revoked). The answer carries "
    "a `WWW-Authenticate: Bearer` challenge.",
    "403": "Not allowed: the token lacks the scope, or the endpoint is not for this caller.",
    "404": "No such object for this caller (another entity's or TIN's objects do not exist).",
    "406": "The `Accept` header names no type this operation answers with.",
    "429": "Too many requests for this client; retry after `Retry-After` seconds.",
}
# Statuses only some operations answer with: (method, path) -> {status: text}.
OPERATION_ERRORS = {
    ("post", "/api/v1/worklist-items/{id}/close/"): {
        "409": "The item is already closed (done or dismissed)."
    },
}
RATE_HEADERS = {
    "RateLimit-Limit": "Requests this client may make per minute.",
    "RateLimit-Remaining": "Requests left in the current minute.",
    "RateLimit-Reset": "Seconds until the current minute ends.",
}
RETRY_AFTER = {"Retry-After": "Seconds to wait before the next request."}
# Constraints the server enforces on inputs that drf-spectacular cannot see (checked in view
# code): (schema component, property) -> the JSON Schema keywords to add.
MBI = "[1-9][AC-HJKMNP-RT-Yac-hjkmnp-rt-y][AC-HJKMNP-RT-Yac-hjkmnp-rt-y0-9][0-9]"
MBI += "-?[AC-HJKMNP-RT-Yac-hjkmnp-rt-y][AC-HJKMNP-RT-Yac-hjkmnp-rt-y0-9][0-9]"
MBI += "-?[AC-HJKMNP-RT-Yac-hjkmnp-rt-y]{2}[0-9]{2}"
PROPERTY_CONSTRAINTS: dict[tuple[str, str], dict[str, Any]] = {
    ("BeneficiarySearch", "mbis"): {"items": {"type": "string", "pattern": f"^{MBI}$"}},
    # Blank until the entity's own TIN is recorded.
    ("Entity", "tin"): {"pattern": "^([0-9]{9})?$"},
    ("PatchedEntity", "tin"): {"pattern": "^([0-9]{9})?$"},
}
PARAMETER_CONSTRAINTS = {
    "tin": {"pattern": "^[0-9]{9}$"},
    "npi": {"pattern": "^[0-9]{10}$"},
}
# Lists whose tin and npi parameters are checked (the roster's filters; elsewhere they only
# filter, and any value is accepted).
CHECKED_FILTERS = (
    "/api/v1/beneficiaries/",
    "/api/v1/care-gaps/",
    "/api/v1/hcc-recapture-gaps/",
    "/api/v1/worklist-items/",
)
YEAR_BOUNDS = {"minimum": 1, "maximum": 9999}


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation documents its problem responses."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_name, path in result.get("paths", {}).items():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            extra = dict(OPERATION_ERRORS.get((method, path_name), {}))
            if method in {"post", "put", "patch"}:
                extra["415"] = "The body's `Content-Type` is not one this operation reads."
            for code, text in {**ERRORS, **extra}.items():
                responses.setdefault(
                    code,
                    {
                        "description": text,
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
            for code, response in responses.items():
                names = {**RATE_HEADERS, **(RETRY_AFTER if code == "429" else {})}
                if code == "401":
                    names["WWW-Authenticate"] = "The Bearer challenge."
                response.setdefault("headers", {}).update(
                    {
                        name: {"description": text, "schema": {"type": "integer"}}
                        if name != "WWW-Authenticate"
                        else {"description": text, "schema": {"type": "string"}}
                        for name, text in names.items()
                    }
                )
    return result


def add_enforced_constraints(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the patterns and bounds the views check by hand
    (TIN, NPI, MBI, year), so that the schema says what the server refuses."""
    schemas = result.get("components", {}).get("schemas", {})
    for (component, prop), keywords in PROPERTY_CONSTRAINTS.items():
        target = schemas.get(component, {}).get("properties", {}).get(prop)
        if target is not None:
            for key, value in keywords.items():
                if isinstance(value, dict) and isinstance(target.get(key), dict):
                    target[key].update(value)
                else:
                    target[key] = value
    for path_name, path in result.get("paths", {}).items():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.setdefault("schema", {})
                if path_name in CHECKED_FILTERS and parameter["name"] in PARAMETER_CONSTRAINTS:
                    schema.update(PARAMETER_CONSTRAINTS[parameter["name"]])
                if parameter["name"] == "year" and schema.get("type") == "integer":
                    schema.update(YEAR_BOUNDS)
    return result


def separate_console_operations(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: operations no partner scope opens (the admin
    console's writes) are tagged `<tag> (console)` and grouped apart from the partner API
    (ReDoc's `x-tagGroups`)."""
    partner_tags: list[str] = []
    console_tags: list[str] = []
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            partner = any("partnerClient" in entry for entry in operation.get("security", []))
            tags = operation.get("tags") or ["api"]
            if not partner:
                tags = [f"{tag} (console)" for tag in tags]
                operation["tags"] = tags
                operation["description"] = (
                    "Admin console only (a signed-in administrator); no partner scope opens it. "
                    + operation.get("description", "")
                ).strip()
            for tag in tags:
                bucket = partner_tags if partner else console_tags
                if tag not in bucket:
                    bucket.append(tag)
    result["x-tagGroups"] = [
        {"name": "Partner API", "tags": sorted(partner_tags)},
        {"name": "Admin console", "tags": sorted(console_tags)},
    ]
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


# The operations whose action is not a plain read or write of their resource, in words.
ACTION_SUMMARIES = {
    "adt_messages_create": "Send a hospital event (ADT)",
    "alignment_runs_changes_list": "List an alignment run's changes",
    "beneficiaries_search_create": "Find roster rows by MBI",
    "entities_participant_list_retrieve": "Get an entity's participant list",
    "preferred_providers_shared_patients_retrieve": "List a preferred provider's shared patients",
    "quality_measure_reports_create": "Send eCQM results (FHIR MeasureReport)",
    "worklist_items_close_create": "Close a worklist item",
}
_VERBS = {  # partial_update before update: the longer suffix first
    "partial_update": "Update",
    "update": "Replace",
    "retrieve": "Get",
    "destroy": "Delete",
    "create": "Create",
    "list": "List",
}


def _one(noun: str) -> str:
    """The singular of a resource's path name in words: care-gaps -> "care gap"."""
    last = noun.rsplit(" ", 1)[-1]
    if last.endswith("ies"):
        single = last[:-3] + "y"
    elif last.endswith("s"):
        single = last[:-1]
    else:
        single = last
    return (noun[: len(noun) - len(last)] + single).strip()


def add_operation_summaries(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: each operation gets a summary in words ("List
    alignment runs", "Get a care gap"), which ReDoc shows as its heading and in its menu, instead
    of the generated operation id (`alignment_runs_list`)."""
    from core.display import words

    for url, path in result.get("paths", {}).items():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"} or operation.get("summary"):
                continue
            op_id = operation.get("operationId", "")
            summary = ACTION_SUMMARIES.get(op_id)
            if summary is None:
                action = next((a for a in _VERBS if op_id.endswith(f"_{a}")), "")
                segments = [s for s in url.removeprefix("/api/v1/").split("/") if s]
                noun = words(segments[0].replace("-", "_")).lower() if segments else op_id
                noun = noun.replace("hcc", "HCC")
                if action == "list":
                    summary = f"List {noun}"
                elif action:
                    one = _one(noun)
                    article = "an" if one[:1] in "aeiou" else "a"
                    summary = f"{_VERBS[action]} {article} {one}"
                else:
                    summary = words(op_id)
            operation["summary"] = summary
    return result
