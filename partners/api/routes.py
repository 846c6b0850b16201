"""The partner API's routes under /api/v1/: the OAuth token endpoint, the roster and beneficiary
search, alignment runs and changes, care gaps and worklist items, hospital events and
patient-level eCQM results in."""

from __future__ import annotations

from django.urls import URLPattern, path
from rest_framework.routers import DefaultRouter

from partners.api import adt, care, quality, views
from partners.token import ThrottledTokenView


def register(router: DefaultRouter) -> list[URLPattern]:
    router.register("beneficiaries", views.BeneficiaryViewSet, basename="beneficiary")
    router.register("alignment-runs", views.AlignmentRunViewSet, basename="alignment-run")
    router.register("care-gaps", care.CareGapViewSet, basename="care-gap")
    router.register("hcc-recapture-gaps", care.HccRecaptureGapViewSet, basename="hcc-recapture-gap")
    router.register("worklist-items", care.WorklistItemViewSet, basename="worklist-item")
    return [
        path("auth/token", ThrottledTokenView.as_view(), name="partners-token"),
        path("adt/messages", adt.AdtIntakeApi.as_view(), name="adt-intake"),
        path(
            "quality/measure-reports",
            quality.MeasureReportIntakeApi.as_view(),
            name="quality-measure-reports",
        ),
        path(
            "beneficiaries/search",
            views.BeneficiarySearchApi.as_view(),
            name="beneficiary-search",
        ),
    ]
