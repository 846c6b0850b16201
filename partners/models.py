"""Partner systems (EHRs of an entity's practices, and their vendors), their credentials and
what they asked for.

A partner client is an OAuth 2.0 client of django-oauth-toolkit (its `Application`: client id,
grant type) with what DOT does not know: the entity it acts for, the TINs it is limited to,
its registered public key and scopes, and its rate limit.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from oauth2_provider.settings import oauth2_settings
from simple_history.models import HistoricalRecords

from core.tenancy import TenantManager


class PartnerClient(models.Model):
    """A partner system allowed to call the API and FHIR endpoints for one entity.

    With no TINs it sees the entity's whole aligned population; with TINs, only the
    beneficiaries attributed to those TINs.
    """

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.PROTECT,
        related_name="partner_client",
        editable=False,
    )
    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="partner_clients"
    )
    name = models.CharField(max_length=200, help_text="The system, e.g. the practice's EHR.")
    public_key = models.TextField(
        help_text=(
            "The public key the client signs its token requests with: PEM, a JWK or a JWK Set "
            "(JSON). Never the private key."
        )
    )
    scope = models.TextField(help_text="The scopes the client may ask for, separated by spaces.")
    tins = models.ManyToManyField(
        "entities.ParticipantOrganization",
        blank=True,
        related_name="partner_clients",
        verbose_name="TINs",
        help_text="Empty: every TIN of the entity. Otherwise only beneficiaries attributed to these.",
    )
    requests_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Empty: the platform default (PARTNERS_DEFAULT_RATE_PER_MINUTE).",
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["entity", "name"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "name"], name="partner_client_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.entity.cms_id})"

    @property
    def client_id(self) -> str:
        return self.application.client_id

    @property
    def scope_list(self) -> list[str]:
        return self.scope.split()


class ClientAssertion(models.Model):
    """A `jti` a client has used in a token-request assertion, kept until the assertion
    expires so that a replayed assertion is refused (SMART Backend Services)."""

    client = models.ForeignKey(PartnerClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "jti"], name="client_assertion_jti_once")
        ]

    def __str__(self) -> str:
        return f"assertion {self.jti[:12]} of client {self.client_id}"

    def __repr__(self) -> str:
        return f"<ClientAssertion {self.pk}>"


class BulkExport(models.Model):
    """A FHIR Bulk Data export of one attribution list (Group), run as a job.

    The job writes one NDJSON file per resource type; the files can be downloaded by the client
    that asked for them until `expires_at` (24 hours after they were written), then they are
    deleted. A cancelled export (DELETE on its status URL) is gone for the client.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(PartnerClient, on_delete=models.CASCADE, related_name="exports")
    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    group_id = models.CharField(max_length=64, blank=True, help_text="Empty: not a Group export.")
    level = models.CharField(
        max_length=8,
        choices=[("group", "Group"), ("patient", "Patient"), ("system", "System")],
        default="group",
        help_text="Group/<id>/$export, Patient/$export or the system-level $export.",
    )
    # The `patient` parameter: the members asked for (beneficiary ids); null: every member.
    patients = models.JSONField(null=True, blank=True)
    # What the export could not do, as the messages of OperationOutcome lines (`patient`
    # references that are invalid or not members).
    issues = models.JSONField(default=list, blank=True)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.CharField(max_length=2000)
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    files = models.JSONField(default=list, blank=True, help_text="[{type, name, count}]")
    # The first beneficiaries written (internal keys, for the access log) and how many.
    beneficiary_ids = models.JSONField(default=list, blank=True)
    beneficiary_count = models.PositiveIntegerField(default=0)
    transaction_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "-created_at"])]

    def __str__(self) -> str:
        return f"export {self.pk} of {f'Group/{self.group_id}' if self.group_id else self.level}"

    @property
    def storage_prefix(self) -> str:
        return f"partners/exports/{self.pk}"
