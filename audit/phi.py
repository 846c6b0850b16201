"""Guards for every page and export that shows beneficiary data.

`phi_view` wraps a view: the user must be signed in, and care coordinators and analysts must
have a second factor enrolled (they are sent to enrol first). The view itself records what it
showed with `audit.services.access_record_create`, since only it knows which beneficiaries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import Membership, Role

MFA_REQUIRED_ROLES = (Role.CARE_COORDINATOR, Role.ANALYST)


def user_must_enroll_mfa(user: Any) -> bool:
    """True when the user's role requires a second factor and none is enrolled yet."""
    from allauth.mfa.models import Authenticator

    if not Membership.objects.filter(user=user, role__in=MFA_REQUIRED_ROLES).exists():
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def phi_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if user_must_enroll_mfa(request.user):
            messages.warning(
                request, "Set up two-factor authentication before you open beneficiary data."
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapped
