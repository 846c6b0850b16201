"""Load the shipped parameter tables (the CSV files beside this module) into the engine's
frozen dataclasses.

Each CSV row holds one value with its evidence tag (V, R or 3P, as in domain.md) and its source;
`manifest.json` gives each table's version, which every explanation quotes. The engine never
reads these files: the caller loads a `ParameterBook` here and passes the tables in. When the
entities app's parameter tables land (branch `entities`), a second loader can build the same
dataclasses from the database.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from settlement.engine.parameters import (
    CorridorBand,
    Evidence,
    LossLimitMethod,
    LossRateMethod,
    MCPParameters,
    MSRBand,
    MSRTable,
    MSSPTrack,
    MSSPTrackParameters,
    ParameterBook,
    ParameterNote,
    ReachArrangement,
    ReachParameters,
    Risk,
)

DIRECTORY = Path(__file__).resolve().parent
ALL = "*"


class ParameterFileError(ValueError):
    """A parameter file that cannot be read: names the file, line and column."""


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row


def _years(path: Path, line: int, row: dict[str, str]) -> range:
    try:
        first, last = int(row["performance_year_from"]), int(row["performance_year_to"])
    except (KeyError, ValueError) as exc:
        raise ParameterFileError(f"{path.name} line {line}: bad performance year range") from exc
    return range(first, last + 1)


def _decimal(path: Path, line: int, column: str, text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ParameterFileError(
            f"{path.name} line {line}, column {column}: {text!r} is not a number"
        ) from exc


_MSSP_FIELDS = {f.name: f for f in fields(MSSPTrackParameters)}
_MSSP_CONVERT: dict[str, Any] = {
    "risk": Risk,
    "loss_rate_method": LossRateMethod,
    "loss_limit_method": LossLimitMethod,
    "fixed_msr_options": lambda text: tuple(Decimal(part) for part in text.split(";")),
    "fixed_msr_min_beneficiaries": int,
    "low_revenue_min_beneficiaries": int,
    "alternative_qps_sliding_scale": lambda text: text == "true",
    "low_revenue_half_rate": lambda text: text == "true",
    "sequestration_on_losses": lambda text: text == "true",
}


def _convert(name: str, text: str) -> Any:
    converter = _MSSP_CONVERT.get(name, Decimal)
    return converter(text)


def _load_mssp(directory: Path, version: str) -> dict[tuple[int, MSSPTrack], MSSPTrackParameters]:
    path = directory / "mssp_tracks.csv"
    values: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
    notes: dict[tuple[int, str], list[ParameterNote]] = defaultdict(list)
    for line, row in _rows(path):
        name = row["parameter"]
        if name not in _MSSP_FIELDS or name in ("performance_year", "track", "version", "notes"):
            raise ParameterFileError(f"{path.name} line {line}, column parameter: unknown {name!r}")
        try:
            value = _convert(name, row["value"])
            evidence = Evidence(row["evidence"])
        except (ValueError, InvalidOperation) as exc:
            raise ParameterFileError(f"{path.name} line {line}: {exc}") from exc
        for year in _years(path, line, row):
            key = (year, row["track"])
            values[key][name] = value
            notes[key].append(ParameterNote(name, row["value"], evidence, row["source"]))
    tables = {}
    for (year, track), own in values.items():
        if track == ALL:
            continue
        merged = {**values.get((year, ALL), {}), **own}
        merged_notes = notes.get((year, ALL), []) + notes[(year, track)]
        try:
            tables[(year, MSSPTrack(track))] = MSSPTrackParameters(
                performance_year=year,
                track=MSSPTrack(track),
                version=version,
                notes=tuple(merged_notes),
                **merged,
            )
        except (TypeError, ValueError) as exc:
            raise ParameterFileError(f"{path.name}: PY{year} {track}: {exc}") from exc
    return tables


def _load_msr(directory: Path, version: str) -> dict[int, MSRTable]:
    path = directory / "mssp_msr_bands.csv"
    bands: dict[int, list[MSRBand]] = defaultdict(list)
    notes: dict[int, list[ParameterNote]] = defaultdict(list)
    for line, row in _rows(path):
        band = MSRBand(
            low_n=int(row["n_assigned_low"]),
            high_n=int(row["n_assigned_high"]) if row["n_assigned_high"] else None,
            pct_at_low=_decimal(path, line, "msr_pct_at_low", row["msr_pct_at_low"]),
            pct_at_high=_decimal(path, line, "msr_pct_at_high", row["msr_pct_at_high"]),
        )
        for year in _years(path, line, row):
            bands[year].append(band)
            notes[year].append(
                ParameterNote(
                    f"msr_band_{band.low_n}",
                    f"{band.pct_at_low}-{band.pct_at_high}",
                    Evidence(row["evidence"]),
                    row["source"],
                )
            )
    return {
        year: MSRTable(
            version=version, bands=tuple(sorted(b, key=lambda x: x.low_n)), notes=tuple(notes[year])
        )
        for year, b in bands.items()
    }


def _load_reach(
    directory: Path, version: str
) -> dict[tuple[int, ReachArrangement], ReachParameters]:
    path = directory / "reach.csv"
    values: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
    notes: dict[tuple[int, str], list[ParameterNote]] = defaultdict(list)
    for line, row in _rows(path):
        name = row["parameter"]
        value: Any = (
            row["value"] == "true"
            if name == "sequestration_on_losses"
            else _decimal(path, line, "value", row["value"])
        )
        for year in _years(path, line, row):
            values[(year, row["arrangement"])][name] = value
            notes[(year, row["arrangement"])].append(
                ParameterNote(name, row["value"], Evidence(row["evidence"]), row["source"])
            )
    corridors_path = directory / "reach_corridors.csv"
    corridors: dict[tuple[int, str], list[CorridorBand]] = defaultdict(list)
    for line, row in _rows(corridors_path):
        band = CorridorBand(
            lower=_decimal(corridors_path, line, "lower_pct", row["lower_pct"]) / 100,
            upper=_decimal(corridors_path, line, "upper_pct", row["upper_pct"]) / 100
            if row["upper_pct"]
            else None,
            share=_decimal(corridors_path, line, "share_pct", row["share_pct"]) / 100,
        )
        for year in _years(corridors_path, line, row):
            corridors[(year, row["arrangement"])].append(band)
            notes[(year, row["arrangement"])].append(
                ParameterNote(
                    f"corridor_{row['lower_pct']}",
                    f"{row['lower_pct']}-{row['upper_pct'] or 'up'}%: {row['share_pct']}%",
                    Evidence(row["evidence"]),
                    row["source"],
                )
            )
    tables = {}
    for (year, arrangement), bands in corridors.items():
        merged = {**values.get((year, ALL), {}), **values.get((year, arrangement), {})}
        tables[(year, ReachArrangement(arrangement))] = ReachParameters(
            performance_year=year,
            arrangement=ReachArrangement(arrangement),
            version=version,
            corridors=tuple(sorted(bands, key=lambda b: b.lower)),
            notes=tuple(notes.get((year, ALL), []) + notes[(year, arrangement)]),
            **merged,
        )
    return tables


def _load_mcp(directory: Path, version: str) -> dict[int, MCPParameters]:
    path = directory / "mcp.csv"
    values: dict[int, dict[str, Any]] = {1: {}, 2: {}, 3: {}}
    notes: dict[int, list[ParameterNote]] = {1: [], 2: [], 3: []}
    esp: dict[int, dict[int, Decimal]] = {1: {}, 2: {}, 3: {}}
    for line, row in _rows(path):
        track, name = int(row["track"]), row["parameter"]
        if name.startswith("esp_pbpm_tier_"):
            esp[track][int(name.removeprefix("esp_pbpm_tier_"))] = _decimal(
                path, line, "value", row["value"]
            )
        elif name == "uip_installments":
            values[track][name] = int(row["value"])
        else:
            values[track][name] = _decimal(path, line, "value", row["value"])
        notes[track].append(
            ParameterNote(name, row["value"], Evidence(row["evidence"]), row["source"])
        )
    return {
        track: MCPParameters(
            track=track,
            version=version,
            esp_pbpm_by_tier=esp[track],
            uip_total=values[track].get("uip_total"),
            uip_installments=values[track].get("uip_installments", 0),
            pip_max_rate=values[track].get("pip_max_rate"),
            notes=tuple(notes[track]),
        )
        for track in (1, 2, 3)
    }


def load_parameter_book(directory: Path | None = None) -> ParameterBook:
    """Every shipped table, as the engine's dataclasses. Cached for the shipped directory."""
    if directory is None:
        return _shipped_book()
    return _load(directory)


def _load(directory: Path) -> ParameterBook:
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    return ParameterBook(
        mssp=_load_mssp(directory, manifest["mssp_tracks"]["version"]),
        msr_tables=_load_msr(directory, manifest["mssp_msr_bands"]["version"]),
        reach=_load_reach(directory, manifest["reach"]["version"]),
        mcp=_load_mcp(directory, manifest["mcp"]["version"]),
    )


@cache
def _shipped_book() -> ParameterBook:
    return _load(DIRECTORY)
