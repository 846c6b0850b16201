"""`python manage.py import_participants --entity A9901 --year 2025 FILE.csv`

Imports a participant list with the same rules as the admin console: every row or none, and a
second import of the same file changes nothing. Exits non-zero listing every bad row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from entities.models import Entity
from entities.services.imports import (
    ParticipantImportError,
    participant_import,
    participant_import_preview,
)


class Command(BaseCommand):
    help = "Import a participant-list CSV (tin,npi,ccn,specialty_code,role,effective_start,effective_end)."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file")
        parser.add_argument(
            "--entity", required=True, help="CMS ID of the entity (for example A9901)"
        )
        parser.add_argument("--year", required=True, type=int, help="performance year of the list")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and write nothing"
        )
        parser.add_argument("--user", help="email of the user the history records (default: none)")

    def handle(self, *args: Any, **options: Any) -> None:
        entity = (
            Entity.objects.select_related("program")
            .filter(cms_id=options["entity"].strip().upper())
            .first()
        )
        if entity is None:
            raise CommandError(f"No entity has CMS ID {options['entity']}.")
        user = None
        if options["user"]:
            user = User.objects.filter(email__iexact=options["user"]).first()
            if user is None:
                raise CommandError(f"No user has the email {options['user']}.")
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc

        if options["dry_run"]:
            preview = participant_import_preview(
                entity=entity, performance_year=options["year"], content=content
            )
            if not preview.ok:
                raise CommandError(self._failure(ParticipantImportError(preview)))
            self.stdout.write(self._counts("Dry run, nothing written", preview.counts))
            return
        try:
            outcome = participant_import(
                entity=entity, performance_year=options["year"], content=content, acting_user=user
            )
        except ParticipantImportError as exc:
            raise CommandError(self._failure(exc)) from exc
        summary = outcome.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"{entity.cms_id} PY{options['year']}: {len(outcome.preview.rows)} rows: "
                f"{len(summary.created)} new, {len(summary.updated)} updated, {summary.unchanged} unchanged "
                f"({summary.providers_created} providers and {summary.organizations_created} TINs created)."
            )
        )

    @staticmethod
    def _counts(prefix: str, counts: dict[str, int]) -> str:
        return (
            f"{prefix}: {counts['rows']} rows: {counts['new']} new, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged."
        )

    @staticmethod
    def _failure(exc: ParticipantImportError) -> str:
        return "\n".join([exc.message, *exc.preview.error_lines()])
