"""Response headers every dynamic response carries (static files are answered earlier, by
WhiteNoise): no caching anywhere of pages and API answers that may hold PHI, and a
Permissions-Policy that turns off the browser features the application never uses.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            # Pages, API answers, downloads: browsers and proxies keep no copy. (An `Expires`
            # a view sets stays: FHIR bulk status uses it to say when files go.)
            patch_cache_control(response, no_store=True, private=True)
            response.headers["Cache-Control"] = ", ".join(
                part
                for part in response.headers["Cache-Control"].split(", ")
                if not part.startswith(("max-age", "public", "s-maxage"))
            )
        return response
