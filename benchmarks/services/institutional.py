"""Long-term institutional (LTI) status: uploaded from CMS's reports, read by the risk scores.

CMS-HCC scores long-term institutionalized beneficiaries (90 days or more in a nursing home, which
CMS takes from MDS assessments) with its institutional segment. CCLF carries neither MDS nor the
status, and no source in domain.md states a claims-based proxy, so the platform does not guess:
the status is an input column, `lti_status`, uploaded per payment year from the report CMS gives
the entity (MSSP: ALR Table 1-1 `LTI_STATUS`, domain.md 8.3). Without an upload for a year every
beneficiary is scored in the community segments, and the risk pages and benchmark say so.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db import transaction

from benchmarks.models import InstitutionalStatus
from core.api import ApplicationError
from core.uploads import nul_problem

COLUMNS = ("mbi", "lti_status")
TRUE_VALUES = frozenset({"1", "Y", "YES", "TRUE"})
FALSE_VALUES = frozenset({"0", "N", "NO", "FALSE", ""})


def institutional_status_upload(
    *, entity: Any, year: int, content: bytes, source: str, user: Any = None
) -> int:
    """Replace the entity's LTI statuses for a payment year with a CSV (columns mbi,lti_status;
    1/Y = long-term institutionalized, 0/N/blank = community). All or nothing: any bad row
    rejects the file, with every error named by line and field. Returns the rows stored."""
    from beneficiaries.models import BeneficiaryMbi

    if not source.strip():
        raise ApplicationError("Say which CMS report the statuses come from.", {"field": "source"})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError("The file is not UTF-8 text.", {"field": "file"}) from exc
    if (problem := nul_problem(text)) is not None:
        raise ApplicationError(problem, {"field": "file"})
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if header[:2] != list(COLUMNS):
        raise ApplicationError(
            f"The columns must be {','.join(COLUMNS)}; found {','.join(header) or 'none'}.",
            {"field": "header"},
        )
    rows = [
        (line, (r.get(reader.fieldnames[0]) or "").strip().upper(), r.get(reader.fieldnames[1]))
        for line, r in enumerate(reader, start=2)
    ]
    known = {
        m.mbi: (m.beneficiary.merged_into_id or m.beneficiary_id)
        for m in BeneficiaryMbi.objects.filter(
            entity=entity, mbi__in={mbi for _, mbi, _ in rows}
        ).select_related("beneficiary")
    }
    errors: list[dict[str, Any]] = []
    statuses: dict[int, bool] = {}
    for line, mbi, raw in rows:
        value = (raw or "").strip().upper()
        if mbi not in known:
            # The MBI itself stays out of the message (it may be shown or logged).
            errors.append(
                {
                    "line": line,
                    "field": "mbi",
                    "message": "not an MBI of this entity's beneficiaries",
                }
            )
            continue
        if value not in TRUE_VALUES | FALSE_VALUES:
            errors.append(
                {"line": line, "field": "lti_status", "message": f"{raw!r} is not 1/Y or 0/N"}
            )
            continue
        bene = known[mbi]
        if bene in statuses:
            errors.append(
                {"line": line, "field": "mbi", "message": "a second row for the same beneficiary"}
            )
            continue
        statuses[bene] = value in TRUE_VALUES
    if errors:
        first = errors[0]
        raise ApplicationError(
            f"{len(errors)} row(s) rejected; line {first['line']}, {first['field']}: "
            f"{first['message']}. Nothing was stored.",
            {"errors": errors},
        )
    with transaction.atomic():
        InstitutionalStatus.objects.filter(entity=entity, year=year).delete()
        InstitutionalStatus.objects.bulk_create(
            InstitutionalStatus(
                entity=entity,
                beneficiary_id=bene,
                year=year,
                institutional=lti,
                source=source.strip(),
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            )
            for bene, lti in statuses.items()
        )
    return len(statuses)


def institutional_ids(*, entity: Any, year: int) -> tuple[set[int], str]:
    """The beneficiaries long-term institutionalized in a payment year, and where that came from."""
    rows = InstitutionalStatus.objects.filter(entity=entity, year=year)
    sources = sorted(set(rows.values_list("source", flat=True)))
    if not sources:
        return set(), (
            f"no LTI status uploaded for {year}: every beneficiary scored in the community segments"
        )
    ids = set(rows.filter(institutional=True).values_list("beneficiary_id", flat=True))
    return (
        ids,
        f"LTI status uploaded for {year} ({len(ids)} institutional) from {'; '.join(sources)}",
    )
