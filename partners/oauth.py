"""django-oauth-toolkit's token endpoint, taught SMART Backend Services client authentication.

django-oauth-toolkit issues and stores the tokens and checks the grant type and scopes; this
validator replaces only how a client proves who it is: a JWT client assertion (RFC 7523,
`private_key_jwt`) signed with its registered key, instead of a client secret.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import get_scopes_backend
from oauthlib.oauth2.rfc6749 import errors

from partners.scopes import scopes_granted
from partners.services import AssertionRejected, client_assertion_accept

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class PartnerOAuth2Validator(OAuth2Validator):
    def token_url(self, request: Any) -> str:
        """The token URL the assertion must name as its audience."""
        if settings.PARTNERS_TOKEN_URL:
            return settings.PARTNERS_TOKEN_URL
        path = urlsplit(request.uri).path
        return self.build_http_request(request).build_absolute_uri(path)

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        assertion_type = getattr(request, "client_assertion_type", None)
        assertion = getattr(request, "client_assertion", None)
        if assertion_type != CLIENT_ASSERTION_TYPE or not assertion:
            raise errors.InvalidClientError(
                description=(
                    "Authenticate with a signed JWT: client_assertion_type="
                    f"{CLIENT_ASSERTION_TYPE} and client_assertion. Client secrets are not accepted."
                ),
                request=request,
            )
        try:
            client = client_assertion_accept(assertion=assertion, audience=self.token_url(request))
        except AssertionRejected as exc:
            raise errors.InvalidClientError(description=str(exc), request=request) from None
        if request.client_id and request.client_id != client.client_id:
            raise errors.InvalidClientError(
                description="client_id differs from the assertion's issuer.", request=request
            )
        request.client = client.application
        request.client_id = client.client_id
        return True

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Grant the part of the request the client may hold (see `scopes_granted`); the token
        and the token response's `scope` carry exactly that. `invalid_scope` only when none of
        it can be granted."""
        available = get_scopes_backend().get_available_scopes(application=client, request=request)
        granted = scopes_granted(list(scopes), available)
        if not granted:
            return False
        request.scopes = granted
        return True

    def authenticate_client_id(
        self, client_id: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # Every grant needs the client to prove itself with an assertion.
        return False
