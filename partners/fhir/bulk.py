"""FHIR Bulk Data export: of an attribution list (Group-level `$export` and Da Vinci ATR's
`$davinci-data-export`), of every Patient the client may see (`Patient/$export`), or of all
the client may read (system-level `$export`).

    GET|POST /fhir/Group/<id>/$export, /fhir/Group/<id>/$davinci-data-export,
             /fhir/Patient/$export, /fhir/$export
                                         202 Accepted, Content-Location: the status URL
    GET    /fhir/bulkstatus/<export>     202 with X-Progress while it runs; 200 with the manifest
    DELETE /fhir/bulkstatus/<export>     202: cancelled, files deleted
    GET    /fhir/bulkfiles/<export>/<Type>.ndjson   the file (bearer token of the same client)

`_type` limits the resource types (each needs its `system/<Type>.read` scope), `_since` keeps
resources changed after an instant (and the whole record of members new to the list since),
`patient` (references `Patient/<id>`) keeps only those members; a reference that is not a member
is reported in the manifest's `error` file. A POST kick-off carries the same parameters in a
FHIR Parameters resource, as the Bulk Data Access IG allows.
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
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from core import display
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
from partners.scopes import EXPORT_TYPES, fhir_scope

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = {NDJSON, "application/ndjson", "ndjson"}


class FhirJSONParser(JSONParser):
    media_type = "application/fhir+json"


class NdjsonRenderer(renderers.JSONRenderer):
    """Lets a download be asked for as `application/fhir+ndjson` (what the Bulk Data Access IG
    names and bulk clients send). The file itself is streamed as is; only an error document
    (one JSON line, so still NDJSON) goes through this renderer."""

    media_type = NDJSON
    format = "ndjson"


class PlainNdjsonRenderer(NdjsonRenderer):
    media_type = "application/ndjson"
    format = "plain-ndjson"


# Parameters of the Bulk Data Access IG this server does not implement: refused with an
# OperationOutcome naming them rather than ignored (the IG lets a server reject them).
UNSUPPORTED = ("_typeFilter", "_elements", "includeAssociatedData")
ATR_EXPORT_TYPE = "hl7.fhir.us.davinci-atr"
KNOWN_PARAMETERS = {"_type", "_since", "_outputFormat", "patient", *UNSUPPORTED}


def export_parameters(request: Request) -> dict[str, list[str]]:
    """The kick-off's parameters, each as its list of values: from the query string (values
    separated by commas), or, for a POST, from the body's FHIR Parameters resource."""
    found: dict[str, list[str]] = {}
    for name in request.query_params:
        for given in request.query_params.getlist(name):
            found.setdefault(name, []).extend(v.strip() for v in given.split(",") if v.strip())
    if request.method == "POST":
        body = request.data if isinstance(request.data, dict) else {}
        if body.get("resourceType") != "Parameters":
            raise exceptions.ValidationError(
                "A POST kick-off carries a FHIR Parameters resource (application/fhir+json)."
            )
        for parameter in body.get("parameter") or []:
            if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
                raise exceptions.ValidationError("Each parameter needs a name.")
            value: Any = next(
                (
                    v.get("reference") if isinstance(v, dict) else v
                    for k, v in parameter.items()
                    if k.startswith("value")
                ),
                None,
            )
            if not isinstance(value, str):
                raise exceptions.ValidationError(f"{parameter['name']}: a value is missing.")
            found.setdefault(parameter["name"], []).extend(
                v.strip() for v in value.split(",") if v.strip()
            )
    return found


def patient_ids(references: list[str] | None) -> tuple[list[int] | None, list[str]]:
    """The beneficiary ids of `patient` references, and a message for each that is not a
    reference to a Patient of this server."""
    if references is None:
        return None, []
    ids: list[int] = []
    issues: list[str] = []
    for reference in references:
        kind, _, pk = reference.removeprefix("/").rpartition("/")
        if kind.rsplit("/", 1)[-1] == "Patient" and pk.isdigit() and len(pk) < 12:
            ids.append(int(pk))
        else:
            issues.append(f"patient {reference!r} is not a reference to a Patient; ignored.")
    return ids, issues


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


