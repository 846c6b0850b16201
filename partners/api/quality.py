"""Patient-level eCQM results from a partner EHR (a client holding the `quality:write` scope):
one FHIR R4 `MeasureReport` of type individual, or a Bundle of them, per request. The source is
the client's registered name, the submission date the day it arrives, the reporting period the
reports' own; a new submission of the same source and year replaces the current one (the earlier
stays, as history). All or nothing: a 400 problem document lists each entry and field at fault, and the answer
names no patient (counts only)."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.adt import FhirJsonParser, JsonParser
from partners.authentication import partner_client_of
from quality.patient_level import PatientReportError, measure_reports_store


@extend_schema(
    tags=["quality"],
    request={"application/fhir+json": OpenApiTypes.OBJECT},
    responses={
        201: inline_serializer(
            "MeasureReportReceipt",
            {
                "submission": serializers.IntegerField(),
                "period_start": serializers.DateField(),
                "period_end": serializers.DateField(),
                "reports": serializers.IntegerField(),
                "measures": serializers.DictField(child=serializers.IntegerField()),
                "replaced": serializers.ListField(child=serializers.IntegerField()),
            },
        ),
    },
)
class MeasureReportIntakeApi(APIView):
    """Receive a partner EHR's patient-level eCQM results (FHIR MeasureReport, individual)."""

    required_scopes = ["quality"]
    parser_classes = [FhirJsonParser, JsonParser]

    def post(self, request: Request) -> Response:
        client = partner_client_of(request)
        if client is None:
            raise exceptions.PermissionDenied("Patient-level results are sent by partner systems.")
        data: Any = request.data
        resource = data.get("fhir") if isinstance(data, dict) else None
        # The parsed resource, re-serialized in one canonical form: its digest is the history's.
        content = json.dumps(resource, sort_keys=True, separators=(",", ":")).encode()
        try:
            stored = measure_reports_store(
                entity=client.entity,
                source=client.name,
                submitted_on=timezone.localdate(),
                resource=resource,
                file_name="FHIR MeasureReport submission",
                content=content,
            )
        except PatientReportError as error:
            # A 400 problem document: `errors` lists each problem (entry, resource id, field).
            raise exceptions.ValidationError({"resource": error.errors}) from None
        counts: dict[str, int] = {}
        for quality_id in stored.patients.values_list("quality_id", flat=True):
            counts[quality_id] = counts.get(quality_id, 0) + 1
        return Response(
            {
                "submission": stored.pk,
                "period_start": stored.period_start,
                "period_end": stored.period_end,
                "reports": sum(counts.values()),
                "measures": counts,
                "replaced": list(stored.replaced.values_list("pk", flat=True)),
            },
            status=201,
        )
