"""The platform's own job kinds."""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction

from jobs.models import Job, JobEffect
from jobs.registry import Progress, job_handler


@job_handler("jobs.demo")
def demo_job(job: Job, progress: Progress) -> dict[str, Any]:
    """A job that takes `steps` x `step_seconds` and leaves one JobEffect row: used to check the
    delivery machinery end to end (health checks, the worker tests)."""
    steps = int(job.parameters.get("steps", 5))
    pause = float(job.parameters.get("step_seconds", 0.2))
    for step in range(steps):
        time.sleep(pause)
        progress(int(100 * (step + 1) / (steps + 1)), f"Step {step + 1} of {steps}")
    with transaction.atomic():
        effect, created = JobEffect.objects.get_or_create(job=job)
    return {"effect_id": effect.pk, "created": created}
