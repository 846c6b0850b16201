"""One access-log record per partner call, and per API response that showed beneficiary data.

Views say what they showed with `phi_shown(request, ...)`; `AccessLogMiddleware` writes the
record once the response is ready, so a call that failed (404, 403, 429) is recorded too when
a partner client made it. Only internal beneficiary keys are recorded, never MBIs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse

from audit.services import access_record_create
from core.logging import log_target


@dataclass
class Shown:
    entity: Any
    purpose: str
    beneficiary_ids: list[int] = field(default_factory=list)
    count: int | None = None


def phi_shown(
    request: Any,
    *,
    entity: Any,
    purpose: str,
    beneficiary_ids: Iterable[int] = (),
    count: int | None = None,
) -> None:
    """Note on the request which beneficiaries of which entity the response shows."""
    django_request = getattr(request, "_request", request)
    django_request.phi_shown = Shown(entity, purpose, list(beneficiary_ids), count)


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        client = getattr(request, "partner_client", None)
        shown: Shown | None = getattr(request, "phi_shown", None)
        if client is None and shown is None:
            return response
        purpose = shown.purpose if shown else "api"
        ids: Iterable[int] = shown.beneficiary_ids if shown else ()
        count = shown.count if shown else 0
        if response.status_code >= 400:
            # Nothing was shown; the attempt is still on the record.
            purpose, ids, count = f"{purpose} ({response.status_code})", (), 0
        access_record_create(
            entity=shown.entity if shown else client.entity,
            purpose=purpose,
            # A client may put an MBI in a path by mistake: the record keeps it masked.
            route=log_target(request.path),
            beneficiary_ids=ids,
            count=count,
            user=None if client else request.user,
            client_id=client.client_id if client else "",
            method=request.method or "GET",
            record=False,
        )
        return response
