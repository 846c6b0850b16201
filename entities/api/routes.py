"""API routes of the entities app, registered by config/api_router.py."""

from __future__ import annotations

from typing import Any

from entities.api.views import EntityViewSet, ParticipationViewSet, ProviderViewSet


def register(router: Any) -> list[Any]:
    router.register("entities", EntityViewSet, basename="entity")
    router.register("providers", ProviderViewSet, basename="provider")
    router.register("participations", ParticipationViewSet, basename="participation")
    return []
