"""The one access policy for protected health information (PHI), and where it is enforced.

A person reaches PHI only in a session where they verified a second factor (TOTP, a security
key or a recovery code) through allauth: at sign-in (allauth's MFA stage), when they set one up
in this session, or when they confirm one on the verify page. The role does not matter: entity
admins, analysts, care coordinators and platform staff are held to the same rule. Partner
systems (OAuth bearer tokens) are not people; their scopes decide for them.

Every route is a PHI surface unless it is named here as free of PHI (sign-in, set-up, the home
page, the health check, the API's description, and the admin console's pages about programs,
entities, providers, users and partner registrations): a new page is guarded from its first
commit. `PhiPolicyMiddleware` applies the rule to every request; `SecondFactorVerified` is the
same rule as a DRF permission. Before set-up a person is sent to set-up; with an authenticator
but no verification in this session, to the verify page; the API answers 403 problem+json.

Which entity's PHI a person sees is a separate question, answered by `for_user` (memberships,
and for platform staff a time-limited break-glass grant, `audit.models.BreakGlassGrant`). The
view itself records what it showed with `audit.services.access_record_create`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from rest_framework.permissions import BasePermission

from core.phi_tables import holds_phi
from core.tenancy import is_client_principal

# Imported by DRF's settings (the permission below): nothing here may import rest_framework.views
# (nor core.api, which does) at module level.

# allauth's record of the methods used in this session (allauth.account.authentication).
MFA_METHOD = "mfa"
# Authenticators that count as a second factor (recovery codes verify one, never set one up).
SECOND_FACTOR_TYPES = ("totp", "webauthn")

# Routes (URL names, "namespace:name") that show no PHI and stay open before set-up.
PHI_FREE_ROUTES = frozenset(
    {
        "home",
        "healthz",
        "admin-login",
        "api-schema",
        "api-docs",
        "partners-token",
        "fhir:metadata",
        "fhir:smart-configuration",
    }
)
# Sign-in, set-up and verification themselves.
PHI_FREE_VIEW_MODULES = ("allauth.",)
# Admin console models without PHI (app_label.model_name); every other model's pages need the
# second factor. The console's own pages (index, sign-out, password) hold no PHI either.
PHI_FREE_ADMIN_MODELS = frozenset(
    {
        "account.emailaddress",
        "accounts.entityrolesettings",
        "accounts.preferredproviderlogin",
        "accounts.signinlock",
        "accounts.user",
        "alignment.alignmentrun",
        "audit.breakglassgrant",
        "auth.group",
        "entities.entity",
        "entities.parameterband",
        "entities.participantchangerequest",
        "entities.participantorganization",
        "entities.participation",
        "entities.performanceyear",
        "entities.program",
        "entities.programparameter",
        "entities.provider",
        "entities.specialtycode",
        "entities.track",
        "mfa.authenticator",
        "oauth2_provider.accesstoken",
        "oauth2_provider.application",
        "oauth2_provider.grant",
        "oauth2_provider.idtoken",
        "oauth2_provider.refreshtoken",
        "partners.partnerclient",
        "settlement.qualityresult",
    }
)


def staff_scope(queryset: Any, user: Any) -> Any:
    """The admin console's rows for a superuser: every row of a table without PHI; of a PHI
    table, the rows of their memberships' and running break-glass grants' entities only."""
    if not holds_phi(queryset.model):
        return queryset
    return queryset.filter(pk__in=queryset.model._default_manager.for_user(user).values("pk"))


ADMIN_SITE_PAGES = frozenset(
    {"index", "login", "logout", "password_change", "password_change_done", "jsi18n",
     "app_list", "view_on_site"}
)  # fmt: skip

REFUSAL = (
    "Beneficiary data needs a second factor verified in this session. Set up or confirm your "
    "authenticator first (HIPAA Security Rule, 45 CFR 164.312(d))."
)


class Need(StrEnum):
    """What stands between the request's person and PHI."""

    NOTHING = ""
    SIGN_IN = "sign in"
    SET_UP = "set up a second factor"
    VERIFY = "verify the second factor"


def _authenticators(request: HttpRequest) -> dict[int, str]:
    cached = getattr(request, "_phi_authenticators", None)
    if cached is None:
        from allauth.mfa.models import Authenticator

        cached = dict(
            Authenticator.objects.filter(user_id=request.user.pk).values_list("pk", "type")
        )
        request._phi_authenticators = cached  # type: ignore[attr-defined]
    return cached


def second_factor_verified(request: HttpRequest) -> bool:
    """True when allauth recorded, in this session and for this user, a second factor that the
    user still has (removing the authenticator ends the verification)."""
    from allauth.account.authentication import get_authentication_records

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "session", None) is None:
        return False
    used = {
        record.get("id")
        for record in get_authentication_records(request, user)
        if record.get("method") == MFA_METHOD
    }
    return bool(used) and any(pk in used for pk in _authenticators(request))


