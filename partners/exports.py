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
from django.db.models import Q
from django.utils import timezone

from beneficiaries.models import Beneficiary
from core.api import ApplicationError
from entities.models import ParticipantOrganization, Provider
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
    group: attribution.AttributionList | None,
    types: list[str],
    since: dt.datetime | None,
    request_url: str,
    level: str = "group",
    patients: list[int] | None = None,
    issues: list[str] | None = None,
) -> BulkExport:
    """Queue an export of `group` (or, at the patient and system levels, of every list the
    client may read) for `client`. One export per client runs at a time."""
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
            entity=group.entity if group else client.entity,
            group_id=group.id if group else "",
            level=level,
            types=types,
            since=since,
            patients=patients,
            issues=issues or [],
            request_url=request_url[:2000],
        )
        export.job = job_enqueue(
            kind=EXPORT_JOB, entity=export.entity, parameters={"export_id": str(export.pk)}
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


class Population:
    """What one export reads: the Members of one or more attribution lists (their union: the
    members, those who left included, and the clinicians and TINs they are attributed to) and
    the Groups it writes."""

    def __init__(self, sources: list[attribution.Members], groups: list[attribution.Members]):
        self.sources = sources
        self.groups = groups
        self.entities = list({m.entity.pk: m.entity for m in sources}.values())

    def beneficiaries(self, since: dt.datetime | None) -> Iterator[Any]:
        if not self.sources:
            return iter(())
        wanted = Q()
        for members in self.sources:
            wanted |= members.beneficiary_filter(since)
        return (
            Beneficiary.objects.filter(entity__in=self.entities)
            .filter(wanted)
            .order_by("pk")
            .iterator(chunk_size=2000)
        )

    def beneficiary_ids(self, since: dt.datetime | None) -> list[int]:
        return [b.pk for b in self.beneficiaries(since)]

    def member_ids(self) -> set[int]:
        return {m.beneficiary_id for members in self.sources for m in members.listed}

    def practitioners(self, since: dt.datetime | None) -> Any:
        npis = set().union(*(m.npis() for m in self.sources))
        rows = Provider.objects.filter(npi__in=npis).select_related("specialty")
        return (rows.filter(updated_at__gt=since) if since else rows).order_by("pk")

    def organizations(self, since: dt.datetime | None) -> Any:
        tins = set().union(*(m.tins() for m in self.sources))
        rows = ParticipantOrganization.objects.filter(
            tin__in=tins, participations__entity__in=self.entities
        ).distinct()
        return (rows.filter(updated_at__gt=since) if since else rows).order_by("pk")


def export_population(export: BulkExport, principal: Any) -> Population:
    """The lists an export reads: its Group, or every list the client may read (the patient
    and system levels; only the system level writes their Groups)."""
    if export.level == "group":
        # An attribution list or a specialist TIN's lead-specialist list.
        group = lead_groups.group_get(principal=principal, group_id=export.group_id)
        if group is None:
            raise ApplicationError(f"Group/{export.group_id} is no longer visible to this client.")
        members = lead_groups.members_of(group, patients=export.patients)
        return Population([members], [members])
    lists = [attribution.Members(g) for g in attribution.attribution_lists(principal=principal)]
    # An entity's list holds its TINs' lists' members; the TIN lists add those who moved.
    if export.level != "system":
        return Population(lists, [])
    # The system level writes the lead-specialist Groups too, and every member they reference.
    lists += [lead_groups.members_of(g) for g in lead_groups.lead_lists(principal=principal)]
    return Population(lists, lists)


def _resources(
    resource_type: str, population: Population, since: dt.datetime | None
) -> Iterator[dict[str, Any]]:
    if resource_type == "Group":
        for members in population.groups:
            if since is None or members.list_changed_since(since):
                yield members.group_resource()
        return
    if resource_type in ("Patient", "Coverage"):
        build = resources.patient if resource_type == "Patient" else resources.coverage
        for beneficiary in population.beneficiaries(since):
            yield build(beneficiary)
    elif resource_type == "Practitioner":
        for provider in population.practitioners(since):
            yield resources.practitioner(provider)
    elif resource_type == "Organization":
        for entity in population.entities:
            if since is None or attribution.entity_changed_since(entity, since):
                yield resources.entity_organization(entity)
        for organization in population.organizations(since):
            yield resources.organization(organization, population.entities[0])


def _issues(export: BulkExport, population: Population) -> list[str]:
    """The export's OperationOutcome messages: bad `patient` references, and members asked
    for that are not on the list (ATR: ignored, each reported)."""
    issues = list(export.issues)
    if export.patients is not None:
        listed = population.member_ids()
        issues += [
            f"patient 'Patient/{pk}' is not a member of Group/{export.group_id}; ignored."
            for pk in export.patients
            if pk not in listed
        ]
    return issues


def bulk_export_run(job: Job, progress: Progress) -> dict[str, Any]:
    """The job handler: write every requested type of the export's resources."""
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
    population = export_population(export, principal)
    transaction_time = timezone.now()
    types = [t for t in EXPORT_TYPES if t in export.types]
    files = []
    step, current = 0, ""
    try:
        for step, current in enumerate(types):
            progress(5 + int(90 * step / len(types)), f"Writing {current}")
            count = _write(export, current, _resources(current, population, export.since), check)
            files.append({"type": current, "name": export_file_name(current), "count": count})
            check(count)
        issues = _issues(export, population)
        if issues:
            outcomes = (
                resources.operation_outcome(message, code="not-found", severity="warning")
                for message in issues
            )
            count = _write(export, "OperationOutcome", outcomes, check)
            files.append(
                {
                    "type": "OperationOutcome",
                    "name": export_file_name("OperationOutcome"),
                    "count": count,
                }
            )
    except ExportCancelled:
        _delete_files(export)
        raise ExportCancelled("Cancelled by the client.") from None
    ids = population.beneficiary_ids(export.since)
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
