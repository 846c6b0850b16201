"""FHIR Bulk Data export of an attribution list (Group-level `$export`).

    GET    /fhir/Group/<id>/$export      202 Accepted, Content-Location: the status URL
    GET    /fhir/bulkstatus/<export>     202 with X-Progress while it runs; 200 with the manifest
    DELETE /fhir/bulkstatus/<export>     202: cancelled, files deleted
    GET    /fhir/bulkfiles/<export>/<Type>.ndjson   the file (bearer token of the same client)

`_type` limits the resource types (each needs its `system/<Type>.read` scope), `_since` keeps
resources changed after an instant (and the whole record of members new to the list since).
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, renderers, status
from rest_framework.request import Request
from rest_framework.response import Response

from jobs.models import JobState
from partners.access import phi_shown
from partners.authentication import partner_client_of
from partners.exports import (
    ExportBusy,
    bulk_export_cancel,
    bulk_export_start,
    export_file_path,
    export_types_allowed,
)
from partners.fhir import resources
from partners.fhir.views import FhirJSONRenderer, FhirView, PlainJSONRenderer, export_types
from partners.lead_groups import group_get
from partners.models import BulkExport
from partners.scopes import fhir_scope

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = {NDJSON, "application/ndjson", "ndjson"}


class NdjsonRenderer(renderers.JSONRenderer):
    """Lets a download be asked for as `application/fhir+ndjson` (what the Bulk Data Access IG
    names and bulk clients send). The file itself is streamed as is; only an error document
    (one JSON line, so still NDJSON) goes through this renderer."""

    media_type = NDJSON
    format = "ndjson"


class PlainNdjsonRenderer(NdjsonRenderer):
    media_type = "application/ndjson"
    format = "plain-ndjson"


UNSUPPORTED = ("_typeFilter", "_elements", "patient", "includeAssociatedData")


def _since(value: str | None) -> Any:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed but not a date, e.g. 2025-02-30
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        raise exceptions.ValidationError(
            f"_since must be a FHIR instant with its time zone (e.g. 2026-01-31T00:00:00Z), not {value!r}."
        )
    if parsed > timezone.now():
        raise exceptions.ValidationError("_since is in the future.")
    return parsed


class GroupExportView(FhirView):
    """Kick-off: `GET /fhir/Group/<id>/$export`."""

    resource_type = "Group"

    def get(self, request: Request, group_id: str) -> Response:
        # Another entity's group does not exist for the caller, whoever asks and however.
        group = group_get(principal=request.user, group_id=group_id)
        if group is None:
            raise Http404
        client = partner_client_of(request)
        if client is None:
            raise exceptions.PermissionDenied(
                "Bulk export is for partner systems (a bearer token)."
            )
        for name in UNSUPPORTED:
            if name in request.query_params:
                raise exceptions.ValidationError(f"{name} is not supported by this server.")
        output = request.query_params.get("_outputFormat")
        if output and output not in OUTPUT_FORMATS:
            raise exceptions.ValidationError(
                f"_outputFormat {output!r} is not supported; use {NDJSON}."
            )
        prefer = request.headers.get("Prefer")
        if prefer and "respond-async" not in prefer:
            raise exceptions.ValidationError("Prefer must be respond-async.")
        types = export_types(request.query_params.get("_type"))
        explicit = "_type" in request.query_params
        allowed = export_types_allowed(types, request.auth.scope.split())
        if explicit and allowed != types:
            missing = [fhir_scope(t) for t in types if t not in allowed]
            raise exceptions.PermissionDenied(f"The access token lacks {', '.join(missing)}.")
        since = _since(request.query_params.get("_since"))
        try:
            export = bulk_export_start(
                client=client,
                group=group,
                types=allowed,
                since=since,
                request_url=request.build_absolute_uri(),
            )
        except ExportBusy as exc:
            throttled = exceptions.Throttled(wait=30, detail=exc.message)
            raise throttled from None
        response = Response(status=status.HTTP_202_ACCEPTED)
        response["Content-Location"] = request.build_absolute_uri(
            reverse("fhir:bulk-status", args=[export.pk])
        )
        return response


def _owned_export(request: Request, export_id: str) -> BulkExport:
    client = partner_client_of(request)
    export = (
        BulkExport.objects.select_related("job", "entity")
        .filter(pk=export_id, client=client, cancelled_at__isnull=True, purged_at__isnull=True)
        .first()
        if client is not None
        else None
    )
    if export is None or (export.expires_at and export.expires_at <= timezone.now()):
        raise Http404
    return export


class BulkStatusView(FhirView):
    """Poll (GET) or cancel (DELETE) an export."""

    resource_type = "Group"

    def get_required_scopes(self, request: Request) -> list[str]:
        return [fhir_scope("Group")]

    def get(self, request: Request, export_id: str) -> Response:
        export = _owned_export(request, export_id)
        job = export.job
        if (
            job is None
            or job.state in (JobState.QUEUED, JobState.RUNNING)
            or not export.finished_at
        ):
            if job is not None and job.state == JobState.FAILED:
                return Response(
                    resources.operation_outcome(
                        f"The export failed: {job.error}", code="exception"
                    ),
                    status=status.HTTP_500_INTERNAL_SERVER_ERROR,
                )
            response = Response(status=status.HTTP_202_ACCEPTED)
            progress = job.progress if job else 0
            response["X-Progress"] = f"{progress}% {job.message if job else 'queued'}".strip()[:100]
            response["Retry-After"] = "5"
            return response
        manifest = {
            "transactionTime": resources.instant(export.transaction_time),
            "request": export.request_url,
            "requiresAccessToken": True,
            "output": [
                {
                    "type": f["type"],
                    "url": request.build_absolute_uri(
                        reverse("fhir:bulk-file", args=[export.pk, f["type"]])
                    ),
                    "count": f["count"],
                }
                for f in export.files
                if f["count"]
            ],
            "error": [],
        }
        response = Response(manifest, content_type="application/json")
        response["Expires"] = format_datetime(export.expires_at, usegmt=True)
        return response

    def delete(self, request: Request, export_id: str) -> Response:
        export = _owned_export(request, export_id)
        bulk_export_cancel(export=export)
        return Response(status=status.HTTP_202_ACCEPTED)


class BulkFileView(FhirView):
    """One NDJSON file of a finished export, for the client that asked for it. Accept may be
    `application/fhir+ndjson`, `application/ndjson`, `*/*` or absent (or a FHIR JSON type,
    which only an error answer would use)."""

    renderer_classes = [NdjsonRenderer, PlainNdjsonRenderer, FhirJSONRenderer, PlainJSONRenderer]

    def get_required_scopes(self, request: Request) -> list[str]:
        resource_type = self.kwargs.get("resource_type", "")
        return [fhir_scope(resource_type)] if resource_type else []

    def get(self, request: Request, export_id: str, resource_type: str) -> Any:
        export = _owned_export(request, export_id)
        entry = next((f for f in export.files if f["type"] == resource_type), None)
        path = export_file_path(export, resource_type)
        if entry is None or not default_storage.exists(path):
            raise Http404
        if resource_type in ("Patient", "Coverage", "Group"):
            phi_shown(
                request,
                entity=export.entity,
                purpose=f"fhir export {resource_type}",
                beneficiary_ids=export.beneficiary_ids,
                count=export.beneficiary_count,
            )
        response = FileResponse(default_storage.open(path, "rb"), content_type=NDJSON)
        response["Content-Disposition"] = f'attachment; filename="{resource_type}.ndjson"'
        return response