def phi_need(request: HttpRequest) -> Need:
    """The one rule: what this request's person must still do before seeing PHI."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Need.SIGN_IN
    if second_factor_verified(request):
        return Need.NOTHING
    if any(kind in SECOND_FACTOR_TYPES for kind in _authenticators(request).values()):
        return Need.VERIFY
    return Need.SET_UP


def refusal_for_page(request: HttpRequest, need: Need) -> HttpResponse:
    """Where a page sends a person who may not see PHI yet."""
    if need is Need.SIGN_IN:
        return redirect_to_login(request.get_full_path())
    if need is Need.SET_UP:
        messages.warning(
            request, "Set up two-factor authentication before you open beneficiary data."
        )
        target = reverse("mfa_activate_totp")
    else:
        messages.info(request, "Confirm your authenticator code to open beneficiary data.")
        next_url = request.get_full_path() if request.method == "GET" else reverse("home")
        target = f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_url})}"
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


def refusal_for_api(request: HttpRequest, need: Need) -> HttpResponse:
    from core.api import PROBLEM_CONTENT_TYPE, problem_details

    problem = problem_details(403, {"detail": REFUSAL}, request.path)
    problem["need"] = need.value
    return JsonResponse(problem, status=403, content_type=PROBLEM_CONTENT_TYPE)


def _api_view_class(view_func: Any) -> type | None:
    from rest_framework.views import APIView

    cls = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    return cls if isinstance(cls, type) and issubclass(cls, APIView) else None


def _admin_route_is_free(request: HttpRequest, route: str, url_name: str | None) -> bool:
    parts = route.split("/")
    # "admin/<app_label>/<model_name>/..." for a model's pages; the console's own otherwise.
    label = f"{parts[1]}.{parts[2]}" if len(parts) > 2 and "<" not in parts[1] else ""
    if label and label in _admin_model_labels():
        return label in PHI_FREE_ADMIN_MODELS
    if url_name == "autocomplete":
        target = f"{request.GET.get('app_label', '')}.{request.GET.get('model_name', '')}"
        return target in PHI_FREE_ADMIN_MODELS
    return url_name in ADMIN_SITE_PAGES or url_name is None


def _admin_model_labels() -> set[str]:
    from django.contrib import admin

    return {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}


def is_phi_free(request: HttpRequest, view_func: Any) -> bool:
    """True for the routes named above as free of PHI; every other route is a PHI surface."""
    match = request.resolver_match
    if match is None:
        return False
    if match.view_name in PHI_FREE_ROUTES:
        return True
    module = getattr(view_func, "__module__", "") or ""
    if module.startswith(PHI_FREE_VIEW_MODULES) or getattr(view_func, "phi_free", False):
        return True
    if "admin" in match.namespaces:
        return _admin_route_is_free(request, match.route, match.url_name)
    return False


def phi_free(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a view that shows no PHI (it stays open before second-factor set-up)."""
    view.phi_free = True  # type: ignore[attr-defined]
    return view


class PhiPolicyMiddleware:
    """Applies `phi_need` to every request that reaches a PHI surface. Sits after the
    authentication middleware. A request to an API view that brings a bearer token is a partner
    system's, decided by DRF's authentication (a bearer token never falls back to the session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if is_phi_free(request, view_func):
            return None
        api_view = _api_view_class(view_func)
        if api_view is not None:
            if request.headers.get("Authorization", "")[:7].lower() == "bearer ":
                return None
            if not request.user.is_authenticated:
                return None  # DRF answers 401/403 with its own challenge
        need = phi_need(request)
        if need is Need.NOTHING:
            return None
        request.phi_refused = need  # type: ignore[attr-defined]
        if api_view is not None:
            return refusal_for_api(request, need)
        return refusal_for_page(request, need)


class SecondFactorVerified(BasePermission):
    """The same rule for DRF: a person's session must hold a verified second factor. Partner
    clients pass (their token's scopes are checked at authentication)."""

    message = REFUSAL

    def has_permission(self, request: Any, view: Any) -> bool:
        if is_client_principal(request.user) or not request.user.is_authenticated:
            return True
        if getattr(view, "phi_free", False):
            return True
        return phi_need(request._request) is Need.NOTHING


def phi_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page that shows PHI: signed in, and the policy above (also applied by the middleware;
    here so that the page stays guarded wherever it is mounted)."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        need = phi_need(request)
        if need is not Need.NOTHING:
            return refusal_for_page(request, need)
        return view(request, *args, **kwargs)

    return wrapped
