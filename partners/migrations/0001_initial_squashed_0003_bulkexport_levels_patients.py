"""Squashed (manage.py squashmigrations) so that `migrate` applies fewer operations: each one
re-renders the models related to the one it changes, which made most of the time of a new
database. Index and constraint operations are folded into their CreateModel; the schema made
is the same (PostgreSQL and SQLite). The replaced migrations stay until every
database has applied them."""

import django.db.models.deletion
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("partners", "0001_initial"),
        ("partners", "0002_bulkexport"),
        ("partners", "0003_bulkexport_levels_patients"),
    ]

    dependencies = [
        ("entities", "0005_participation_no_overlap"),
        ("jobs", "0001_initial"),
        ("oauth2_provider", "__first__"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalPartnerClient",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The system, e.g. the practice's EHR.", max_length=200
                    ),
                ),
                (
                    "public_key",
                    models.TextField(
                        help_text="The public key the client signs its token requests with: PEM, a JWK or a JWK Set (JSON). Never the private key."
                    ),
                ),
                (
                    "scope",
                    models.TextField(
                        help_text="The scopes the client may ask for, separated by spaces."
                    ),
                ),
                (
                    "requests_per_minute",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Empty: the platform default (PARTNERS_DEFAULT_RATE_PER_MINUTE).",
                        null=True,
                    ),
                ),
                ("is_active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "application",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical partner client",
                "verbose_name_plural": "historical partner clients",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="PartnerClient",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The system, e.g. the practice's EHR.", max_length=200
                    ),
                ),
                (
                    "public_key",
                    models.TextField(
                        help_text="The public key the client signs its token requests with: PEM, a JWK or a JWK Set (JSON). Never the private key."
                    ),
                ),
                (
                    "scope",
                    models.TextField(
                        help_text="The scopes the client may ask for, separated by spaces."
                    ),
                ),
                (
                    "requests_per_minute",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Empty: the platform default (PARTNERS_DEFAULT_RATE_PER_MINUTE).",
                        null=True,
                    ),
                ),
                ("is_active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "application",
                    models.OneToOneField(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="partner_client",
                        to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="partner_clients",
                        to="entities.entity",
                    ),
                ),
                (
                    "tins",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Empty: every TIN of the entity. Otherwise only beneficiaries attributed to these.",
                        related_name="partner_clients",
                        to="entities.participantorganization",
                        verbose_name="TINs",
                    ),
                ),
            ],
            options={
                "ordering": ["entity", "name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "name"), name="partner_client_unique_name"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ClientAssertion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("jti", models.CharField(max_length=255)),
                ("expires_at", models.DateTimeField(db_index=True)),
                ("used_at", models.DateTimeField(auto_now_add=True)),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partners.partnerclient",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("client", "jti"), name="client_assertion_jti_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="BulkExport",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "group_id",
                    models.CharField(
                        blank=True, help_text="Empty: not a Group export.", max_length=64
                    ),
                ),
                ("types", models.JSONField(default=list)),
                ("since", models.DateTimeField(blank=True, null=True)),
                ("request_url", models.CharField(max_length=2000)),
                (
                    "files",
                    models.JSONField(blank=True, default=list, help_text="[{type, name, count}]"),
                ),
                ("beneficiary_ids", models.JSONField(blank=True, default=list)),
                ("beneficiary_count", models.PositiveIntegerField(default=0)),
                ("transaction_time", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                ("purged_at", models.DateTimeField(blank=True, null=True)),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="exports",
                        to="partners.partnerclient",
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                (
                    "job",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="jobs.job",
                    ),
                ),
                ("issues", models.JSONField(blank=True, default=list)),
                (
                    "level",
                    models.CharField(
                        choices=[("group", "Group"), ("patient", "Patient"), ("system", "System")],
                        default="group",
                        help_text="Group/<id>/$export, Patient/$export or the system-level $export.",
                        max_length=8,
                    ),
                ),
                ("patients", models.JSONField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(
                        fields=["client", "-created_at"], name="partners_bu_client__5030d7_idx"
                    )
                ],
            },
        ),
    ]
