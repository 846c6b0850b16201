"""`python manage.py load_cclf PATH [--entity ID]`: load one CCLF delivery (zip or folder)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cclf.layouts import VERSIONS
from claims.services import cclf_delivery_load
from core.api import ApplicationError
from jobs.signals import load_committed


class Command(BaseCommand):
    help = (
        "Load a CCLF delivery (the monthly zip or a folder of its files). Every record is checked "
        "first; a bad delivery is rejected whole, with the errors, and the command exits non-zero."
    )
    # The models' checks only: the URL and template checks (a second of a load's start) are
    # about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Delivery zip, or folder of CCLF files")
        parser.add_argument("--entity", help="CMS ID of the entity; must match the file names")
        parser.add_argument("--layout", default="v38", choices=VERSIONS, help="CCLF layout version")
        parser.add_argument(
            "--no-cycle",
            action="store_true",
            help="Do not queue the monthly cycle (alignment, risk, care, settlement) after the load",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(percent: int, message: str = "") -> None:
            if options["verbosity"] > 1:
                self.stderr.write(f"{percent:3d}% {message}")

        try:
            result = cclf_delivery_load(
                path=options["path"],
                entity_cms_id=options["entity"],
                layout_version=options["layout"],
                progress=progress,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        delivery = result.delivery
        if result.already_loaded:
            self.stdout.write(f"{delivery.name}: already loaded, nothing changed.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"{delivery.name}: loaded for {delivery.entity.cms_id}.")
        )
        for code, counts in result.counts.items():
            self.stdout.write(f"  {code:<14} " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if not options["no_cycle"]:
            for _, line in load_committed.send(
                sender="claims.load_delivery",
                entity=delivery.entity,
                parameters={"after_delivery": delivery.pk},
            ):
                if line:
                    self.stdout.write(line)
