"""Who a partner system's request acts as, and the gate every such request passes.

`PartnerClientAuthentication` is django-oauth-toolkit's DRF authentication (bearer access
tokens) plus two rules: the token must belong to an active partner client, and it must carry
the scopes the endpoint requires. The scope check sits here rather than in a permission class
because views set their own `permission_classes`; authentication runs for every DRF view, so
no endpoint, ours or another app's, is open to a partner client without its scope.
"""

from __future__ import annotations

import hashlib
from functools import cache, cached_property
from typing import Any

from django.db import connection
from django.db.models import Exists, Model, OuterRef
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import get_access_token_model, get_application_model
from rest_framework import exceptions

from core import display
from core.prepared import fetch_first
from core.rls import request_scope_replace, unscoped_tables
from entities.models import Entity, ParticipantOrganization
from partners import sql
from partners.models import PartnerClient
from partners.scopes import required_scopes


class ClientPrincipal:
    """Stands in for `request.user` when a partner client calls. It acts for one entity (so
    `Model.objects.for_user(principal)` scopes to that entity) and maybe for some TINs only."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, client: PartnerClient, tins: tuple[str, ...] | None = None) -> None:
        self.client = client
        self.client_id = client.client_id
        self.entity_id = client.entity_id
        self.tenant_entity_ids = [client.entity_id]
        if tins is not None:  # read with the token (see `token_lookup`)
            self.tins = tins

    def __str__(self) -> str:
        return f"partner client {self.client_id}"

    @cached_property
    def tins(self) -> tuple[str, ...]:
        """The TINs the client is limited to; empty for the whole entity."""
        if getattr(self.client, "limited_to_tins", True) is False:
            return ()
        return tuple(self.client.tins.order_by("tin").values_list("tin", flat=True))

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


def partner_client_of(request: Any) -> PartnerClient | None:
    user = getattr(request, "user", None)
    return user.client if isinstance(user, ClientPrincipal) else None


@cache
def _token_sql() -> tuple[str, list[tuple[type[Model], list[Any]]]]:
    """The access token with its application, partner client, entity and TINs: one query."""
    token, application = get_access_token_model(), get_application_model()
    parts = [(m, sql.fields_of(m)) for m in (token, application, PartnerClient, Entity)]
    tins = PartnerClient.tins.through
    # Our table and column names; the checksum is a bound parameter.
    query = (
        f"SELECT {sql.columns('t', parts[0][1])}, {sql.columns('a', parts[1][1])}, "  # noqa: S608
        f"{sql.columns('c', parts[2][1])}, {sql.columns('e', parts[3][1])}, "
        f"ARRAY(SELECT o.tin FROM {sql.table(tins)} ct "
        f"JOIN {sql.table(ParticipantOrganization)} o ON o.id = ct.participantorganization_id "
        "WHERE ct.partnerclient_id = c.id ORDER BY o.tin) "
        f"FROM {sql.table(token)} t "
        f"JOIN {sql.table(application)} a ON a.id = t.application_id "
        f"JOIN {sql.table(PartnerClient)} c ON c.application_id = a.id "
        f"JOIN {sql.table(Entity)} e ON e.id = c.entity_id "
        "WHERE t.token_checksum = %s"
    )
    return query, parts


def token_lookup(token: str) -> tuple[Any, PartnerClient, tuple[str, ...]] | None:
    """A partner client's access token by its value, with the client, its entity and its TINs,
    read in one query (django-oauth-toolkit's own check takes two, the client two more).
    Nothing is cached: expiry, scopes and revocation are read afresh on every call.
    None when the token is unknown or belongs to no partner client."""
    checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
    query, parts = _token_sql()
    # A partner call's first statement: it doubles as the connection's health check. Tokens,
    # clients and entities hold no PHI: read in the scope the connection holds (core.rls).
    with unscoped_tables():
        rows = fetch_first(query, [checksum])
    if not rows:
        return None
    row = rows[0]
    (access_token, application, client, entity), used = sql.instances(row, parts)
    access_token.application = application
    client.application = application
    client.entity = entity
    tins = tuple(row[used] or ())
    client.limited_to_tins = bool(tins)
    return access_token, client, tins


class PartnerClientAuthentication(OAuth2Authentication):
    www_authenticate_realm = "openvbc"

    def authenticate(self, request: Any) -> tuple[ClientPrincipal, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header[:7].lower() != "bearer ":
            return None
        found = self._fast_lookup(request, header)
        if found is not None:
            token, client, tins = found
        else:
            # Anything the fast path does not vouch for (unknown or expired token, a token
            # bound to resources, a token in the query string) takes django-oauth-toolkit's
            # own path, which gives the refusal its precise error.
            result = super().authenticate(request)
            if result is None:
                error = getattr(request, "oauth2_error", None) or {}
                raise exceptions.AuthenticationFailed(
                    error.get("error_description") or "The access token is not valid."
                )
            token, tins = result[1], None
            client = (
                PartnerClient.objects.select_related("application", "entity")
                .annotate(
                    limited_to_tins=Exists(
                        PartnerClient.tins.through.objects.filter(partnerclient_id=OuterRef("pk"))
                    )
                )
                .filter(application_id=token.application_id)
                .first()
            )
        if client is None or not client.is_active:
            request.oauth2_error = {"error": "invalid_token"}
            raise exceptions.AuthenticationFailed("This client is no longer registered.")
        # The access log names the client even when the request is refused below.
        request._request.partner_client = client
        view = (getattr(request, "parser_context", None) or {}).get("view")
        needed = required_scopes(request, view)
        # The API description (schema and its docs page) is for any client with a valid
        # token: tools attach the token to every call, the schema fetch included.
        if not needed and not getattr(view, "open_to_every_client", False):
            raise exceptions.PermissionDenied("This endpoint is not open to partner systems.")
        if needed and not token.allow_scopes(needed):
            request.oauth2_error = {"error": "insufficient_scope", "scope": " ".join(needed)}
            raise exceptions.PermissionDenied(
                f"The access token lacks the {display.noun(needed, 'scope')} {', '.join(needed)}."
            )
        principal = ClientPrincipal(client, tins)
        # From here the request sees the rows of the client's entity only (core.rls).
        request_scope_replace(principal)
        return principal, token

    def _fast_lookup(
        self, request: Any, header: str
    ) -> tuple[Any, PartnerClient, tuple[str, ...]] | None:
        """The checks django-oauth-toolkit's `validate_bearer_token` makes on a valid token
        (known, not expired, not bound to other resources, application usable), on the one
        row `token_lookup` reads; None sends the request down the toolkit's own path."""
        parts = header.split()
        if connection.vendor != "postgresql" or len(parts) != 2:
            return None
        if "access_token" in request.query_params:
            return None
        found = token_lookup(parts[1])
        if found is None:
            return None
        token, client, _ = found
        if token.is_expired() or token.resource or not token.application.is_usable(request):
            return None
        return found

    def authenticate_header(self, request: Any) -> str | None:
        # A request without credentials (or with a bad bearer token) is answered 401 with a
        # Bearer challenge (RFC 6750), on REST and FHIR alike; a view may opt out with
        # `bearer_challenge = False`. Signed-in people are authenticated by their session and
        # never get here; their refusals stay 403.
        view = (getattr(request, "parser_context", None) or {}).get("view")
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header[:7].lower() == "bearer " or getattr(view, "bearer_challenge", True):
            return super().authenticate_header(request)
        return None
