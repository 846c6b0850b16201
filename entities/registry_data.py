"""Loads the shipped program registry (entities/data/registry/*.csv) into the database.

Called by data migrations with the migration's historical models (`apps`), so it must not import
the app's models. Rows are matched on their natural keys and updated in place: loading twice
changes nothing. A change to a shipped value goes in a new data migration, so the history of
what was shipped stays readable in git and in the admin's history.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

REGISTRY_DIR = Path(__file__).resolve().parent / "data" / "registry"


def _rows(directory: Path, name: str) -> list[dict[str, str]]:
    with open(directory / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _date(value: str) -> str | None:
    return value or None


def _int(value: str) -> int | None:
    return int(value) if value else None


def _dec(value: str) -> Decimal | None:
    return Decimal(value) if value != "" else None


def _bool(value: str) -> bool:
    return value.strip() in {"1", "true", "True", "yes"}


def load_registry(apps: Any, directory: Path = REGISTRY_DIR) -> None:
    Program = apps.get_model("entities", "Program")
    PerformanceYear = apps.get_model("entities", "PerformanceYear")
    Track = apps.get_model("entities", "Track")
    ProgramParameter = apps.get_model("entities", "ProgramParameter")
    ParameterBand = apps.get_model("entities", "ParameterBand")
    SpecialtyCode = apps.get_model("entities", "SpecialtyCode")

    programs = {}
    for row in _rows(directory, "programs.csv"):
        code = row.pop("code")
        defaults: dict[str, Any] = dict(row)
        for key in ("start_date", "end_date"):
            defaults[key] = _date(row[key])
        for key in (
            "entity_id_to_confirm",
            "has_preferred_providers",
            "npi_exclusive_participants",
            "primary_care_tin_exclusive",
        ):
            defaults[key] = _bool(row[key])
        programs[code], _ = Program.objects.update_or_create(code=code, defaults=defaults)

    for row in _rows(directory, "performance_years.csv"):
        PerformanceYear.objects.update_or_create(
            program=programs[row["program"]],
            year=int(row["year"]),
            defaults={
                "label": row["label"],
                "start_date": row["start_date"],
                "end_date": row["end_date"],
                "change_request_deadline": _date(row["change_request_deadline"]),
                "source": row["source"],
            },
        )

    tracks = {}
    for row in _rows(directory, "tracks.csv"):
        tracks[(row["program"], row["code"])], _ = Track.objects.update_or_create(
            program=programs[row["program"]],
            code=row["code"],
            defaults={
                "name": row["name"],
                "category": row["category"],
                "risk": row["risk"],
                "sort_order": int(row["sort_order"]),
                "first_year": _int(row["first_year"]),
                "last_year": _int(row["last_year"]),
                "source": row["source"],
            },
        )

    for row in _rows(directory, "parameters.csv"):
        ProgramParameter.objects.update_or_create(
            program=programs[row["program"]],
            performance_year=int(row["performance_year"]),
            track=tracks[(row["program"], row["track"])] if row["track"] else None,
            key=row["key"],
            defaults={
                "value": _dec(row["value"]),
                "text_value": row["text_value"],
                "unit": row["unit"],
                "evidence": row["evidence"],
                "to_confirm": _bool(row["to_confirm"]),
                "source": row["source"],
                "notes": row["notes"],
            },
        )

    for row in _rows(directory, "bands.csv"):
        ParameterBand.objects.update_or_create(
            program=programs[row["program"]],
            performance_year=int(row["performance_year"]),
            track=tracks[(row["program"], row["track"])] if row["track"] else None,
            table=row["table"],
            lower=Decimal(row["lower"]),
            defaults={
                "upper": _dec(row["upper"]),
                "bound_unit": row["bound_unit"],
                "value_at_lower": Decimal(row["value_at_lower"]),
                "value_at_upper": Decimal(row["value_at_upper"]),
                "value_unit": row["value_unit"],
                "evidence": row["evidence"],
                "to_confirm": _bool(row["to_confirm"]),
                "source": row["source"],
            },
        )

    for row in _rows(directory, "specialty_codes.csv"):
        SpecialtyCode.objects.update_or_create(
            code=row["code"],
            defaults={
                "description": row["description"],
                "provider_class": row["provider_class"],
                "evidence": row["evidence"],
                "to_confirm": _bool(row["to_confirm"]),
                "source": row["source"],
            },
        )


def ensure_registry() -> bool:
    """Load the shipped registry again if its rows are gone; True when it loaded.

    Tests need this: a transactional test flushes every table, data-migration rows included, and
    `--reuse-db` then keeps the emptied database for the next run.
    """
    from django.apps import apps

    SpecialtyCode = apps.get_model("entities", "SpecialtyCode")
    ProgramParameter = apps.get_model("entities", "ProgramParameter")
    PerformanceYear = apps.get_model("entities", "PerformanceYear")
    if (
        SpecialtyCode.objects.exists()
        and ProgramParameter.objects.exists()
        and PerformanceYear.objects.filter(program__code="mssp").exists()
    ):
        return False
    load_registry(apps)
    return True
