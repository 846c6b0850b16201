"""Request input every view can rely on: no NUL character in the path or the query string.

PostgreSQL text cannot hold NUL (U+0000): a NUL reaching a query as a filter value (`?gap=%00`)
made the database raise and the view answer 500. No identifier, filter or search term of the
platform can contain one, so it is refused here, once for every page, API route and FHIR read,
before any view or filter sees it: a 400 that names the parameter (never echoing its value).
API routes get an RFC 9457 problem document, FHIR routes an OperationOutcome, pages plain text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse

NUL = "\x00"


def refused_query_input(request: HttpRequest) -> str | None:
    """The reason a request's path or query is refused, or None."""
    if NUL in request.path or NUL in unquote(request.path_info):
        return "The path contains a NUL character (U+0000), which no identifier can hold."
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            shown = name.replace(NUL, "\\0")[:50]
            return f"Query parameter {shown!r} contains a NUL character (U+0000)."
    return None


def _response(request: HttpRequest, detail: str) -> HttpResponse:
    path = request.path.replace(NUL, "")
    if path.startswith("/fhir/"):
        body: dict[str, object] = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid", "diagnostics": detail}],
        }
        return HttpResponse(
            json.dumps(body), status=400, content_type="application/fhir+json; charset=utf-8"
        )
    if path.startswith("/api/"):
        body = {
            "type": "about:blank",
            "title": "Bad Request",
            "status": 400,
            "detail": detail,
            "instance": path,
        }
        return HttpResponse(json.dumps(body), status=400, content_type="application/problem+json")
    return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")


class RefuseNulMiddleware:
    """Answers 400 to a request whose path or query holds a NUL (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        detail = refused_query_input(request)
        if detail is not None:
            return _response(request, detail)
        return self.get_response(request)
