"""Validate FHIR NDJSON files (a bulk export's output) line by line with fhir.resources.

    python manage.py fhir_validate Patient.ndjson Group.ndjson ...

Every line must be one JSON resource that fhir.resources' R4B models accept (R4B is the R4
release fhir.resources ships; it keeps R4's Patient, Group, Coverage, Practitioner and
Organization). Prints one line per file; the first invalid line stops it with its file, line
number and the fields that failed, and a non-zero exit status.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError


class Command(BaseCommand):
    help = "Validate FHIR NDJSON files line by line with fhir.resources (R4B models)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for path in options["files"]:
            counts: dict[str, int] = {}
            with path.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, start=1):
                    if not line.strip():
                        continue
                    where = f"{path.name} line {number}"
                    try:
                        resource = json.loads(line)
                        kind = resource["resourceType"]
                        model = get_fhir_model_class(kind)
                    except (ValueError, KeyError, TypeError) as exc:
                        raise CommandError(f"{where}: not a FHIR resource ({exc})") from None
                    try:
                        model.model_validate(resource)
                    except ValidationError as exc:
                        fields = "; ".join(
                            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                            for e in exc.errors()[:5]
                        )
                        raise CommandError(f"{where}: invalid {kind}: {fields}") from None
                    counts[kind] = counts.get(kind, 0) + 1
            summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "empty"
            self.stdout.write(f"{path.name}: {summary} valid")
            total += sum(counts.values())
        self.stdout.write(
            f"{total} resources valid against fhir.resources {version('fhir.resources')} (R4B)"
        )
