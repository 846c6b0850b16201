"""The roster CSV export, written by a job and recorded in the PHI access log."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from audit.services import access_record_create
from care.roster_columns import HEADERS, row_values
from care.selectors import RosterFilters, care_data_date, roster_queryset
from claims.selectors import withheld_beneficiary_ids
from core import csvfiles
from core.display import DASH

EXPORT_DIR = "exports"


def export_path(job: Any) -> Path | None:
    """Where the job's file is: under the media root, which no URL serves; the file is read
    only through the export page, which checks the caller and records the download."""
    name = (job.result or {}).get("file", "")
    if not name or os.sep in name or name.startswith("."):
        return None
    return Path(settings.MEDIA_ROOT) / EXPORT_DIR / name


def _private_file(path: Path) -> Any:
    """Open `path` for writing, readable by this process's user only (0600, folder 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return open(fd, "w", newline="", encoding="utf-8")  # noqa: PTH123 - an fd, not a path


def roster_export_write(*, job: Any, progress: Any) -> dict[str, Any]:
    """Write the roster as CSV for the user who asked, with that user's scope and filters.
    Idempotent: a rerun rewrites the same file (written to a temporary name, then renamed)."""
    filters = RosterFilters.from_data(dict(job.parameters))
    # The profile without its medication list (no roster column reads it).
    qs = (
        roster_queryset(user=job.created_by, entity=job.entity, filters=filters)
        .select_related("care")
        .defer("care__medications")
    )
    # An unguessable name, kept on the job: a rerun (the worker died) writes the same file.
    name = (job.result or {}).get("file") or f"roster-{secrets.token_urlsafe(24)}.csv"
    if not (job.result or {}).get("file"):
        job.result = {**(job.result or {}), "file": name}
        job.save(update_fields=["result"])
    path = export_path(job)
    assert path is not None
    tmp = path.with_suffix(".part")
    ids: list[int] = []
    progress(10, "Writing CSV")
    # Beneficiaries CMS withholds claims for keep their row and alignment, nothing from claims.
    held = withheld_beneficiary_ids(entity=job.entity)
    with _private_file(tmp) as handle:
        writer = csvfiles.writer(handle)
        # The roster page's columns, headers and values (care.roster_columns); a dash is empty.
        writer.writerow(HEADERS)
        for bene in qs.iterator(chunk_size=5000):
            values = row_values(bene, withheld=bene.pk in held)
            writer.writerow(["" if v == DASH else v for v in values])
            ids.append(bene.pk)
    tmp.replace(path)
    access_record_create(
        entity=job.entity,
        purpose="roster CSV export",
        route="care:roster_export",
        beneficiary_ids=ids,
        user=job.created_by,
        method="JOB",
        count=len(ids),
    )
    progress(100, "Done")
    # The date the figures were counted from (the care refresh's), which the page states.
    as_of = care_data_date(entity=job.entity)
    return {"rows": len(ids), "file": path.name, "as_of": as_of.isoformat() if as_of else None}


EXPORT_LIFETIME = timedelta(hours=24)


def roster_exports_expire(*, now: datetime) -> int:
    """Delete the roster CSV files of exports finished more than EXPORT_LIFETIME before `now`
    (a file of beneficiary data does not outlive its day), and mark their jobs expired; the
    export page then says the file is gone. Returns how many files were deleted."""
    from jobs.models import Job, JobState

    expired = 0
    old = Job.objects.filter(
        kind="care.roster_export",
        state=JobState.SUCCEEDED,
        finished_at__lt=now - EXPORT_LIFETIME,
    ).exclude(result__has_key="expired")
    for job in old.iterator():
        path = export_path(job)
        if path is not None and path.exists():
            path.unlink()
            expired += 1
        Job.objects.filter(pk=job.pk).update(result={**(job.result or {}), "expired": True})
    return expired
