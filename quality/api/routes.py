"""The quality app's partner API route under /api/v1/: patient-level eCQM results."""

from __future__ import annotations

from django.urls import URLPattern, path
from rest_framework.routers import DefaultRouter

from quality.api.views import MeasureReportIntakeApi


def register(router: DefaultRouter) -> list[URLPattern]:
    return [
        path(
            "quality/measure-reports",
            MeasureReportIntakeApi.as_view(),
            name="quality-measure-reports",
        )
    ]
