"""Who a partner system's request acts as, and the gate every such request passes.

`PartnerClientAuthentication` is django-oauth-toolkit's DRF authentication (bearer access
tokens) plus two rules: the token must belong to an active partner client, and it must carry
the scopes the endpoint requires. The scope check sits here rather than in a permission class
because views set their own `permission_classes`; authentication runs for every DRF view, so
no endpoint, ours or another app's, is open to a partner client without its scope.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import Exists, OuterRef
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions

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

    def __init__(self, client: PartnerClient) -> None:
        self.client = client
        self.client_id = client.client_id
        self.entity_id = client.entity_id
        self.tenant_entity_ids = [client.entity_id]

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


class PartnerClientAuthentication(OAuth2Authentication):
    www_authenticate_realm = "openvbc"

    def authenticate(self, request: Any) -> tuple[ClientPrincipal, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header[:7].lower() != "bearer ":
            return None
        result = super().authenticate(request)
        if result is None:
            error = getattr(request, "oauth2_error", None) or {}
            raise exceptions.AuthenticationFailed(
                error.get("error_description") or "The access token is not valid."
            )
        token = result[1]
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
        if not needed:
            raise exceptions.PermissionDenied("This endpoint is not open to partner systems.")
        if not token.allow_scopes(needed):
            request.oauth2_error = {"error": "insufficient_scope", "scope": " ".join(needed)}
            raise exceptions.PermissionDenied(
                f"The access token lacks the scope(s) {', '.join(needed)}."
            )
        return ClientPrincipal(client), token

    def authenticate_header(self, request: Any) -> str | None:
        # A request that brought a bearer token, or came to a partner endpoint, is answered
        # 401 with a Bearer challenge; others keep the session's 403.
        view = (getattr(request, "parser_context", None) or {}).get("view")
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header[:7].lower() == "bearer " or getattr(view, "bearer_challenge", False):
            return super().authenticate_header(request)
        return None
