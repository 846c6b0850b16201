"""`manage.py send_adt`: stream synthetic ADT messages about an entity's beneficiaries to the
MLLP listener (docs/adt.md). `--discharge` sends one admission and its discharge, now."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from synthetic.adt import Patient, Stream, message, send
from synthetic.demo.events import demo_patients, demo_sender


class Command(BaseCommand):
    help = "Send synthetic HL7 v2 ADT messages to the ADT listener over MLLP."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--entity", required=True, help="the entity's CMS id (A9901, D9902)")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.ADT_LISTENER_PORT)
        parser.add_argument("--count", type=int, default=20, help="messages in the stream")
        parser.add_argument("--connections", type=int, default=1)
        parser.add_argument(
            "--discharge", action="store_true", help="one admission and its discharge, now"
        )
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        from entities.models import Entity

        entity = Entity.objects.filter(cms_id=options["entity"]).first()
        if entity is None:
            raise CommandError(f"No entity with CMS id {options['entity']!r}.")
        sender = demo_sender(entity)
        patients: list[Patient] = demo_patients(entity, limit=500)
        if not patients:
            raise CommandError(f"Entity {entity.cms_id} has no beneficiaries with an MBI yet.")
        seed = (
            options["seed"]
            if options["seed"] is not None
            else random.SystemRandom().randint(1, 10**6)
        )
        now = timezone.now()
        if options["discharge"]:
            rng = random.Random(seed)  # noqa: S311 - synthetic data
            patient = rng.choice(patients)
            visit = f"V{seed:08d}"
            admit = now - timedelta(days=3, hours=rng.randint(0, 8))
            common = {
                "patient": patient,
                "visit": visit,
                "application": sender.sending_application,
                "facility": sender.sending_facility,
            }
            texts = [
                message(
                    trigger="A01",
                    control_id=f"CLI{seed}A01",
                    event_at=admit,
                    admit_at=admit,
                    **common,
                ),
                message(
                    trigger="A03",
                    control_id=f"CLI{seed}A03",
                    event_at=now,
                    admit_at=admit,
                    discharge_at=now,
                    disposition="01",
                    **common,
                ),
            ]
        else:
            texts = Stream(
                patients,
                start=now - timedelta(days=7),
                application=sender.sending_application,
                facility=sender.sending_facility,
                seed=seed,
                prefix=f"S{seed}-",
            ).messages(options["count"])
        sent = send(
            options["host"], options["port"], texts, connections=options["connections"], timeout=60
        )
        codes: dict[str, int] = {}
        for code in sent.acks.values():
            codes[code] = codes.get(code, 0) + 1
        self.stdout.write(
            f"sent {len(texts)} messages to {options['host']}:{options['port']} as "
            f"{sender.sending_application}^{sender.sending_facility}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(codes.items()))
        )
