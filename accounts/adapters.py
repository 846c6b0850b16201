from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import get_ip

from accounts.forms import SECOND_STEP
from accounts.services import sign_in_failure_record, sign_in_locked, sign_in_success_record


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators for the people of their entity; no public sign-up.

    Every password sign-in (the admin console's too: it sends people here) counts against one
    limit per account and per address, kept in the database (`accounts.SignInLock`) so that an
    administrator sees a lock and can lift it. allauth's own cache-based count of failed
    passwords is replaced by it; wrong authenticator codes count against the same limit (accounts/forms.py)."""

    def is_open_for_signup(self, request: Any) -> bool:
        return False

    def pre_authenticate(self, request: Any, **credentials: Any) -> None:
        account = credentials.get("email") or credentials.get("username") or ""
        if sign_in_locked(account=account, address=get_ip(request)):
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request: Any, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None and not user.authenticator_set.filter(type__in=SECOND_STEP).exists():
            # With an authenticator, the sign-in succeeds only at the code (accounts/forms.py):
            # a right password alone must not wipe the wrong codes counted before it.
            sign_in_success_record(account=credentials.get("email") or user.email)
        return user

    def authentication_failed(self, request: Any, **credentials: Any) -> None:
        account = credentials.get("email") or credentials.get("username") or ""
        sign_in_failure_record(account=account, address=get_ip(request))
