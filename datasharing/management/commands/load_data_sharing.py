"""`python manage.py load_data_sharing PATH --entity CMS_ID --kind KIND --date YYYY-MM-DD`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.api import ApplicationError
from datasharing.layouts import LAYOUTS
from datasharing.services import data_sharing_file_load
from entities.models import Entity


class Command(BaseCommand):
    help = (
        "Load a CMS beneficiary data-sharing file (CSV). Every row is checked first; a bad file "
        "is refused whole, with each error by line and column, and the command exits non-zero. "
        "Loading the same file again changes nothing."
    )
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The CSV file")
        parser.add_argument("--entity", required=True, help="CMS ID of the entity")
        parser.add_argument("--kind", required=True, choices=sorted(LAYOUTS))
        parser.add_argument("--date", required=True, help="The file's date (YYYY-MM-DD)")
        parser.add_argument("--year", type=int, default=None, help="Performance year")

    def handle(self, *args: Any, **options: Any) -> None:
        entity = Entity.objects.filter(cms_id=options["entity"]).first()
        if entity is None:
            raise CommandError(f"No entity with CMS ID {options['entity']!r}.")
        try:
            file_date = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"--date {options['date']!r} is not a date (YYYY-MM-DD).") from None
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            result = data_sharing_file_load(
                entity=entity,
                kind=options["kind"],
                content=path.read_bytes(),
                name=path.name,
                file_date=file_date,
                performance_year=options["year"],
            )
        except ApplicationError as exc:
            errors = exc.extra.get("errors")
            message = (
                f"{path.name} was not loaded:\n" + "\n".join(errors) if errors else exc.message
            )
            raise CommandError(message) from None
        if not result.created:
            self.stdout.write(f"{path.name}: already loaded, nothing changed.")
            return
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {result.file.records} rows loaded."))
