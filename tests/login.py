"""How tests sign people in: the session allauth leaves after a password and a second factor.

`verified_client(user)` gives the user a TOTP authenticator (if they have none), logs the client
in and records, with allauth's own `record_authentication`, the password step and the
authenticator step that allauth's login stage writes into the session. That is what the PHI
policy (audit/phi.py) reads. `password_only_client(user)` stops after the password: PHI stays
closed to it.
"""

from __future__ import annotations

from typing import Any

from django.test import Client, RequestFactory


def _record(client: Client, user: Any, *steps: tuple[str, dict[str, Any]]) -> None:
    from allauth.account.internal.flows.login import record_authentication

    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    for method, extra in steps:
        record_authentication(request, user, method, **extra)
    request.session.save()


def totp_authenticator(user: Any) -> Any:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    found = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return found or TOTP.activate(user, generate_totp_secret()).instance


def password_only_client(user: Any, client: Client | None = None) -> Client:
    client = client or Client()
    client.force_login(user)
    _record(client, user, ("password", {"email": user.email}))
    return client


def verified_client(user: Any, client: Client | None = None) -> Client:
    authenticator = totp_authenticator(user)
    client = password_only_client(user, client)
    _record(client, user, ("mfa", {"id": authenticator.pk, "type": authenticator.type}))
    return client
