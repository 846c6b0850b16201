"""`python manage.py run_alignment --entity ID --year YYYY [--as-of DATE] [--wait]`: start an
alignment run (a new version) for an entity and performance year."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from alignment.management.commands._entity import entity_from_option
from alignment.models import AlignmentRun, ListKind, RunStatus
from alignment.services.runs import alignment_run_create
from core.api import ApplicationError


class Command(BaseCommand):
    help = "Start an alignment run (MSSP assignment or ACO REACH alignment) for an entity and year."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entity", required=True, help="CMS ID (A1234, D5678) or database id.")
        parser.add_argument("--year", required=True, type=int, help="Performance year.")
        parser.add_argument(
            "--as-of", type=date.fromisoformat, help="Run date YYYY-MM-DD (default: today)."
        )
        parser.add_argument(
            "--list",
            choices=ListKind.values,
            help="Quarterly or final list (default: final once the year is over).",
        )
        parser.add_argument(
            "--method",
            choices=["ppwrr", "prospective"],
            default="ppwrr",
            help="MSSP assignment method.",
        )
        parser.add_argument(
            "--buckets", type=int, help="Number of buckets (default: settings.ALIGNMENT_BUCKETS)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            help="Workers to fan out to (default: settings.ALIGNMENT_WORKERS).",
        )
        parser.add_argument(
            "--wait", action="store_true", help="Wait for the run to finish and print its counts."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        entity = entity_from_option(options["entity"])
        as_of = options["as_of"] or timezone.localdate()
        list_kind = options["list"] or (
            ListKind.FINAL if as_of > date(options["year"], 12, 31) else ListKind.QUARTERLY
        )
        inline = options["wait"] and settings.JOBS_DISPATCH != "celery"
        if inline:
            # No worker to hand the job to: run it here, to the end.
            settings.JOBS_DISPATCH = "sync"
        try:
            run = alignment_run_create(
                entity=entity,
                performance_year=options["year"],
                list_kind=list_kind,
                as_of=as_of,
                method=options["method"],
                bucket_count=options["buckets"],
                workers=options["workers"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Run {run.pk} queued: {run}.")
        if not options["wait"]:
            return
        if inline and run.job_id:
            from jobs.services import job_execute

            # Runs the job here unless it already ran when the run was committed.
            job_execute(job_id=run.job_id)
        last = -1
        while True:
            run = AlignmentRun.objects.get(pk=run.pk)
            if run.buckets_done != last:
                last = run.buckets_done
                self.stdout.write(
                    f"  {run.get_status_display()}: {run.buckets_done} of {run.bucket_count} buckets"
                )
            if not run.is_open:
                break
            time.sleep(0.5)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"Run {run.pk} failed: {run.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.aligned_count} of {run.beneficiary_count} beneficiaries aligned."
            )
        )
        for row in run.summary.get("by_step_reason", []):
            self.stdout.write(f"  {row['step']:<16} {row['reason']:<34} {row['count']:>9}")
        for kind, count in run.summary.get("changes", {}).items():
            self.stdout.write(f"  {kind}: {count}")
