"""The pages of the site itself: the home page and the health check."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found

from accounts.models import Membership
from core.api import PROBLEM_CONTENT_TYPE, problem_details
from jobs.models import Job
from partners.fhir.resources import operation_outcome
from partners.fhir.views import FHIR_JSON


def _database_state() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _broker_state() -> dict[str, Any]:
    if settings.JOBS_DISPATCH != "celery":
        return {"ok": True, "mode": settings.JOBS_DISPATCH}
    import redis

    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return {"ok": False, "mode": "celery", "error": exc.__class__.__name__}
    return {"ok": True, "mode": "celery"}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The state of the database and the broker, for load balancers and people."""
    checks = {"database": _database_state(), "broker": _broker_state()}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(user_id=request.user.pk)
        .select_related("entity__program")
        .order_by("entity__legal_name")
    )
    jobs = Job.objects.for_user(request.user).select_related("entity")[:10]
    return render(request, "core/home.html", {"memberships": memberships, "jobs": jobs})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for a path no route matches: an RFC 9457 problem document under /api/v1/, a FHIR
    OperationOutcome under /fhir/ (what API and FHIR clients parse), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        body = problem_details(404, {"detail": "No such API route."}, request.path)
        return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
    if request.path.startswith("/fhir/"):
        body = operation_outcome("No such FHIR route or resource.", code="not-found")
        return JsonResponse(body, status=404, content_type=FHIR_JSON)
    return page_not_found(request, exception)
