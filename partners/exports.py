"""FHIR Bulk Data export of an attribution list: start, write (as a job), cancel, purge.

The job writes one NDJSON file per resource type into the default storage under
`partners/exports/<export id>/`, every line a resource validated by fhir.resources. Writing is
idempotent: a job run again after its worker died rewrites the same files. Files expire 24 hours
after they are written; `bulk_exports_purge` deletes them (a beat task runs it hourly).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.api import ApplicationError
from jobs.models import ACTIVE_STATES, Job
from jobs.registry import Progress
from jobs.services import job_enqueue, job_mark_failed
from partners import attribution, lead_groups
from partners.authentication import ClientPrincipal
from partners.fhir import resources
from partners.models import BulkExport, PartnerClient
from partners.scopes import EXPORT_TYPES

EXPORT_JOB = "partners.bulk_export"
FILE_LIFETIME = dt.timedelta(hours=24)
# Progress is reported and cancellation checked every this many lines.
CHECK_EVERY = 5000


class ExportBusy(ApplicationError):
    """The client already has an export running."""


class ExportCancelled(Exception):
    pass


def bulk_export_start(
    *,
    client: PartnerClient,
    group: attribution.AttributionList,
    types: list[str],
    since: dt.datetime | None,
    request_url: str,
) -> BulkExport:
    """Queue an export of `group` for `client`. One export per client runs at a time."""
    with transaction.atomic():
        # The client's row is the lock that keeps two kick-offs from both starting.
        PartnerClient.objects.select_for_update().get(pk=client.pk)
        running = BulkExport.objects.filter(
            client=client, cancelled_at__isnull=True, job__state__in=ACTIVE_STATES
        ).first()
        if running is not None:
            raise ExportBusy(
                "An export of this client is still running; poll it, or cancel it with DELETE.",
                {"export": str(running.pk)},
            )
        export = BulkExport.objects.create(
            client=client,
            entity=group.entity,
            group_id=group.id,
            types=types,
            since=since,
            request_url=request_url[:2000],
        )
        export.job = job_enqueue(
            kind=EXPORT_JOB, entity=group.entity, parameters={"export_id": str(export.pk)}
        )
        export.save(update_fields=["job"])
    return export


def bulk_export_cancel(*, export: BulkExport) -> BulkExport:
    """DELETE on the status URL: stop the job (a running job stops at its next check) and
    delete whatever files it wrote."""
    with transaction.atomic():
        export = BulkExport.objects.select_for_update().get(pk=export.pk)
        if export.cancelled_at is None:
            export.cancelled_at = timezone.now()
            export.save(update_fields=["cancelled_at"])
        if export.job_id:
            job_mark_failed(job_id=export.job_id, error="Cancelled by the client.")
    _delete_files(export)
    return export


def bulk_exports_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their expiry (and of cancelled ones); returns how many
    exports were purged."""
    now = now or timezone.now()
    purged = 0
    stale = BulkExport.objects.filter(purged_at__isnull=True, expires_at__lt=now) | (
        BulkExport.objects.filter(purged_at__isnull=True, cancelled_at__isnull=False)
    )
    for export in stale:
        _delete_files(export)
        BulkExport.objects.filter(pk=export.pk).update(purged_at=now)
        purged += 1
    return purged


def _delete_files(export: BulkExport) -> None:
    directories, names = (
        default_storage.listdir(export.storage_prefix)
        if default_storage.exists(export.storage_prefix)
        else ([], [])
    )
    for name in names:
        default_storage.delete(f"{export.storage_prefix}/{name}")


def export_file_name(resource_type: str) -> str:
    return f"{resource_type}.ndjson"


def export_file_path(export: BulkExport, resource_type: str) -> str:
    return f"{export.storage_prefix}/{export_file_name(resource_type)}"


# ------------------------------------------------------------------ the job


def _write(
    export: BulkExport,
    resource_type: str,
    lines: Iterable[dict[str, Any]],
    check: Callable[[int], None],
) -> int:
    """Write one NDJSON file through a temporary file (memory stays flat); returns its lines."""
    count = 0
    with tempfile.TemporaryFile() as handle:
        for resource in lines:
            handle.write(json.dumps(resource, separators=(",", ":")).encode())
            handle.write(b"\n")
            count += 1
            if count % CHECK_EVERY == 0:
                check(count)
        handle.seek(0)
        path = export_file_path(export, resource_type)
        # Run again (a worker died), the job rewrites the same name.
        default_storage.delete(path)
        default_storage.save(path, File(handle))
    return count


def _resources(
    resource_type: str, members: attribution.Members, since: dt.datetime | None
) -> Iterator[dict[str, Any]]:
    if resource_type == "Group":
        if since is None or members.list_changed_since(since):
            yield members.group_resource()
        return
    if resource_type in ("Patient", "Coverage"):
        build = resources.patient if resource_type == "Patient" else resources.coverage
        for beneficiary in members.beneficiaries(since=since):
            yield build(beneficiary)
    elif resource_type == "Practitioner":
        for provider in members.practitioners(since=since):
            yield resources.practitioner(provider)
    elif resource_type == "Organization":
        if since is None or members.entity_changed_since(since):
            yield resources.entity_organization(members.entity)
        for organization in members.organizations(since=since):
            yield resources.organization(organization, members.entity)


def bulk_export_run(job: Job, progress: Progress) -> dict[str, Any]:
    """The job handler: write every requested type of the Group's resources."""
    export = BulkExport.objects.select_related("client__entity", "client__application").get(
        pk=job.parameters["export_id"]
    )

    def check(done: int) -> None:
        if BulkExport.objects.filter(pk=export.pk, cancelled_at__isnull=False).exists():
            raise ExportCancelled
        progress(min(95, 5 + int(90 * step / len(types))), f"{current}: {done} written")

    if export.cancelled_at is not None:
        raise ExportCancelled("Cancelled by the client.")
    principal = ClientPrincipal(export.client)
    group = lead_groups.group_get(principal=principal, group_id=export.group_id)
    if group is None:
        raise ApplicationError(f"Group/{export.group_id} is no longer visible to this client.")
    transaction_time = timezone.now()
    members = lead_groups.members_of(group)
    types = [t for t in EXPORT_TYPES if t in export.types]
    files = []
    try:
        for step, current in enumerate(types):
            progress(5 + int(90 * step / len(types)), f"Writing {current}")
            count = _write(export, current, _resources(current, members, export.since), check)
            files.append({"type": current, "name": export_file_name(current), "count": count})
            check(count)
    except ExportCancelled:
        _delete_files(export)
        raise ExportCancelled("Cancelled by the client.") from None
    ids = members.beneficiary_ids(since=export.since)
    finished = timezone.now()
    BulkExport.objects.filter(pk=export.pk).update(
        files=files,
        transaction_time=transaction_time,
        finished_at=finished,
        expires_at=finished + FILE_LIFETIME,
        beneficiary_ids=ids[:1000],
        beneficiary_count=len(ids),
    )
    return {"export": str(export.pk), "files": files}


def export_types_allowed(types: list[str], scopes: Iterable[str]) -> list[str]:
    """The requested types the token's scopes cover (a type needs `system/<Type>.read`)."""
    granted = set(scopes)
    return [t for t in types if f"system/{t}.read" in granted]
