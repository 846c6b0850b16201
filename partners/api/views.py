"""The partner REST API: the aligned roster, beneficiary search by MBI (in the body, never the
URL), alignment runs and their changes. Care gaps and worklist items: partners/api/care.py.

Every view scopes through partners.selectors / partners.roster, so another entity's row (or,
for a TIN-limited client, another TIN's) is a 404. Beneficiary data shown is noted for the
access log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alignment.models import AlignmentChange, AlignmentRun
from alignment.selectors import CMS_LIST
from cmslists.selectors import cms_list_assigned_ids, cms_lists_current
from core.api import KnownQueryParameters
from partners.access import phi_shown
from partners.api.common import ETagMixin, StableCursorPagination
from partners.api.serializers import (
    AlignmentChangeSerializer,
    AlignmentRunSerializer,
    BeneficiarySearchSerializer,
    RosterRowSerializer,
)
from partners.roster import (
    ALIGNED,
    NOT_ALIGNED,
    RosterRows,
    extras_of,
    extras_without_withheld,
    roster_extras,
    roster_rows,
)
from partners.selectors import principal_tins, visible_entities

ROSTER_FILTERS = [
    OpenApiParameter("status", str, enum=[ALIGNED, NOT_ALIGNED], description="Default: aligned."),
    OpenApiParameter("tin", str, description="Attributed TIN (9 digits)."),
    OpenApiParameter("npi", str, description="Attributed NPI (10 digits)."),
    OpenApiParameter(
        "changed_since",
        OpenApiTypes.DATETIME,
        description="Only beneficiaries whose record or alignment changed after this instant.",
    ),
]


class RosterPagination(StableCursorPagination):
    ordering = "beneficiary_id"


def _roster_filters(request: Request, *, with_status: bool = True) -> dict[str, Any]:
    """The roster's query filters, checked (a 400 names each bad one). Without `with_status`,
    `status` is left to the caller (other lists give it another meaning)."""
    params = request.query_params
    errors: dict[str, str] = {}
    status = (params.get("status") or ALIGNED) if with_status else ALIGNED
    if status not in (ALIGNED, NOT_ALIGNED):
        errors["status"] = f"status is {ALIGNED} or {NOT_ALIGNED}."
    tin = params.get("tin", "")
    if tin and not (len(tin) == 9 and tin.isascii() and tin.isdigit()):
        errors["tin"] = "A TIN is 9 digits."
    npi = params.get("npi", "")
    if npi and not (len(npi) == 10 and npi.isascii() and npi.isdigit()):
        errors["npi"] = "An NPI is 10 digits."
    since = None
    if params.get("changed_since"):
        try:
            since = parse_datetime(params["changed_since"])
        except ValueError:
            since = None
        if since is not None and since.tzinfo is not None:
            # In UTC: PostgreSQL takes offsets up to 15:59, ISO 8601 up to 23:59.
            try:
                since = since.astimezone(dt.UTC)
            except OverflowError:
                since = None
        else:
            since = None
        if since is None:
            errors["changed_since"] = (
                "An ISO 8601 date-time with its time zone, e.g. 2026-01-31T00:00:00Z."
            )
    if errors:
        raise serializers.ValidationError(errors)
    return {"status": status, "tin": tin, "npi": npi, "changed_since": since}


def rosters_of(rows: list[Any]) -> dict[int, dict[str, Any]]:
    """Each row entity's roster of record, as alignment.selectors.roster_of_record_current
    chooses it: CMS's list of the newest listed year when that year is not older than the row's
    run (its ids on it, to say who is on it), else the row's run, the platform's projection
    (left out here: `roster_label` labels it from the row). One query, and one more when a CMS
    list is the roster."""
    runs = {row.run.entity_id: row.run for row in rows}
    if not runs:
        return {}
    lists = {
        entity_id: cms_list
        for entity_id, cms_list in cms_lists_current(entity_ids=list(runs)).items()
        if cms_list.performance_year >= runs[entity_id].performance_year
    }
    members = cms_list_assigned_ids(cms_list_ids=[x.pk for x in lists.values()]) if lists else {}
    return {
        entity_id: {
            "source": CMS_LIST,
            "as_of": cms_list.list_date.isoformat(),
            "label": cms_list.label,
            "members": members[cms_list.pk],
        }
        for entity_id, cms_list in lists.items()
    }


class RosterContextMixin:
    request: Request

    def roster_context(self, rows: list[Any]) -> dict[str, Any]:
        """Rows of `roster_rows` carry their period; their risk and gaps take one query, or
        none when they were read with the rows (`with_extras`)."""
        read = bool(rows) and hasattr(rows[0], "extras")
        extras = (
            extras_of(rows) if read else roster_extras(principal=self.request.user, results=rows)
        )
        return {
            "rosters": rosters_of(rows),
            "request": self.request,
            # A list-only row carries its list's year (partners.roster.list_only_rows).
            "periods": {row.run_id: row.period for row in rows if not hasattr(row, "list_only")},
            "extras": extras_without_withheld(
                extras, entity_ids={row.run.entity_id for row in rows}
            ),
        }

    def note_shown(self, rows: list[Any], purpose: str) -> None:
        for entity_id in {row.run.entity_id for row in rows}:
            phi_shown(
                self.request,
                entity=next(r.run.entity for r in rows if r.run.entity_id == entity_id),
                purpose=purpose,
                beneficiary_ids=[r.beneficiary_id for r in rows if r.run.entity_id == entity_id],
            )


@extend_schema(tags=["beneficiaries"])
class BeneficiaryViewSet(
    KnownQueryParameters, RosterContextMixin, ETagMixin, viewsets.GenericViewSet
):
    """The aligned roster: beneficiaries of the caller's current alignment lists with their
    attributed provider, alignment status and period, change since the previous list, risk
    score and open gaps."""

    required_scopes = ["beneficiaries"]
    serializer_class = RosterRowSerializer
    pagination_class = RosterPagination
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []
    query_parameters = {"list": tuple(p.name for p in ROSTER_FILTERS)}

    def get_queryset(self) -> Any:
        return RosterRows(principal=self.request.user, **_roster_filters(self.request))

    @extend_schema(parameters=ROSTER_FILTERS)
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page or [])
        self.note_shown(rows, "api roster")
        data = RosterRowSerializer(rows, many=True, context=self.roster_context(rows)).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, pk: str) -> Response:
        # The row of the current list, aligned or (failing that) not, with its risk and gaps:
        # one query.
        key = int(pk)
        rows = (
            roster_rows(
                principal=request.user, status=None, beneficiary_id=key, limit=1, with_extras=True
            )
            if key < 2**63
            else []
        )
        if not rows:
            raise Http404
        self.note_shown(rows, "api beneficiary")
        return Response(RosterRowSerializer(rows[0], context=self.roster_context(rows)).data)


@extend_schema(tags=["beneficiaries"])
class BeneficiarySearchApi(RosterContextMixin, APIView):
    """Find roster rows by MBI. The MBIs travel in the body of a POST, never in a URL."""

    @extend_schema(
        request=BeneficiarySearchSerializer,
        responses=inline_serializer(
            "BeneficiarySearchResult",
            {
                "results": RosterRowSerializer(many=True),
                "not_found": serializers.IntegerField(
                    help_text="How many of the MBIs match no beneficiary the caller may see."
                ),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        payload = BeneficiarySearchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        mbis = payload.validated_data["mbis"]
        # Aligned rows, then the others, each in beneficiary order.
        rows = roster_rows(principal=request.user, status=None, mbis=mbis)
        self.note_shown(rows, "api search")
        data = RosterRowSerializer(rows, many=True, context=self.roster_context(rows)).data
        found = {row.beneficiary.current_mbi for row in rows}
        return Response({"results": data, "not_found": len(set(mbis) - found)})

    def get_required_scopes(self, request: Request) -> list[str]:
        # A POST that only reads: the roster's read scope is what it needs.
        return ["beneficiaries:read"]


@extend_schema(tags=["alignment"])
class AlignmentRunViewSet(
    KnownQueryParameters,
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Alignment runs of the caller's entities (counts only; beneficiaries are in `changes`)."""

    required_scopes = ["alignment"]
    serializer_class = AlignmentRunSerializer
    pagination_class = StableCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return (
            AlignmentRun.objects.filter(entity__in=visible_entities(principal=self.request.user))
            .select_related("entity__program")
            .order_by("-id")
        )

    @extend_schema(responses=AlignmentChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def changes(self, request: Request, pk: str | None = None) -> Response:
        """Beneficiaries added, dropped or changed by this run against the previous one."""
        run = self.get_object()
        rows = AlignmentChange.objects.filter(run=run).order_by("id")
        tins = principal_tins(request.user)
        if tins:
            rows = rows.filter(attributed_tin__in=tins) | rows.filter(previous_tin__in=tins)
        page = list(self.paginate_queryset(rows) or [])
        phi_shown(
            request,
            entity=run.entity,
            purpose="api alignment changes",
            beneficiary_ids=[c.beneficiary_id for c in page],
        )
        return self.get_paginated_response(AlignmentChangeSerializer(page, many=True).data)
