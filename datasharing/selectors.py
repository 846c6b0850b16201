"""Reads: who CMS withholds claims for, as of a date.

The rule (CCLF Information Packet 2.4.1; 42 CFR 425.708): per MBI, the latest preference row in
force on the date decides whether the beneficiary declined data sharing, and the latest
suppression row whether CMS suppressed their claims after its quarterly check; "resumed" does not
undo a declined preference. A beneficiary is withheld when either says so. Rows in force on a
date are those with `effective_date` on or before it (the date CMS gives); among rows of one
date, the later file wins.

`as_of=None` reads "as of the latest file": the rows in force on the latest file's date, and, to
err on the side of the beneficiary, any later-dated row that withholds. Readers of claims go
through `claims.selectors` (`withheld_beneficiary_ids`, `shareable_claims`), which use these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Max, QuerySet

from datasharing.layouts import DECLINED, LAYOUTS, SUPPRESSED
from datasharing.models import DataSharingFile, DataSharingRecord


@dataclass(frozen=True)
class Withholding:
    """Why CMS withholds one beneficiary's claims, for the page: what, from when, which file."""

    mbi: str
    reason: str  # DECLINED or SUPPRESSED
    effective_date: date
    source: str  # the file's title and date
    program: str

    @property
    def declined(self) -> bool:
        return self.reason == DECLINED


def _entity_id(entity: Any) -> int:
    return int(getattr(entity, "pk", entity))


def latest_file_date(*, entity: Any) -> date | None:
    return DataSharingFile.objects.filter(entity_id=_entity_id(entity)).aggregate(
        d=Max("file_date")
    )["d"]


def _rows(entity_id: int, mbis: list[str] | None) -> QuerySet[DataSharingRecord]:
    rows = DataSharingRecord.objects.filter(entity_id=entity_id)
    if mbis is not None:
        rows = rows.filter(mbi__in=mbis)
    return rows.select_related("file").order_by(
        "mbi", "effective_date", "file__file_date", "file_id", "line"
    )


def withholdings(
    *, entity: Any, as_of: date | None = None, mbis: list[str] | None = None
) -> dict[str, Withholding]:
    """The MBIs whose claims CMS withholds from the entity as of `as_of`, with the reason."""
    rows = list(_rows(_entity_id(entity), mbis))  # one query; none when no file was loaded
    if not rows:
        return {}
    cut = as_of if as_of is not None else max(row.file.file_date for row in rows)
    state: dict[str, dict[str, DataSharingRecord]] = {}
    later: dict[str, DataSharingRecord] = {}
    for row in rows:
        if row.effective_date > cut:
            if as_of is None and (row.preference == DECLINED or row.suppression == SUPPRESSED):
                later.setdefault(row.mbi, row)
            continue
        current = state.setdefault(row.mbi, {})
        if row.preference:
            current["preference"] = row
        if row.suppression:
            current["suppression"] = row
    out: dict[str, Withholding] = {}
    for mbi, current in state.items():
        pref, supp = current.get("preference"), current.get("suppression")
        if pref is not None and pref.preference == DECLINED:
            out[mbi] = _withholding(pref, DECLINED)
        elif supp is not None and supp.suppression == SUPPRESSED:
            out[mbi] = _withholding(supp, SUPPRESSED)
    for mbi, row in later.items():
        out.setdefault(
            mbi, _withholding(row, DECLINED if row.preference == DECLINED else SUPPRESSED)
        )
    return out


def _withholding(row: DataSharingRecord, reason: str) -> Withholding:
    layout = LAYOUTS[row.file.kind]
    return Withholding(
        mbi=row.mbi,
        reason=reason,
        effective_date=row.effective_date,
        source=f"{layout.title} of {row.file.file_date:%Y-%m-%d}",
        program=layout.program,
    )


def data_sharing_files(*, user: Any) -> QuerySet[DataSharingFile]:
    """The files of the user's entities, newest first."""
    return DataSharingFile.objects.for_user(user).select_related("entity")
