"""Load one CMS assignment or alignment list report for an entity.

    manage.py load_cms_list --entity A1234 --kind mssp_quarterly --year 2025 --quarter 2 \
        --list-date 2025-05-15 P.A1234.ACO.QALR.2025Q2.D259999.T0200000_1-1.csv ..._1-2.csv

All or nothing; loading the same files again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cmslists.models import ListKind
from cmslists.services import cms_list_load
from core.api import ApplicationError
from entities.models import Entity
from jobs.signals import load_committed


class Command(BaseCommand):
    help = "Load a CMS assignment list report (MSSP) or beneficiary alignment report (ACO REACH)."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="+", help="The report's CSV files (MSSP: one per table)."
        )
        parser.add_argument("--entity", required=True, help="The entity's CMS ID.")
        parser.add_argument("--kind", required=True, choices=ListKind.values)
        parser.add_argument("--year", type=int, required=True, help="Performance year.")
        parser.add_argument("--quarter", type=int, default=0, help="1-4 for a quarterly list.")
        parser.add_argument("--list-date", required=True, help="The report's date, YYYY-MM-DD.")
        parser.add_argument(
            "--no-cycle",
            action="store_true",
            help="Do not queue the monthly cycle (alignment, risk, care, settlement) after the load.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        entity = Entity.objects.select_related("program").filter(cms_id=options["entity"]).first()
        if entity is None:
            raise CommandError(f"No entity with CMS ID {options['entity']}.")
        try:
            list_date = dt.date.fromisoformat(options["list_date"])
        except ValueError as exc:
            raise CommandError(f"--list-date {options['list_date']!r} is not YYYY-MM-DD.") from exc
        files = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file.")
            files.append((path.name, path.read_bytes()))
        try:
            result = cms_list_load(
                entity=entity,
                kind=options["kind"],
                performance_year=options["year"],
                period=options["quarter"],
                list_date=list_date,
                files=files,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        lst = result.cms_list
        verb = "Loaded" if result.created else "Already loaded (nothing changed)"
        self.stdout.write(
            f"{verb}: {lst.label}: {lst.assigned_count} assigned, {lst.excluded_count} excluded, "
            f"{lst.voluntary_count} voluntarily aligned, {lst.tin_count} TINs."
        )
        if result.created and not options["no_cycle"]:
            for _, line in load_committed.send(
                sender="cmslists.load", entity=entity, parameters={"after_cms_list": lst.pk}
            ):
                if line:
                    self.stdout.write(line)
