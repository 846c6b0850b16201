"""The partner API's routes under /api/v1/: the OAuth token endpoint, and (from the data apps'
selectors) the roster and its neighbours."""

from __future__ import annotations

from django.urls import URLPattern, path
from oauth2_provider.views import TokenView
from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> list[URLPattern]:
    return [path("auth/token", TokenView.as_view(), name="partners-token")]
