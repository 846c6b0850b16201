"""The append-only record of every view or export of beneficiary data (HIPAA access log)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.tenancy import TenantManager


class AccessRecord(models.Model):
    """Who saw which beneficiaries of which entity, why, where and when.

    Append-only: PostgreSQL refuses UPDATE and DELETE on this table for every role (a trigger,
    see migration 0002), so the application cannot rewrite history. References are kept without
    database constraints so that deleting a user or an entity never touches the log.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    client_id = models.CharField("API client", max_length=100, blank=True)
    entity = models.ForeignKey(
        "entities.Entity",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Internal surrogate keys of the beneficiaries shown; never MBIs.
    beneficiary_ids = models.JSONField(default=list, blank=True)
    beneficiary_count = models.PositiveIntegerField(default=0)
    purpose = models.CharField(max_length=64)
    route = models.CharField(max_length=200)
    method = models.CharField(max_length=10, default="GET")

    objects = TenantManager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity", "-at"])]

    def __str__(self) -> str:
        who = self.user_id and f"user {self.user_id}" or f"client {self.client_id}"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.purpose} {self.route}"
