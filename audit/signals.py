"""Setting up an authenticator verifies it: the person typed a code from it in this session, so
allauth's record of the session's authentication methods gets the second factor (as its login
stage and its verify page write it), and PHI opens without signing in again."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver

from audit.phi import MFA_METHOD, SECOND_FACTOR_TYPES


@receiver(authenticator_added)
def verified_by_set_up(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    if request is None or authenticator.type not in SECOND_FACTOR_TYPES:
        return
    record_authentication(
        request, user, MFA_METHOD, id=authenticator.pk, type=authenticator.type, enrolled=True
    )
