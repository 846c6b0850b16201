"""`python manage.py load_demo`: demo entities, users, and every app's demo data. Idempotent."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand

from claims.selectors import final_action_claims_read_once
from synthetic.demo import (
    CLAIMS_WRITTEN_BY,
    DEMO_ENTITIES,
    DEMO_PASSWORD,
    ROLE_LOGINS,
    STAFF_EMAIL,
    parts,
)


class Command(BaseCommand):
    help = "Create the demo MSSP ACO and REACH DCE with users, providers, claims and results."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def handle(self, *args: Any, **options: Any) -> None:
        entities: dict[str, Any] = {}
        with ExitStack() as reads:
            for name, part in parts():
                if name == CLAIMS_WRITTEN_BY:
                    # From here on only the benchmarks' synthetic history writes claims (and
                    # drops the reads kept before it): each entity's final-action claims are
                    # read once for the risk scores, benchmarks and every later part.
                    reads.enter_context(final_action_claims_read_once())
                self.stdout.write(f"demo: {name}")
                part.load(entities=entities, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo users of the entities (password: {DEMO_PASSWORD})")
        )
        for demo in DEMO_ENTITIES:
            self.stdout.write(f"  {demo.legal_name} ({demo.cms_id})")
            for role, login in ROLE_LOGINS:
                self.stdout.write(f"    {role.label:<17} {login}@{demo.email_domain}")
        self.stdout.write(
            f"  Platform staff      {STAFF_EMAIL} (no shared password: set one with "
            f"`python manage.py changepassword {STAFF_EMAIL}`; a second factor is set up at the "
            "first sign-in)"
        )
