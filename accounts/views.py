"""The admin console signs people in through the one sign-in form (allauth's): the same second
factor and the same attempt limits as everywhere else."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_staff:
            return HttpResponseRedirect(next_url)
        # Signed in, but not for the console: no loop back through the sign-in form.
        messages.error(request, "Your account does not open the admin console.")
        return HttpResponseRedirect(reverse("home"))
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
