"""CMS's beneficiary data-sharing files as loaded, and their rows, effective-dated.

A row records what CMS said about one MBI from a date on: the beneficiary's preference (declined
or shared) and/or CMS's suppression of their claims (suppressed or resumed). Rows are never
changed: a later file adds rows, and a read "as of" a date takes, per MBI, the latest row in
force on that date (`datasharing.selectors`). Rows hold MBIs: they are PHI, scoped by entity and
under row-level security.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.tenancy import TenantManager
from datasharing.layouts import DECLINED, LAYOUTS, RESUMED, SHARED, SUPPRESSED


class DataSharingFile(models.Model):
    """One file CMS sent (or its portal exported), loaded whole or not at all."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=[(k, v.title) for k, v in LAYOUTS.items()])
    name = models.CharField(max_length=200)
    file_date = models.DateField(help_text="The date CMS gave the file: what its rows are as of.")
    performance_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    records = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-file_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "sha256"], name="datasharing_file_once_per_entity"
            )
        ]

    def __str__(self) -> str:
        return f"{LAYOUTS[self.kind].title} of {self.file_date:%Y-%m-%d}"


class DataSharingRecord(models.Model):
    """One row of a data-sharing file: from `effective_date` on, what CMS said of this MBI."""

    PREFERENCES = [(DECLINED, "declined data sharing"), (SHARED, "allows data sharing")]
    SUPPRESSIONS = [(SUPPRESSED, "claims suppressed by CMS"), (RESUMED, "claims resumed")]

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    file = models.ForeignKey(DataSharingFile, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    mbi = models.CharField("MBI", max_length=11)
    preference = models.CharField(max_length=12, blank=True, choices=PREFERENCES)
    suppression = models.CharField(max_length=12, blank=True, choices=SUPPRESSIONS)
    effective_date = models.DateField()

    objects = TenantManager()

    class Meta:
        indexes = [models.Index(fields=["entity", "mbi"], name="datasharing_entity_mbi")]
        constraints = [
            models.UniqueConstraint(fields=["file", "line"], name="datasharing_row_once")
        ]

    def __str__(self) -> str:
        return f"Data-sharing row {self.pk}"