class ExportKickOff(FhirView):
    """A kick-off (GET, or POST with a Parameters resource). Subclasses say which level."""

    resource_type = "Group"
    level = "group"
    parser_classes = [FhirJSONParser, JSONParser]

    def kick_off(self, request: Request, group: Any = None) -> Response:
        client = partner_client_of(request)
        if client is None:
            raise exceptions.PermissionDenied(
                "Bulk export is for partner systems (a bearer token)."
            )
        parameters = export_parameters(request)
        for name in UNSUPPORTED:
            if name in parameters:
                raise exceptions.ValidationError(
                    f"{name} is not supported by this server; export without it and filter "
                    "the files."
                )
        unknown = sorted(set(parameters) - KNOWN_PARAMETERS - set(self.extra_parameters))
        if unknown:
            raise exceptions.ValidationError(
                f"Unknown {display.noun(unknown, 'parameter')}: {', '.join(unknown)}."
            )
        for name in ("_outputFormat", "_since", "exportType"):
            if len(parameters.get(name, [])) > 1:
                raise exceptions.ValidationError(f"{name} is given more than once.")
        output = (parameters.get("_outputFormat") or [""])[0]
        if output and output not in OUTPUT_FORMATS:
            raise exceptions.ValidationError(
                f"_outputFormat {output!r} is not supported; use {NDJSON}."
            )
        prefer = request.headers.get("Prefer")
        if prefer and "respond-async" not in prefer:
            raise exceptions.ValidationError("Prefer must be respond-async.")
        self.check_parameters(parameters)
        offered = self.offered_types()
        types = export_types(",".join(parameters["_type"]) if "_type" in parameters else None)
        outside = [t for t in types if t not in offered]
        if outside and "_type" in parameters:
            raise exceptions.ValidationError(
                f"_type: {', '.join(outside)} is not exported at this level; "
                f"choose among {', '.join(offered)}."
            )
        if "_type" not in parameters:
            types = [t for t in types if t in offered]
        allowed = export_types_allowed(types, request.auth.scope.split())
        if "_type" in parameters and allowed != types:
            missing = [fhir_scope(t) for t in types if t not in allowed]
            raise exceptions.PermissionDenied(f"The access token lacks {', '.join(missing)}.")
        if not allowed:
            raise exceptions.PermissionDenied(
                "The access token holds no system/<Type>.read scope of a type this export holds."
            )
        since = _since((parameters.get("_since") or [""])[0])
        patients, issues = patient_ids(parameters.get("patient"))
        try:
            export = bulk_export_start(
                client=client,
                group=group,
                level=self.level,
                types=allowed,
                since=since,
                patients=patients,
                issues=issues,
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

    extra_parameters: tuple[str, ...] = ()

    def check_parameters(self, parameters: dict[str, list[str]]) -> None:
        """Checks of a level's own parameters."""

    def offered_types(self) -> tuple[str, ...]:
        return EXPORT_TYPES


class GroupExportView(ExportKickOff):
    """Kick-off: `GET|POST /fhir/Group/<id>/$export`. Any of the token's `system/<Type>.read`
    scopes opens it (bulk clients ask for the types they export, not for Group); the files hold
    the types the token covers, and the Group itself only with `system/Group.read`."""

    open_to_every_client = True

    def get_required_scopes(self, request: Request) -> list[str]:
        return []

    def get(self, request: Request, group_id: str) -> Response:
        # Another entity's group does not exist for the caller, whoever asks and however.
        group = group_get(principal=request.user, group_id=group_id)
        if group is None:
            raise Http404
        return self.kick_off(request, group)

    post = get


class DavinciDataExportView(GroupExportView):
    """Kick-off: `GET|POST /fhir/Group/<id>/$davinci-data-export` (Da Vinci ATR): the list
    with every resource it refers to; `exportType`, if given, is the ATR guide's
    `hl7.fhir.us.davinci-atr`."""

    extra_parameters = ("exportType",)

    def check_parameters(self, parameters: dict[str, list[str]]) -> None:
        export_type = (parameters.get("exportType") or [ATR_EXPORT_TYPE])[0]
        if export_type != ATR_EXPORT_TYPE:
            raise exceptions.ValidationError(
                f"exportType {export_type!r} is not supported; this server exports "
                f"{ATR_EXPORT_TYPE} (the member attribution list)."
            )


class PatientExportView(ExportKickOff):
    """Kick-off: `GET|POST /fhir/Patient/$export`: every Patient the client may see (its
    attribution lists' members, those who left included) with their Coverage, and the
    Practitioners and Organizations they are attributed to."""

    resource_type = "Patient"
    level = "patient"

    def offered_types(self) -> tuple[str, ...]:
        return tuple(t for t in EXPORT_TYPES if t != "Group")

    def get(self, request: Request) -> Response:
        return self.kick_off(request)

    post = get


class SystemExportView(ExportKickOff):
    """Kick-off: `GET|POST /fhir/$export`: what `Patient/$export` holds and every attribution
    list of the client (each type needs its scope; types without one are left out)."""

    level = "system"
    open_to_every_client = True

    def get_required_scopes(self, request: Request) -> list[str]:
        return []

    def get(self, request: Request) -> Response:
        return self.kick_off(request)

    post = get


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
    """Poll (GET) or cancel (DELETE) an export: the client that started it, whatever scopes
    its current token holds (each file still needs its type's scope)."""

    resource_type = "Group"
    open_to_every_client = True

    def get_required_scopes(self, request: Request) -> list[str]:
        return []

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
                if f["count"] and f["type"] != "OperationOutcome"
            ],
            "error": [
                {
                    "type": "OperationOutcome",
                    "url": request.build_absolute_uri(
                        reverse("fhir:bulk-file", args=[export.pk, "OperationOutcome"])
                    ),
                    "count": f["count"],
                }
                for f in export.files
                if f["count"] and f["type"] == "OperationOutcome"
            ],
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
        if resource_type == "OperationOutcome":  # the error file: any export's client may read
            return []
        return [fhir_scope(resource_type)] if resource_type else []

    @property
    def open_to_every_client(self) -> bool:
        return self.kwargs.get("resource_type") == "OperationOutcome"

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
