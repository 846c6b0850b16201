"""`manage.py adt_listener [--host H] [--port P]`: the MLLP listener for hospital ADT feeds."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.checks import Tags
from django.core.management.base import BaseCommand

from events.listener import run


class Command(BaseCommand):
    help = "Listen for HL7 v2 ADT messages over MLLP (docs/adt.md)."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=settings.ADT_LISTENER_HOST)
        parser.add_argument(
            "--port", type=int, default=settings.ADT_LISTENER_PORT, help="0: any free port"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def announce(line: str) -> None:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

        run(options["host"], options["port"], announce=announce)
