"""`python manage.py export_alignment --entity ID --year YYYY --out FILE.csv [--run ID]`: the
roster of an alignment run as CSV (the latest succeeded run of the year unless --run is given)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from alignment.management.commands._entity import entity_from_option
from alignment.models import AlignmentRun, RunStatus
from alignment.selectors import EXPORT_COLUMNS, alignment_export_rows, alignment_latest_run
from audit.services import access_record_create
from beneficiaries.models import Beneficiary
from claims.selectors import withheld_beneficiary_ids
from core import csvfiles


class Command(BaseCommand):
    help = "Write an alignment run's roster (one row per beneficiary) to a CSV file."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entity", required=True, help="CMS ID or database id.")
        parser.add_argument("--year", required=True, type=int, help="Performance year.")
        parser.add_argument("--out", required=True, type=Path, help="CSV file to write.")
        parser.add_argument(
            "--run", type=int, help="Run id (default: the latest succeeded run of the year)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        entity = entity_from_option(options["entity"])
        if options["run"]:
            run = AlignmentRun.objects.filter(
                pk=options["run"], entity=entity, performance_year=options["year"]
            ).first()
            if run is None:
                raise CommandError(
                    f"Run {options['run']} is not a PY{options['year']} run of {entity.cms_id}."
                )
            if run.status != RunStatus.SUCCEEDED:
                raise CommandError(
                    f"Run {run.pk} has not succeeded ({run.get_status_display().lower()})."
                )
        else:
            run = alignment_latest_run(entity=entity, performance_year=options["year"])
            if run is None:
                raise CommandError(
                    f"{entity.cms_id} has no succeeded alignment run for PY{options['year']}."
                )
        out: Path = options["out"]
        count = 0
        # Beneficiaries CMS withholds claims for (declined data sharing, suppressed) keep their
        # row and alignment; the allowed charges read from their claims are left blank.
        held = set(
            Beneficiary.objects.filter(pk__in=withheld_beneficiary_ids(entity=entity)).values_list(
                "current_mbi", flat=True
            )
        )
        tmp = out.with_name(out.name + ".part")
        with tmp.open("w", newline="") as fh:
            writer = csvfiles.writer(fh, lineterminator="\n")
            writer.writerow(EXPORT_COLUMNS)
            for row in alignment_export_rows(run=run):
                mbi, aligned, *rest = row
                if mbi in held:
                    rest[-3:] = ["", "", ""]  # entity_allowed, top_competitor, competitor_allowed
                writer.writerow([mbi, "true" if aligned else "false", *rest])
                count += 1
        tmp.replace(out)
        access_record_create(
            entity=entity,
            purpose="alignment_export",
            route="manage.py export_alignment",
            count=count,
        )
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {count} beneficiaries of run {run.pk} ({run}) to {out}.")
        )
