"""The roster CSV export, written by a job and recorded in the PHI access log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from audit.services import access_record_create
from care.selectors import RosterFilters, roster_queryset
from core import csvfiles

EXPORT_DIR = "exports"
COLUMNS = [
    "beneficiary_key",
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "mbi_last4",
    "open_care_gaps",
    "last_inpatient_discharge",
    "last_ed_visit",
]


def export_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORT_DIR / f"roster-{job_id}.csv"


def roster_export_write(*, job: Any, progress: Any) -> dict[str, Any]:
    """Write the roster as CSV for the user who asked, with that user's scope and filters.
    Idempotent: a rerun rewrites the same file (written to a temporary name, then renamed)."""
    filters = RosterFilters.from_data(dict(job.parameters))
    qs = roster_queryset(user=job.created_by, entity=job.entity, filters=filters).select_related(
        "care"
    )
    path = export_path(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    ids: list[int] = []
    progress(10, "Writing CSV")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csvfiles.writer(handle)
        writer.writerow(COLUMNS)
        for bene in qs.iterator(chunk_size=5000):
            care = getattr(bene, "care", None)
            writer.writerow(
                [
                    bene.pk,
                    bene.last_name,
                    bene.first_name,
                    bene.birth_date or "",
                    {"1": "M", "2": "F"}.get(bene.sex_code, ""),
                    bene.current_mbi[-4:],
                    care.open_gap_count if care else "",
                    (care.last_inpatient_discharge or "") if care else "",
                    (care.last_ed_visit or "") if care else "",
                ]
            )
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
    return {"rows": len(ids), "file": path.name}
