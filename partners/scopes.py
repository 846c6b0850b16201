"""The scopes a partner client can hold, and which scopes each endpoint requires.

FHIR endpoints use SMART Backend Services scopes (`system/<ResourceType>.read`). REST endpoints
use django-oauth-toolkit's resource scopes (`<resource>:read`, `<resource>:write`, the
convention of its `TokenHasResourceScope`). A client holds only the scopes it was registered
with, and asks for some or all of them when it gets a token.
"""

from __future__ import annotations

import re
from typing import Any

from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings
from rest_framework.permissions import SAFE_METHODS

FHIR_SCOPES = {
    "system/Group.read": "FHIR: attribution lists (Group) and their bulk export",
    "system/Patient.read": "FHIR: aligned beneficiaries as Patient resources",
    "system/Coverage.read": "FHIR: Medicare coverage of aligned beneficiaries",
    "system/Practitioner.read": "FHIR: attributed clinicians (by NPI)",
    "system/Organization.read": "FHIR: the entity and its participant TINs",
}
REST_SCOPES = {
    "beneficiaries:read": "REST: the aligned roster and beneficiary search",
    "alignment:read": "REST: alignment runs and their changes",
    "providers:read": "REST: providers and participations",
    "entities:read": "REST: the client's entity",
    "gaps:read": "REST: open care gaps",
    "worklist:read": "REST: worklist items",
    "worklist:write": "REST: create and close worklist items",
    "jobs:read": "REST: the state of jobs (exports and others)",
    "adt:write": "REST: send hospital admission, discharge and transfer events (HL7 v2 or FHIR Encounter)",
    "quality:write": "REST: send patient-level eCQM results (FHIR MeasureReport, individual)",
}
ALL_SCOPES = {**FHIR_SCOPES, **REST_SCOPES}

# The FHIR resource types a bulk export may hold, each readable with its own scope.
EXPORT_TYPES = ("Patient", "Coverage", "Practitioner", "Organization", "Group")

# REST views that other apps own carry no scope of their own: their router basename says which
# resource scope guards them. A view in neither place is closed to partner clients.
SCOPES_BY_BASENAME = {
    "job": "jobs",
    "entity": "entities",
    "provider": "providers",
    "participation": "providers",
}


SMART_SCOPE = re.compile(r"^system/(?P<type>\*|[A-Z][A-Za-z]+)\.(?P<access>[a-z*]+)(?:\?.*)?$")
# SMART v2 permissions that only read: r (read), s (search), and both; v1 `read` and `*`
# cover them too. A request to create, update or delete (c, u, d, `write`) grants nothing.
READ_ACCESS = {"read", "r", "s", "rs"}


def scopes_granted(requested: list[str], available: list[str]) -> list[str]:
    """The subset of `requested` a client holding `available` is granted, in our scope names.

    SMART v1 (`system/Group.read`) and v2 (`system/Group.rs`, `.r`, `.s`) syntax are both
    understood, as are wildcards (`system/*.read`, `system/*.rs`, and `system/Group.*`, which
    grants the read it can); each becomes the `system/<Type>.read` scope the client holds.
    Scopes for resource types or permissions this server does not offer, and scopes the
    client was not registered with, are left out rather than refusing the whole request
    (SMART App Launch 2: the server may grant fewer scopes than asked and says which in the
    token response's `scope`). Empty when nothing asked for can be granted.
    """
    held = set(available)
    granted: list[str] = []
    for scope in requested:
        names: list[str] = []
        match = SMART_SCOPE.match(scope)
        if scope in held:
            names = [scope]
        elif match and match["access"] in READ_ACCESS | {"*"}:
            types = FHIR_SCOPES if match["type"] == "*" else [fhir_scope(match["type"])]
            names = [name for name in types if name in held]
        for name in names:
            if name not in granted:
                granted.append(name)
    return granted


def fhir_scope(resource_type: str) -> str:
    return f"system/{resource_type}.read"


def required_scopes(request: Any, view: Any) -> list[str]:
    """The scopes a token needs to call `view` with this request's method; empty when the view
    is not open to partner clients at all.

    A view names them with `get_required_scopes(request)` (FHIR), or names its resources in
    `required_scopes` as django-oauth-toolkit's TokenHasResourceScope expects (REST).
    """
    if view is None:
        return []
    if hasattr(view, "get_required_scopes"):
        return list(view.get_required_scopes(request))
    resources = getattr(view, "required_scopes", None)
    if resources is None:
        basename = SCOPES_BY_BASENAME.get(getattr(view, "basename", None) or "")
        resources = [basename] if basename else []
    kind = (
        oauth2_settings.READ_SCOPE
        if request.method.upper() in SAFE_METHODS
        else oauth2_settings.WRITE_SCOPE
    )
    return [f"{resource}:{kind}" for resource in resources]


class PartnerScopes(BaseScopes):
    """django-oauth-toolkit's scopes backend: a client may ask only for its registered scopes,
    and gets all of them when it asks for none."""

    def get_all_scopes(self) -> dict[str, str]:
        return ALL_SCOPES

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        client = getattr(application, "partner_client", None) if application else None
        return client.scope_list if client is not None else []

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self.get_available_scopes(application, request)
