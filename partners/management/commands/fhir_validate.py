"""Validate FHIR NDJSON files (a bulk export's output): every line as FHIR with fhir.resources,
then every resource against the US Core and Da Vinci ATR profiles it declares with Medplum's
validator (partners.fhir.profiles).

    python manage.py fhir_validate Patient.ndjson Group.ndjson ...
    python manage.py fhir_validate --no-profiles *.ndjson   # fhir.resources only

Every line must be one JSON resource that fhir.resources' R4B models accept (R4B is the R4
release fhir.resources ships; it keeps R4's Patient, Group, Coverage, Practitioner and
Organization); the first invalid line stops it with its file, line number and the fields that
failed. Then each declared profile that is available offline is checked, and the count of
resources checked per profile is printed; profiles not available are listed as not checked.
Any error ends with a non-zero exit status naming the file, line, resource, profile and path.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from partners.fhir.profiles import TOOL, ProfileValidatorMissing, profile_validate


class Command(BaseCommand):
    help = (
        "Validate FHIR NDJSON files line by line with fhir.resources (R4B models), then against "
        "the US Core and Da Vinci ATR profiles they declare (Medplum's validator)."
    )
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--no-profiles",
            action="store_true",
            help="Only fhir.resources; skip the profile validator (Node.js and npm packages).",
        )

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
        if not options["no_profiles"]:
            self.profiles(options["files"])

    def profiles(self, files: list[Path]) -> None:
        try:
            report = profile_validate(paths=files)
        except ProfileValidatorMissing as exc:
            raise CommandError(f"{exc}; or pass --no-profiles") from None
        medplum = json.loads((TOOL / "node_modules/@medplum/core/package.json").read_text())
        self.stdout.write(
            f"Profiles, with Medplum's validator (@medplum/core {medplum['version']}):"
        )
        failing = {e["profile"] for e in report.errors}
        for url, count in report.checked.items():
            source = report.loaded.get(url, "FHIR R4 4.0.1")
            verdict = "errors" if url in failing else "valid"
            self.stdout.write(f"  {url} ({source}): {count} checked, {verdict}")
        for url, count in report.not_loaded.items():
            self.stdout.write(f"  {url}: {count} not checked (profile not available offline)")
        for warning in report.warnings[:10]:
            self.stdout.write(f"  warning: {self.issue(warning)}")
        if report.errors:
            listed = "\n".join(self.issue(e) for e in report.errors[:10])
            more = len(report.errors) - 10
            raise CommandError(
                f"{len(report.errors)} profile errors:\n{listed}"
                + (f"\n... and {more} more" if more > 0 else "")
            )

    @staticmethod
    def issue(entry: dict[str, Any]) -> str:
        where = f"{entry['file']} line {entry['line']} {entry.get('resource') or ''}".strip()
        path = f" {entry['expression']}:" if entry.get("expression") else ""
        return f"{where}: {entry['profile']}:{path} {entry['message']}"
