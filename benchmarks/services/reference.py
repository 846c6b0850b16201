"""Reference data: CSV uploads per program and year with their source, and the table a
calculation reads.

CSV columns: `name,segment,value,status,note` (segment, status and note optional). `name` comes
from the catalogue (benchmarks.engine.reference.CATALOGUE); `segment` is empty (all), an
enrollment type (esrd, disabled, aged_dual, aged_nondual) or a REACH group (aged_disabled);
`value` is a decimal or a fraction such as 1/3; `status` is cms (copied from a CMS report, the
default), V, R, 3P or demo. A bad file is refused whole, every error naming its line and field.

What a calculation reads, lowest precedence first: the program registry's parameters (entities
app, for the names mapped below), the national datasets of the year in version order (the shipped
defaults are version 1), then the entity's own datasets in version order.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from benchmarks.engine.reference import CATALOGUE, SEGMENTS, ReferenceTable
from benchmarks.engine.reference import ReferenceValue as EngineValue
from benchmarks.models import ReferenceDataset, ReferenceStatus, ReferenceValue
from core.api import ApplicationError
from core.uploads import nul_problem

DEFAULTS_DIR = Path(__file__).resolve().parent.parent / "data" / "defaults"
DEFAULTS_SOURCE = "OpenVBC defaults from domain.md (each value's note names its source)"
COLUMNS = ("name", "segment", "value", "status", "note")
MAX_ROWS = 5000

# Program-registry parameters (entities.ProgramParameter) that are benchmark inputs:
# (program, registry key, track code or None) -> catalogue name. Percents become fractions.
REGISTRY_PARAMETERS: dict[tuple[str, str, str | None], str] = {
    ("reach", "discount", "global"): "discount_pct_global",
    ("reach", "discount", "professional"): "discount_pct_professional",
    ("reach", "quality_withhold", None): "quality_withhold_pct",
    ("reach", "blend_weight_historical", None): "blend_historical_weight",
    ("reach", "blend_weight_regional", None): "blend_regional_weight",
    ("reach", "blend_adjustment_ceiling", None): "blend_ceiling_pct",
    ("reach", "risk_model_v24_weight", None): "hcc_weight_v24",
    ("reach", "risk_model_v28_weight", None): "hcc_weight_v28",
    ("reach", "risk_score_growth_cap", "standard"): "risk_cap_pct",
    ("reach", "risk_score_growth_cap_since_2019", None): "risk_cap_2019_pct",
    ("reach", "heba_top_decile_pbpm", None): "heba_top_decile_pbpm",
    ("reach", "heba_bottom_deciles_pbpm", None): "heba_bottom_deciles_pbpm",
    ("reach", "rta_threshold", None): "rta_threshold_pct",
}


@dataclass(frozen=True)
class ParsedValue:
    line: int
    name: str
    segment: str
    value: Decimal
    status: str
    note: str


def _number(text: str) -> Decimal:
    text = text.strip().replace(",", "")
    if "/" in text:
        numerator, denominator = text.split("/", 1)
        return Decimal(numerator.strip()) / Decimal(denominator.strip())
    return Decimal(text)


def parse_reference_csv(content: bytes, *, program_code: str, national: bool) -> list[ParsedValue]:
    """Parse and validate an uploaded CSV; raise ApplicationError listing every bad line/field."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError("The file is not UTF-8 text.", {"file": str(exc)}) from exc
    if (problem := nul_problem(text)) is not None:
        raise ApplicationError(problem, {"file": problem})
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("name", "value") if c not in header]
    if missing:
        raise ApplicationError(
            f"The header must have the columns {', '.join(COLUMNS)}; missing: {', '.join(missing)}.",
            {"errors": [{"line": 1, "field": f, "message": "missing column"} for f in missing]},
        )
    errors: list[dict[str, Any]] = []
    rows: list[ParsedValue] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        name, segment = row.get("name", ""), row.get("segment", "")
        status = row.get("status", "") or ReferenceStatus.CMS

        def bad(field: str, message: str, line: int = number) -> None:
            errors.append({"line": line, "field": field, "message": message})

        entry = CATALOGUE.get(name)
        if entry is None:
            bad("name", f"{name!r} is not a known reference value.")
        elif program_code not in entry.programs:
            bad("name", f"{name!r} is not used by the {program_code.upper()} benchmark.")
        elif national and entry.entity_specific:
            bad(
                "name",
                f"{name!r} is given by CMS per entity: upload it for an entity, not nationally.",
            )
        if segment not in SEGMENTS:
            bad("segment", f"{segment!r} is not an enrollment type or benchmark group.")
        if status not in ReferenceStatus.values:
            bad("status", f"{status!r} is not one of {', '.join(ReferenceStatus.values)}.")
        try:
            value = _number(row.get("value", ""))
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError, ZeroDivisionError):
            bad("value", f"{row.get('value', '')!r} is not a number.")
            value = Decimal(0)
        key = (name, segment)
        if key in seen:
            bad("name", f"{name!r} for {segment or 'all segments'} repeats line {seen[key]}.")
        seen[key] = number
        if len(rows) >= MAX_ROWS:
            bad("file", f"More than {MAX_ROWS} rows.")
            break
        rows.append(ParsedValue(number, name, segment, value, status, row.get("note", "")[:300]))
    if errors:
        raise ApplicationError(
            f"The file has {len(errors)} error(s); nothing was stored.", {"errors": errors}
        )
    if not rows:
        raise ApplicationError(
            "The file has no values.",
            {"errors": [{"line": 2, "field": "name", "message": "no rows"}]},
        )
    return rows


