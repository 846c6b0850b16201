"""Entities, providers and participations over REST. Reads are scoped to the caller's entities
(another entity's object is a 404); writes are for the entity's administrators and use the same
services, so the rules and messages match the admin console and the CSV import."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Role
from accounts.selectors import user_has_role
from core.api import KnownQueryParameters
from core.pagination import StableCursorPagination
from entities.api.serializers import (
    EntityListSerializer,
    EntitySerializer,
    ParticipantListSerializer,
    ParticipationSerializer,
    ParticipationUpdateSerializer,
    ProviderSerializer,
)
from entities.filters import EntityFilter, ParticipationFilter, ProviderFilter
from entities.models import Entity, Participation, Provider
from entities.selectors import (
    admin_entity_ids,
    is_entity_admin,
    participant_list_rows,
    performance_year_get,
)
from entities.services.entities import ENTITY_ADMIN_FIELDS, entity_update, provider_update
from entities.services.participations import participation_add, participation_change


class EntityAdminWrites(permissions.BasePermission):
    """Anyone signed in reads what their queryset holds; only administrators of the object's
    entity (or superusers) write."""

    message = "Only an administrator of this entity can change it."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS or view.kwargs.get("pk") is not None:
            # On an object, scoping answers first (404 for another entity's object), then
            # has_object_permission (403 for a member who is not an administrator).
            return True
        return is_entity_admin(user=request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return view.user_administers(obj)


class EntityViewSet(
    KnownQueryParameters,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's entities with their track per performance year."""

    permission_classes = [permissions.IsAuthenticated, EntityAdminWrites]
    filterset_class = EntityFilter
    pagination_class = StableCursorPagination
    query_parameters = {"participant_list": ("year",)}

    def get_queryset(self) -> Any:
        return (
            Entity.objects.for_user(self.request.user)
            .select_related("program")
            .prefetch_related("years__track", "years__entity_type")
        )

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return EntityListSerializer if self.action == "list" else EntitySerializer

    def user_administers(self, obj: Entity) -> bool:
        return user_has_role(user=self.request.user, entity_id=obj.pk, roles=[Role.ENTITY_ADMIN])

    def perform_update(self, serializer: EntitySerializer) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k in ENTITY_ADMIN_FIELDS}
        serializer.instance = entity_update(
            entity=serializer.instance, data=data, acting_user=self.request.user
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year", OpenApiTypes.INT, required=True, description="Performance year"
            )
        ],
        responses=ParticipantListSerializer,
    )
    @action(detail=True, methods=["get"], url_path="participant-list")
    def participant_list(self, request: Request, pk: str | None = None) -> Response:
        """The participant list of a performance year (the CSV export's rows, as JSON)."""
        entity = self.get_object()
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError:
            raise serializers.ValidationError(
                {"year": ["Give the performance year, for example ?year=2025."]}
            ) from None
        if performance_year_get(program=entity.program, year=year) is None:
            raise serializers.ValidationError(
                {
                    "year": [
                        f"{entity.program.name} has no performance year {year} in the program registry."
                    ]
                }
            )
        rows = participant_list_rows(entity=entity, performance_year=year)
        return Response(
            {"entity": entity.cms_id, "performance_year": year, "count": len(rows), "rows": rows}
        )


class ProviderPagination(StableCursorPagination):
    ordering = "npi"  # unique, and the order people read providers in


class ProviderViewSet(
    KnownQueryParameters,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Providers listed on the caller's entities' participant lists. New providers enter through
    a participation (POST /participations/ with the NPI and specialty)."""

    serializer_class = ProviderSerializer
    permission_classes = [permissions.IsAuthenticated, EntityAdminWrites]
    filterset_class = ProviderFilter
    pagination_class = ProviderPagination

    def get_queryset(self) -> Any:
        return (
            Provider.objects.for_user(self.request.user).select_related("specialty").order_by("npi")
        )

    def user_administers(self, obj: Provider) -> bool:
        return Participation.objects.filter(
            provider=obj, entity__in=admin_entity_ids(user=self.request.user)
        ).exists()

    def perform_update(self, serializer: ProviderSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = provider_update(
            provider=serializer.instance,
            name=data.get("name"),
            specialty_code=data["specialty_id"] or "" if "specialty_id" in data else None,
            acting_user=self.request.user,
        )


class ParticipationViewSet(
    KnownQueryParameters,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Participant-list rows of the caller's entities. Never deleted: PATCH an end_date instead."""

    serializer_class = ParticipationSerializer
    permission_classes = [permissions.IsAuthenticated, EntityAdminWrites]
    filterset_class = ParticipationFilter
    pagination_class = StableCursorPagination

    def get_queryset(self) -> Any:
        return (
            Participation.objects.for_user(self.request.user)
            .select_related("entity", "organization", "provider__specialty")
            .order_by("entity_id", "organization__tin", "provider__npi", "ccn", "start_date")
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)
        if isinstance(serializer, ParticipationSerializer):
            serializer.fields["entity"].queryset = Entity.objects.filter(
                pk__in=admin_entity_ids(user=self.request.user)
            )
        return serializer

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in {"update", "partial_update"}:
            return ParticipationUpdateSerializer
        return ParticipationSerializer

    def user_administers(self, obj: Participation) -> bool:
        return user_has_role(
            user=self.request.user, entity_id=obj.entity_id, roles=[Role.ENTITY_ADMIN]
        )

    @extend_schema(request=ParticipationSerializer, responses={201: ParticipationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = participation_add(
            entity=data["entity"],
            tin=data["tin"],
            npi=data.get("npi", ""),
            ccn=data.get("ccn", ""),
            specialty_code=data.get("specialty_code", ""),
            role=data["role"],
            start_date=data["start_date"],
            end_date=data.get("end_date"),
            tin_legal_name=data.get("tin_legal_name", ""),
            provider_name=data.get("provider_name", ""),
            acting_user=request.user,
        )
        return Response(
            ParticipationSerializer(self._reload(row)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ParticipationUpdateSerializer, responses=ParticipationSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        row = self.get_object()
        serializer = ParticipationUpdateSerializer(
            data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = participation_change(
            participation=row,
            start_date=data.get("start_date"),
            end_date=data.get("end_date", "unchanged"),
            role=data.get("role"),
            acting_user=request.user,
        )
        return Response(ParticipationSerializer(self._reload(row)).data)

    @extend_schema(request=ParticipationUpdateSerializer, responses=ParticipationSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def _reload(self, row: Participation) -> Participation:
        found = self.get_queryset().filter(pk=row.pk).first()
        if found is None:
            raise Http404
        return found
