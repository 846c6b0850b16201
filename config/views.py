"""The pages of the site itself: the home page and the health check."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Membership
from jobs.models import Job


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
