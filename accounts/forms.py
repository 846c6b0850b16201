"""allauth's second-factor forms, held to the same sign-in limit as passwords.

A wrong authenticator code counts against the one limit per account and per address that wrong
passwords count against (`accounts.SignInLock`, shared by every sign-in path), and a locked
account or address may not try a code at all, right or wrong, until the lock runs out or an
administrator lifts it. For an account with an authenticator, the run of failures ends at the
right code, not at the right password (else the password would buy fresh guesses at codes)."""

from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.core.internal.ratelimit import get_ip
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms

from accounts.services import sign_in_failure_record, sign_in_locked, sign_in_success_record

#: Authenticators that make a sign-in end at a code rather than at the password.
SECOND_STEP = ("totp", "webauthn")

LOCKED = (
    "Too many failed sign-in attempts for this account or address. Try again later, or ask an "
    "administrator to lift the lock."
)


class _Limited:
    user: Any
    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Says which codes it takes (a lost phone: a recovery code), and opens a phone's number
        # pad (both codes are digits).
        code = self.fields["code"]
        code.label = "Code from your authenticator app, or a recovery code"
        code.widget.attrs.update(inputmode="numeric", placeholder="6-digit code")

    def clean_code(self) -> str:
        request = context.request
        address = get_ip(request) if request is not None else ""
        if sign_in_locked(account=self.user.email, address=address):
            raise forms.ValidationError(LOCKED, code="too_many_login_attempts")
        try:
            code = super().clean_code()  # type: ignore[misc]
        except forms.ValidationError:
            sign_in_failure_record(account=self.user.email, address=address)
            raise
        sign_in_success_record(account=self.user.email)
        return code


class LimitedAuthenticateForm(_Limited, AuthenticateForm):
    """The code asked after the password at sign-in (the admin console's sign-in too)."""


class LimitedReauthenticateForm(_Limited, ReauthenticateForm):
    """The code asked on the verify page, before PHI, in a session that has not given one."""
