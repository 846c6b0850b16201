"""Care gaps and worklist items over REST for partner systems.

Care gaps are read: the gaps the care app found in claims (`care.CareGap`) and the HCC
recapture gaps (benchmarks' risk scores). Worklist items are read, created and closed through
the care app's own services (`care.services`), so the rules and the item's history (its notes)
are the ones the care-coordinator pages keep. Everything is limited to the caller's roster
(partners.roster): another entity's row, or another TIN's for a TIN-limited client, is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from benchmarks.models import RiskHcc
from benchmarks.selectors import recapture_gaps
from beneficiaries.models import Beneficiary
from care.models import OPEN_STATUSES, CareGap, ItemKind, ItemStatus, WorklistItem
from care.services import worklist_item_create, worklist_item_update
from core.api import KnownQueryParameters
from partners.access import phi_shown
from partners.api.common import ETagMixin, StableCursorPagination
from partners.api.views import ROSTER_FILTERS, _roster_filters
from partners.authentication import partner_client_of
from partners.roster import (
    current_runs,
    principal_withheld_ids,
    roster_beneficiary_ids,
    roster_results,
    withheld_ids,
)
from partners.selectors import visible_entities

TIN_NPI_FILTERS = [f for f in ROSTER_FILTERS if f.name in ("tin", "npi")]
CHANGED_SINCE = next(f for f in ROSTER_FILTERS if f.name == "changed_since")


def _note_shown(request: Request, rows: list[Any], purpose: str) -> None:
    """One access record per entity whose beneficiaries the page shows."""
    by_entity: dict[int, list[int]] = {}
    for row in rows:
        by_entity.setdefault(row.entity_id, []).append(row.beneficiary_id)
    entities = {e.pk: e for e in visible_entities(principal=request.user).filter(pk__in=by_entity)}
    for entity_id, ids in by_entity.items():
        phi_shown(request, entity=entities[entity_id], purpose=purpose, beneficiary_ids=ids)


# ------------------------------------------------------------------ care gaps


class CareGapSerializer(serializers.ModelSerializer):
    beneficiary = serializers.IntegerField(source="beneficiary_id")

    class Meta:
        model = CareGap
        fields = ["id", "beneficiary", "gap", "label", "last_done", "detail", "as_of", "closes_on"]
        read_only_fields = fields


@extend_schema(tags=["care gaps"])
class CareGapViewSet(
    KnownQueryParameters, ETagMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Open care gaps found in claims (annual wellness visit, screenings, ...) for the
    caller's roster, as of the care app's last refresh."""

    required_scopes = ["gaps"]
    pagination_class = StableCursorPagination
    serializer_class = CareGapSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"
    query_parameters = {"list": ("tin", "npi", "gap")}

    def get_queryset(self) -> QuerySet[CareGap]:
        filters = _roster_filters(self.request, with_status=False)
        return (
            CareGap.objects.for_user(self.request.user)
            .filter(
                roster_beneficiary_ids(
                    principal=self.request.user, tin=filters["tin"], npi=filters["npi"]
                )
            )
            .exclude(beneficiary_id__in=principal_withheld_ids(self.request.user))
        )

    @extend_schema(
        parameters=[
            *TIN_NPI_FILTERS,
            OpenApiParameter("gap", str, description="One kind of gap, e.g. awv."),
        ]
    )
    def list(self, request: Request) -> Response:
        rows = self.get_queryset()
        if request.query_params.get("gap"):
            rows = rows.filter(gap=request.query_params["gap"])
        page = list(self.paginate_queryset(rows) or [])
        _note_shown(request, page, "api care gaps")
        return self.get_paginated_response(CareGapSerializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        gap = self.get_object()
        _note_shown(request, [gap], "api care gap")
        return Response(CareGapSerializer(gap).data)


class HccRecaptureGapSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    beneficiary = serializers.IntegerField(source="risk_score.beneficiary_id")
    model = serializers.CharField()
    hcc = serializers.CharField()
    label = serializers.CharField()
    last_seen_payment_year = serializers.IntegerField(source="risk_score.payment_year")


@extend_schema(tags=["care gaps"])
class HccRecaptureGapViewSet(KnownQueryParameters, ETagMixin, viewsets.GenericViewSet):
    """HCCs of the roster seen last year and not yet documented this year (recapture gaps,
    from the benchmarks app's risk scores)."""

    required_scopes = ["gaps"]
    pagination_class = StableCursorPagination
    serializer_class = HccRecaptureGapSerializer
    filter_backends: list[Any] = []
    query_parameters = {"list": ("tin", "npi")}

    @extend_schema(parameters=TIN_NPI_FILTERS)
    def list(self, request: Request) -> Response:
        filters = _roster_filters(request, with_status=False)
        runs = current_runs(principal=request.user)
        gaps = RiskHcc.objects.none()
        for run in runs:
            roster = roster_results(
                principal=request.user, runs=[run], tin=filters["tin"], npi=filters["npi"]
            ).values("beneficiary_id")
            gaps = gaps | recapture_gaps(
                user=request.user, entity=run.entity_id, year=run.performance_year
            ).filter(risk_score__beneficiary_id__in=roster)
        gaps = gaps.exclude(
            risk_score__beneficiary_id__in=withheld_ids(entity_ids=[r.entity_id for r in runs])
        )
        page = list(self.paginate_queryset(gaps.select_related("risk_score")) or [])
        for run in runs:
            phi_shown(
                request,
                entity=run.entity,
                purpose="api hcc recapture gaps",
                beneficiary_ids=[
                    g.risk_score.beneficiary_id
                    for g in page
                    if g.risk_score.entity_id == run.entity_id
                ],
            )
        return self.get_paginated_response(HccRecaptureGapSerializer(page, many=True).data)


# ------------------------------------------------------------------ worklist items

ITEM_STATUS_FILTER = ["open", *ItemStatus.values, "all"]


class ItemClosed(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "closed"


class WorklistItemSerializer(serializers.ModelSerializer):
    beneficiary = serializers.IntegerField(source="beneficiary_id")
    assigned = serializers.SerializerMethodField(
        help_text="Whether a care coordinator of the entity has taken the item."
    )

    class Meta:
        model = WorklistItem
        fields = [
            "id",
            "beneficiary",
            "kind",
            "title",
            "detail",
            "status",
            "dismissed_reason",
            "due_date",
            "assigned",
            "created_at",
            "updated_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_assigned(self, item: WorklistItem) -> bool:
        return item.assigned_to_id is not None


class WorklistItemCreateSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField(help_text="The beneficiary's `id` from the roster.")
    title = serializers.CharField(max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True, default="")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class WorklistItemCloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[ItemStatus.DONE, ItemStatus.DISMISSED],
        help_text="done, or dismissed (with a reason).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Why the item is dismissed (required for dismissed).",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["status"] == ItemStatus.DISMISSED and not data["reason"].strip():
            raise serializers.ValidationError({"reason": "Say why the item is dismissed."})
        return data


@extend_schema(tags=["worklist"])
class WorklistItemViewSet(
    KnownQueryParameters,
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Worklist items of the caller's roster. A partner system reads them, adds items by hand
    (kind `manual`) and closes them (done or dismissed); each change is in the item's history
    and the access log names the client."""

    required_scopes = ["worklist"]
    pagination_class = StableCursorPagination
    serializer_class = WorklistItemSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"
    query_parameters = {"list": ("status", "kind", "tin", "npi", "changed_since")}

    def get_queryset(self) -> QuerySet[WorklistItem]:
        # Tasks generated from the claims of a beneficiary CMS withholds are not shown.
        rows = WorklistItem.objects.for_user(self.request.user).exclude(
            Q(beneficiary_id__in=principal_withheld_ids(self.request.user)) & ~Q(source_key="")
        )
        if self.action != "list":
            return rows.filter(roster_beneficiary_ids(principal=self.request.user))
        filters = _roster_filters(self.request, with_status=False)
        params = self.request.query_params
        errors = {}
        wanted = params.get("status") or "open"
        if wanted not in ITEM_STATUS_FILTER:
            errors["status"] = f"status is one of {', '.join(ITEM_STATUS_FILTER)}."
        kind = params.get("kind", "")
        if kind and kind not in ItemKind.values:
            errors["kind"] = f"kind is one of {', '.join(ItemKind.values)}."
        if errors:
            raise serializers.ValidationError(errors)
        rows = rows.filter(
            roster_beneficiary_ids(
                principal=self.request.user, tin=filters["tin"], npi=filters["npi"]
            )
        )
        if wanted == "open":
            rows = rows.filter(status__in=OPEN_STATUSES)
        elif wanted != "all":
            rows = rows.filter(status=wanted)
        if kind:
            rows = rows.filter(kind=kind)
        if filters["changed_since"] is not None:
            rows = rows.filter(updated_at__gt=filters["changed_since"])
        return rows

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=ITEM_STATUS_FILTER,
                description="Default: open (open and in progress).",
            ),
            OpenApiParameter("kind", str, enum=ItemKind.values),
            *TIN_NPI_FILTERS,
            CHANGED_SINCE,
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = list(self.paginate_queryset(self.get_queryset()) or [])
        _note_shown(request, page, "api worklist")
        return self.get_paginated_response(WorklistItemSerializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        _note_shown(request, [item], "api worklist item")
        return Response(WorklistItemSerializer(item).data)

    @extend_schema(request=WorklistItemCreateSerializer, responses={201: WorklistItemSerializer})
    def create(self, request: Request) -> Response:
        payload = WorklistItemCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        beneficiary = (
            Beneficiary.objects.for_user(request.user)
            .filter(pk=data["beneficiary"])
            .filter(roster_beneficiary_ids(principal=request.user, field="pk"))
            .select_related("entity")
            .first()
        )
        if beneficiary is None:
            # The same answer for another entity's beneficiary and for one that does not exist.
            raise serializers.ValidationError(
                {"beneficiary": "No beneficiary with this id in your roster."}
            )
        item = worklist_item_create(
            entity=beneficiary.entity,
            beneficiary=beneficiary,
            title=data["title"],
            detail=data["detail"],
            due_date=data["due_date"],
            acting_user=None,
        )
        _note_shown(request, [item], "api worklist item created")
        return Response(WorklistItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WorklistItemCloseSerializer, responses=WorklistItemSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the item: done, or dismissed with a reason. Closing a closed item again is
        refused (409)."""
        item = self.get_object()
        payload = WorklistItemCloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not item.is_open:
            raise ItemClosed(f"The item is already {item.status}.")
        client = partner_client_of(request)
        who = f"partner system {client.name} ({client.client_id})" if client else "the API"
        item = worklist_item_update(
            item=item,
            acting_user=None if client else request.user,
            status=payload.validated_data["status"],
            dismissed_reason=payload.validated_data["reason"],
            note=f"Closed by {who}. {payload.validated_data['reason']}".strip(),
        )
        _note_shown(request, [item], "api worklist item closed")
        return Response(WorklistItemSerializer(item).data)
