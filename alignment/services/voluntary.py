"""Voluntary alignment records: entered one at a time (admin console) or imported from CSV.

A designation is valid when the NPI is on the entity's participant list on the signature date
(domain.md 1.2 "Voluntary alignment": an ACO professional; 1.4: a REACH participant provider,
never a preferred one). A CSV import is all-or-nothing: every row is checked first, and one bad
row stores nothing, with an error naming its line and field.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from alignment.models import VoluntaryAlignment, VoluntarySource
from beneficiaries.models import Beneficiary, BeneficiaryMbi
from core.api import ApplicationError
from core.logging import MBI_PATTERN
from entities.choices import ParticipationRole
from entities.identifiers import is_valid_npi
from entities.models import Entity, Participation

CSV_COLUMNS = ("mbi", "npi", "signature_date", "source", "tin")
REQUIRED_COLUMNS = ("mbi", "npi", "signature_date")


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass(frozen=True)
class _Lookups:
    """What the checks need from the database, read once for all the rows being checked."""

    beneficiaries: frozenset[int]
    periods: dict[str, list[tuple[str, date, date | None]]]  # npi -> (tin, start, end)
    recorded: frozenset[tuple[int, str, date]]

    @staticmethod
    def load(*, entity: Entity, beneficiary_ids: set[int], npis: set[str]) -> _Lookups:
        periods: dict[str, list[tuple[str, date, date | None]]] = {}
        rows = (
            Participation.objects.for_entity(entity)
            .filter(role=ParticipationRole.PARTICIPANT, provider__npi__in=npis)
            .values_list("provider__npi", "organization__tin", "start_date", "end_date")
        )
        for npi, tin, start, end in rows:
            periods.setdefault(npi, []).append((tin, start, end))
        known = Beneficiary.objects.filter(entity=entity, pk__in=beneficiary_ids)
        recorded = VoluntaryAlignment.objects.filter(
            entity=entity, beneficiary_id__in=beneficiary_ids
        )
        return _Lookups(
            beneficiaries=frozenset(known.values_list("pk", flat=True)),
            periods=periods,
            recorded=frozenset(recorded.values_list("beneficiary_id", "npi", "signature_date")),
        )

    def tins_on(self, npi: str, day: date) -> list[str]:
        """The TINs the NPI billed through as a participant on `day`."""
        return sorted(
            {
                tin
                for tin, start, end in self.periods.get(npi, [])
                if start <= day and (end is None or day <= end)
            }
        )


def _designated_tin(
    *, entity: Entity, npi: str, signed: date, tin: str, lookups: _Lookups
) -> tuple[str | None, str | None]:
    """The TIN the NPI billed through as a participant on the signature date, or an error."""
    tins = lookups.tins_on(npi, signed)
    if not tins:
        return (
            None,
            f"NPI {npi} was not a participant provider of {entity.cms_id} on {signed.isoformat()}.",
        )
    if tin:
        if tin not in tins:
            return (
                None,
                f"NPI {npi} did not bill through TIN {tin} for {entity.cms_id} on {signed.isoformat()}.",
            )
        return tin, None
    if len(tins) > 1:
        return None, f"NPI {npi} billed through several TINs ({', '.join(tins)}); give the TIN."
    return tins[0], None


def _check(
    *,
    entity: Entity,
    beneficiary_id: int | None,
    npi: str,
    signature_date: date,
    source: str,
    tin: str,
    today: date,
    lookups: _Lookups | None = None,
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    npi, tin = npi.strip(), tin.strip()
    if lookups is None:
        bene_ids = {beneficiary_id} if beneficiary_id is not None else set()
        lookups = _Lookups.load(entity=entity, beneficiary_ids=bene_ids, npis={npi})
    if not is_valid_npi(npi):
        errors.append(("npi", f"{npi!r} is not a valid NPI (10 digits with a Luhn check digit)."))
    if signature_date > today:
        errors.append(("signature_date", f"{signature_date.isoformat()} is in the future."))
    if source not in VoluntarySource.values:
        errors.append(("source", f"{source!r} is not one of {', '.join(VoluntarySource.values)}."))
    if beneficiary_id is None or beneficiary_id not in lookups.beneficiaries:
        errors.append(("beneficiary", f"No such beneficiary of {entity.cms_id}."))
    if errors:
        return None, errors
    designated, problem = _designated_tin(
        entity=entity, npi=npi, signed=signature_date, tin=tin, lookups=lookups
    )
    if problem:
        return None, [("npi", problem)]
    if (beneficiary_id, npi, signature_date) in lookups.recorded:
        return None, [("signature_date", "This designation is already recorded.")]
    return {
        "entity": entity,
        "beneficiary_id": beneficiary_id,
        "npi": npi,
        "tin": designated,
        "signature_date": signature_date,
        "source": source,
    }, []


def voluntary_alignment_check(
    *,
    entity: Entity,
    beneficiary_id: int | None,
    npi: str,
    signature_date: date,
    source: str,
    today: date,
    tin: str = "",
) -> list[tuple[str, str]]:
    """The (field, message) problems of a designation; empty when it may be recorded."""
    return _check(
        entity=entity,
        beneficiary_id=beneficiary_id,
        npi=npi,
        signature_date=signature_date,
        source=source,
        tin=tin,
        today=today,
    )[1]


def voluntary_alignment_create(
    *,
    entity: Entity,
    beneficiary_id: int,
    npi: str,
    signature_date: date,
    source: str,
    today: date,
    tin: str = "",
    acting_user: Any = None,
) -> VoluntaryAlignment:
    """Record one designation after checking it against the participant list."""
    fields, errors = _check(
        entity=entity,
        beneficiary_id=beneficiary_id,
        npi=npi,
        signature_date=signature_date,
        source=source,
        tin=tin,
        today=today,
    )
    if errors:
        field, message = errors[0]
        raise ApplicationError(message, {"field": field})
    record = VoluntaryAlignment(
        **fields,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    try:
        record.full_clean()
    except ValidationError as exc:
        raise ApplicationError(
            "; ".join(exc.messages), {"field": next(iter(exc.message_dict), "")}
        ) from exc
    record.save()
    return record


def voluntary_alignment_import(
    *, entity: Entity, text: str, today: date, acting_user: Any = None
) -> tuple[int, list[RowError]]:
    """Import designations from CSV (columns mbi, npi, signature_date as YYYY-MM-DD, and
    optionally source and tin). Returns (rows stored, errors); with any error nothing is stored."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return 0, [RowError(1, "header", f"missing column(s): {', '.join(missing)}")]
    reader.fieldnames = header
    rows = list(reader)
    mbis = {row["mbi"].strip().upper() for row in rows if row.get("mbi")}
    person = dict(
        BeneficiaryMbi.objects.filter(
            entity=entity, mbi__in=mbis, beneficiary__isnull=False
        ).values_list("mbi", "beneficiary_id")
    )
    lookups = _Lookups.load(
        entity=entity,
        beneficiary_ids=set(person.values()),
        npis={(row.get("npi") or "").strip() for row in rows},
    )
    errors: list[RowError] = []
    records: list[VoluntaryAlignment] = []
    seen: set[tuple[int, str, date]] = set()
    for line, row in enumerate(rows, start=2):
        mbi = (row.get("mbi") or "").strip().upper()
        if not MBI_PATTERN.fullmatch(mbi):
            # The value is not echoed back: it may be a real identifier typed in the wrong column.
            errors.append(RowError(line, "mbi", "not a valid MBI"))
            continue
        try:
            signed = date.fromisoformat((row.get("signature_date") or "").strip())
        except ValueError:
            errors.append(
                RowError(
                    line,
                    "signature_date",
                    f"{row.get('signature_date')!r} is not a date (YYYY-MM-DD)",
                )
            )
            continue
        fields, problems = _check(
            entity=entity,
            beneficiary_id=person.get(mbi),
            npi=row.get("npi") or "",
            signature_date=signed,
            source=(row.get("source") or VoluntarySource.MEDICARE_GOV).strip(),
            tin=row.get("tin") or "",
            today=today,
            lookups=lookups,
        )
        errors.extend(RowError(line, f, m) for f, m in problems)
        if fields is None:
            continue
        key = (fields["beneficiary_id"], fields["npi"], signed)
        if key in seen:
            errors.append(
                RowError(line, "signature_date", "the same designation appears twice in the file")
            )
            continue
        seen.add(key)
        records.append(
            VoluntaryAlignment(
                **fields,
                created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
            )
        )
    if errors:
        return 0, errors
    with transaction.atomic():
        VoluntaryAlignment.objects.bulk_create(records)
    return len(records), []
