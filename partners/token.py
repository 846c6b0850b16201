"""The OAuth token endpoint, limited per client and per address before any assertion is
checked (each check costs a signature verification and a database write)."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.views import TokenView

from partners.throttling import token_request_wait


class ThrottledTokenView(TokenView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = token_request_wait(request)
        if wait is not None:
            response = JsonResponse(
                {
                    "error": "invalid_request",
                    "error_description": "Too many token requests for this client; try again "
                    "after the time in Retry-After.",
                },
                status=429,
            )
            response["Retry-After"] = str(math.ceil(wait))
            response["Cache-Control"] = "no-store"
            return response
        return super().post(request, *args, **kwargs)