def reference_dataset_upload(
    *,
    program: Any,
    year: int,
    entity: Any,
    source: str,
    file_name: str,
    content: bytes,
    user: Any,
) -> ReferenceDataset:
    """Store an uploaded CSV as the next version of (program, year, entity): all or nothing.

    Uploading the same bytes as the latest version again changes nothing and returns it.
    """
    if not source.strip():
        raise ApplicationError("Say where the values come from.", {"source": "required"})
    if not 2000 <= int(year) <= 2100:
        raise ApplicationError(f"{year} is not a plausible year.", {"year": str(year)})
    if entity is not None and entity.program_id != program.pk:
        raise ApplicationError(f"{entity} is not in {program}.", {"entity": entity.cms_id})
    parsed = parse_reference_csv(content, program_code=program.code, national=entity is None)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        scope = ReferenceDataset.objects.select_for_update().filter(
            program=program, year=year, entity=entity
        )
        latest = scope.order_by("-version").first()
        if latest is not None and latest.sha256 == digest:
            return latest
        version = (scope.aggregate(v=Max("version"))["v"] or 0) + 1
        dataset = ReferenceDataset.objects.create(
            program=program,
            year=year,
            entity=entity,
            version=version,
            source=source.strip(),
            file_name=file_name[:200],
            sha256=digest,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        _store_values(ReferenceValue, dataset, parsed)
    return dataset


def _store_values(model: Any, dataset: Any, parsed: list[ParsedValue]) -> None:
    """The parsed rows of a CSV as values of `dataset` (`model`: the current or a migration's)."""
    model.objects.bulk_create(
        model(
            dataset=dataset,
            name=p.name,
            segment=p.segment,
            value=p.value,
            status=p.status,
            note=p.note,
        )
        for p in parsed
    )


def reference_defaults_load(
    *, program_model: Any = None, dataset_model: Any = None, value_model: Any = None
) -> int:
    """Load the shipped defaults (data/defaults/<program>_<year>.csv) as national version-1
    datasets where none exists yet. Used by a data migration (historical models) and the demo."""
    from entities.models import Program

    programs = program_model or Program
    datasets = dataset_model or ReferenceDataset
    values = value_model or ReferenceValue
    created = 0
    for path in sorted(DEFAULTS_DIR.glob("*.csv")):
        code, year = path.stem.split("_")
        program = programs.objects.filter(code=code).first()
        if (
            program is None
            or datasets.objects.filter(program=program, year=int(year), entity=None).exists()
        ):
            continue
        content = path.read_bytes()
        parsed = parse_reference_csv(content, program_code=code, national=True)
        dataset = datasets.objects.create(
            program=program,
            year=int(year),
            entity=None,
            version=1,
            source=DEFAULTS_SOURCE,
            file_name=path.name,
            sha256=hashlib.sha256(content).hexdigest(),
        )
        _store_values(values, dataset, parsed)
        created += 1
    return created


def _plain(value: Decimal) -> Decimal:
    """The stored value without the trailing zeros of its 18 decimal places (same number)."""
    normalized = value.normalize()
    return normalized.quantize(Decimal(1)) if normalized.as_tuple().exponent > 0 else normalized


def _registry_values(program_code: str, years: Iterable[int]) -> list[EngineValue]:
    from entities.models import ProgramParameter

    out: list[EngineValue] = []
    keys = {key for (program, key, _) in REGISTRY_PARAMETERS if program == program_code}
    parameters = ProgramParameter.objects.filter(
        program__code=program_code,
        performance_year__in=list(years),
        key__in=keys,
        value__isnull=False,
    ).select_related("track")
    for parameter in parameters:
        track = parameter.track.code if parameter.track is not None else None
        name = REGISTRY_PARAMETERS.get((program_code, parameter.key, track))
        if name is None:
            continue
        value = _plain(parameter.value / 100 if parameter.unit == "percent" else parameter.value)
        out.append(
            EngineValue(
                name=name,
                year=parameter.performance_year,
                segment="",
                value=value,
                source=f"Program registry ({parameter.key}{' ' + track if track else ''}): {parameter.source}",
                status=parameter.evidence,
                flagged=bool(parameter.to_confirm) or parameter.evidence != "V",
            )
        )
    return out


def reference_table_for(
    *, entity: Any, program_code: str, years: Iterable[int]
) -> tuple[ReferenceTable, list[ReferenceDataset]]:
    """The reference values in force for an entity and the given years, and the datasets used."""
    years = sorted(set(years))
    values = _registry_values(program_code, years)
    datasets = list(
        ReferenceDataset.objects.filter(program__code=program_code, year__in=years)
        .filter(Q(entity__isnull=True) | Q(entity=entity))
        .order_by("year", "entity_id", "version")
    )
    # National first (entity_id NULL sorts last in PostgreSQL, first in SQLite): order explicitly.
    datasets.sort(key=lambda d: (d.entity_id is not None, d.year, d.version))
    rows = ReferenceValue.objects.filter(dataset__in=datasets).values_list(
        "dataset_id", "name", "segment", "value", "status", "note"
    )
    by_dataset: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_dataset.setdefault(row[0], []).append(row)
    for dataset in datasets:
        for _, name, segment, value, status, note in by_dataset.get(dataset.pk, []):
            # A value's own note names its source (the shipped defaults); else the dataset's.
            source = f"{note} [{dataset}]" if note else f"{dataset.source} [{dataset}]"
            values.append(EngineValue(name, dataset.year, segment, _plain(value), source, status))
    return ReferenceTable(values), datasets
