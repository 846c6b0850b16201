from __future__ import annotations

from typing import Any

from rest_framework import mixins, viewsets

from core.api import KnownQueryParameters
from core.pagination import NewestFirstCursorPagination
from jobs.api.serializers import JobSerializer
from jobs.models import Job


class JobViewSet(
    KnownQueryParameters,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Background jobs of the caller's entities: state, progress, error and result."""

    serializer_class = JobSerializer
    filterset_fields = ["kind", "state"]
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self) -> Any:
        return Job.objects.for_user(self.request.user).select_related("entity")
