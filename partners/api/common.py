"""What the partner endpoints share: ETags with conditional GET, and cursor pagination for
lists that may hold a whole entity's population."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils.http import parse_etags, quote_etag
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.pagination import StableCursorPagination


class ETagMixin:
    """A successful GET carries a strong ETag of its body; `If-None-Match` with it answers 304
    with no body, so a client polling an unchanged roster page costs no transfer."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if request.method not in ("GET", "HEAD") or response.status_code != status.HTTP_200_OK:
            return response
        if getattr(response, "streaming", False) or not hasattr(response, "render"):
            return response
        response.render()
        etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
        response["ETag"] = etag
        wanted = parse_etags(request.headers.get("If-None-Match", ""))
        if etag in wanted or "*" in wanted:
            not_modified = Response(status=status.HTTP_304_NOT_MODIFIED)
            not_modified["ETag"] = etag
            return super().finalize_response(request, not_modified, *args, **kwargs)  # type: ignore[misc]
        return response


__all__ = ["ETagMixin", "StableCursorPagination"]
