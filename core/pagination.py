"""Cursor pagination for every API list."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    """Opaque cursors over a unique, stable ordering: a page costs the same at row 1 and at
    row 250,000, and rows added meanwhile never shift a page."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class NewestFirstCursorPagination(StableCursorPagination):
    """Newest first (a larger id was created later), for lists read from the top (jobs)."""

    ordering = "-id"
