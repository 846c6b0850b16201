"""The 15-minute idle session (PHI safeguard) that a person's activity renews and a page's own
polling does not.

Django's `SESSION_SAVE_EVERY_REQUEST` renews the session on every request, including the htmx
requests a job page sends every second while it waits: an unattended screen would then stay
signed in for as long as it is open. Here a request renews the session unless it is marked as a
poll (`X-Idle-Poll: 1`, set by static/js/idle-poll.js on requests that an `hx-trigger="every
..."` element sends by itself). When a poll finds the session ended, htmx is told to go to the
login page instead of swapping it into the panel.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

POLL_HEADER = "X-Idle-Poll"


def is_poll(request: HttpRequest) -> bool:
    return request.headers.get(POLL_HEADER) == "1"


class IdleSessionMiddleware:
    """Sits after SessionMiddleware, so its response step runs first and can mark the session
    modified (SessionMiddleware then saves it with a fresh expiry)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not is_poll(request) and not session.is_empty():
            session.modified = True
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code in (301, 302)
            and response["Location"].split("?")[0] == resolve_url(settings.LOGIN_URL)
        ):
            # A partial that needs a login: send the whole page there, not the panel.
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        return response
