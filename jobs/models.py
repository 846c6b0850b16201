"""The Job table is the source of truth for every background job; Celery only delivers them."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.tenancy import TenantManager


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
FINAL_STATES = (JobState.SUCCEEDED, JobState.FAILED)


def parameters_key(parameters: dict[str, Any]) -> str:
    """A stable digest of a job's parameters: equal parameters, equal key, whatever the key order."""
    canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Job(models.Model):
    """One background job: what to do (kind, parameters), for whom (entity), and how it went."""

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, related_name="jobs", null=True, blank=True
    )
    kind = models.CharField(max_length=64)
    parameters = models.JSONField(default=dict, blank=True)
    parameters_key = models.CharField(max_length=64, editable=False)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["entity", "kind", "-created_at"])]
        constraints = [
            # One queued-or-running job per (entity, kind, parameters).
            models.UniqueConstraint(
                fields=["entity", "kind", "parameters_key"],
                condition=Q(state__in=["queued", "running"]),
                name="job_one_active_per_entity_kind_parameters",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        # As pages name a job ("Alignment run (job 2)"), never by its kind's code name.
        return f"{self.title} (job {self.pk}, {self.get_state_display().lower()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.parameters_key = parameters_key(self.parameters)
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def title(self) -> str:
        """The kind in words ("Alignment run"), for pages."""
        from jobs.presentation import job_title

        return job_title(self)


class JobEffect(models.Model):
    """What the built-in `jobs.demo` job leaves behind: one row per job, to prove exactly-once effects."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="effect")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"effect of job {self.job_id}"
