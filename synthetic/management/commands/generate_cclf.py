"""`python manage.py generate_cclf --entity ID --year YYYY --beneficiaries N --seed S --out DIR`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from synthetic.cclf import GeneratorConfig, Provider, generate_delivery, write_data_sharing_file


def entity_participants(cms_id: str, year: int) -> tuple[list[Provider], list[str]]:
    """The entity's participant providers (TIN, NPI, specialty) and facility CCNs active in the
    year, from its participant list; empty when the entity has none (the generator then makes
    a synthetic list)."""
    from entities.models import Entity, Participation

    entity = Entity.objects.filter(cms_id=cms_id).first()
    if entity is None:
        return [], []
    rows = (
        Participation.objects.filter(entity=entity)
        .overlapping(date(year, 1, 1), date(year, 12, 31))
        .select_related("organization", "provider")
    )
    providers, ccns = [], []
    for p in rows:
        if p.provider is not None:
            providers.append(
                Provider(p.organization.tin, p.provider.npi, p.provider.specialty_id or "01")
            )
        if p.ccn:
            ccns.append(p.ccn)
    return providers, sorted(set(ccns))


class Command(BaseCommand):
    help = (
        "Write a realistic synthetic CCLF delivery (zip with CCLF0-9, A, B) for an entity's "
        "participants plus out-of-network providers."
    )
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--entity", required=True, help="CMS ID, e.g. A9901 (MSSP) or D9902 (REACH)"
        )
        parser.add_argument(
            "--year", type=int, required=True, help="Performance year of the claims"
        )
        parser.add_argument("--beneficiaries", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", default="var/cclf", help="Folder to write the zip into")
        parser.add_argument(
            "--runout", action="store_true", help="A run-out delivery (ZCR) of the year"
        )
        parser.add_argument(
            "--cms-list",
            choices=[
                "mssp_prospective",
                "mssp_quarterly",
                "mssp_final",
                "reach_prospective",
                "reach_quarterly",
            ],
            help="Also write CMS's list report for the delivery's people (load it with load_cms_list).",
        )
        parser.add_argument("--quarter", type=int, default=0, help="Quarter of a quarterly list.")
        parser.add_argument(
            "--list-date", help="The list's date, YYYY-MM-DD (default: Nov 14 of the year)."
        )
        parser.add_argument(
            "--opt-out-rate",
            type=float,
            default=0.02,
            help="Share of beneficiaries who declined data sharing during 2025: withheld from "
            "deliveries on or after that date, and listed in the data-sharing file written "
            "beside the zip (0 for none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cms_id = options["entity"]
        if len(cms_id) < 4 or not cms_id[0].isalpha():
            raise CommandError(f"{cms_id!r} is not an entity CMS ID (e.g. A9901).")
        providers, ccns = entity_participants(cms_id, options["year"])
        config = GeneratorConfig(
            entity_id=cms_id,
            year=options["year"],
            beneficiaries=options["beneficiaries"],
            seed=options["seed"],
            participants=providers,
            facilities=ccns,
            runout=options["runout"],
            opt_out_rate=options["opt_out_rate"],
        )
        path = generate_delivery(config, Path(options["out"]))
        sharing = write_data_sharing_file(config, Path(options["out"]))
        source = (
            f"{len(providers)} participant providers"
            if providers
            else "a synthetic participant list"
        )
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({source})."))
        if options["cms_list"]:
            from synthetic.cms_lists import generate_cms_list

            try:
                list_date = (
                    date.fromisoformat(options["list_date"])
                    if options["list_date"]
                    else date(options["year"], 11, 14)
                )
            except ValueError as exc:
                raise CommandError(
                    f"--list-date {options['list_date']!r} is not YYYY-MM-DD."
                ) from exc
            written = generate_cms_list(
                config,
                Path(options["out"]),
                kind=options["cms_list"],
                list_date=list_date,
                period=options["quarter"],
                participants_for=lambda year: entity_participants(cms_id, year),
            )
            names = ", ".join(name for name, _ in written.files)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote {names}: {written.assigned} assigned ({len(written.opted_out)} not in "
                    f"the delivery), {written.excluded} excluded."
                )
            )
        if sharing is not None:
            self.stdout.write(self.style.SUCCESS(f"Wrote {sharing} (declined data sharing)."))
