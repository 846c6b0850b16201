"""Squashed (manage.py squashmigrations) so that `migrate` applies fewer operations: each one
re-renders the models related to the one it changes, which made most of the time of a new
database. Index and constraint operations are folded into their CreateModel; the schema made
is the same (PostgreSQL and SQLite). The replaced migrations stay until every
database has applied them."""

import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("specialists", "0001_initial"),
        ("specialists", "0002_run_leakage"),
        ("specialists", "0003_episodes_gain_sharing"),
        ("specialists", "0004_care_transitions"),
        ("specialists", "0005_run_population_of_record"),
    ]

    dependencies = [
        ("alignment", "0006_pending_designations_and_reconciliation"),
        ("alignment", "0007_result_kept_from_cms_list"),
        ("beneficiaries", "0003_history_lineage_without_constraints"),
        ("care", "0013_contact_details"),
        ("cmslists", "0001_cms_lists"),
        ("entities", "0005_participation_no_overlap"),
        ("jobs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadSpecialistRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("as_of", models.DateField(help_text="Claims through this date are read.")),
                ("window_start", models.DateField()),
                (
                    "effective_start",
                    models.DateField(help_text="First day of the quarter it is published for."),
                ),
                ("effective_end", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("succeeded", "Succeeded"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=16,
                    ),
                ),
                ("definitions_version", models.CharField(max_length=80)),
                ("definitions", models.JSONField(default=dict)),
                ("population_count", models.PositiveIntegerField(default=0)),
                ("attributed_count", models.PositiveIntegerField(default=0)),
                ("summary", models.JSONField(blank=True, default=dict)),
                ("error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "alignment_run",
                    models.ForeignKey(
                        blank=True,
                        help_text="The platform's current alignment run when the run was queued (the population where no CMS list of record covers the year).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="alignment.alignmentrun",
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
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="jobs.job",
                    ),
                ),
                (
                    "previous_run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="specialists.leadspecialistrun",
                    ),
                ),
                (
                    "leakage",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text="What Medicare paid for the population in and outside the network, in cents (specialists.engine.leakage).",
                    ),
                ),
                ("episode_definitions", models.JSONField(blank=True, default=dict)),
                (
                    "scorecards",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Per managing specialist TIN (specialists.engine.episodes.scorecards), cents.",
                    ),
                ),
                (
                    "cms_list",
                    models.ForeignKey(
                        blank=True,
                        help_text="CMS's list of record whose assigned beneficiaries are the population.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="cmslists.cmslist",
                    ),
                ),
            ],
            options={
                "ordering": ["-as_of", "-created_at"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status__in", ["queued", "running"])),
                        fields=("entity",),
                        name="one_open_lead_specialist_run_per_entity",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="LeadSpecialistChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("condition", models.CharField(max_length=32)),
                ("kind", models.CharField(max_length=8)),
                ("previous_tin", models.CharField(blank=True, max_length=9)),
                ("previous_npi", models.CharField(blank=True, max_length=10)),
                ("lead_tin", models.CharField(blank=True, max_length=9)),
                ("lead_npi", models.CharField(blank=True, max_length=10)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="beneficiaries.beneficiary",
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="changes",
                        to="specialists.leadspecialistrun",
                    ),
                ),
            ],
            options={
                "ordering": ["kind", "beneficiary_id", "condition"],
            },
        ),
        migrations.CreateModel(
            name="LeadSpecialistRunEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("from_status", models.CharField(blank=True, max_length=16)),
                ("to_status", models.CharField(max_length=16)),
                ("note", models.CharField(blank=True, max_length=500)),
                ("at", models.DateTimeField(auto_now_add=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="specialists.leadspecialistrun",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
            },
        ),
        migrations.CreateModel(
            name="LeadSpecialist",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("condition", models.CharField(max_length=32)),
                ("trigger_code", models.CharField(max_length=8)),
                ("trigger_claims", models.PositiveIntegerField()),
                ("last_trigger", models.DateField()),
                ("lead_tin", models.CharField(blank=True, max_length=9)),
                ("lead_npi", models.CharField(blank=True, max_length=10)),
                ("lead_specialty", models.CharField(blank=True, max_length=2)),
                (
                    "lead_allowed",
                    models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=14),
                ),
                (
                    "specialty_allowed",
                    models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=14),
                ),
                ("lead_services", models.PositiveIntegerField(default=0)),
                ("last_service", models.DateField(blank=True, null=True)),
                ("runner_up_tin", models.CharField(blank=True, max_length=9)),
                ("runner_up_npi", models.CharField(blank=True, max_length=10)),
                (
                    "runner_up_allowed",
                    models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=14),
                ),
                ("reason", models.CharField(max_length=32)),
                (
                    "network_role",
                    models.CharField(
                        blank=True,
                        help_text="participant or preferred when the lead TIN is on the entity's list; blank: outside.",
                        max_length=16,
                    ),
                ),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="beneficiaries.beneficiary",
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="leads",
                        to="specialists.leadspecialistrun",
                    ),
                ),
            ],
            options={
                "ordering": ["beneficiary_id", "condition"],
                "indexes": [
                    models.Index(fields=["run", "lead_tin"], name="specialists_run_id_c3527d_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "beneficiary", "condition"), name="one_lead_per_condition"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="GainSharePolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "pool_share",
                    models.DecimalField(
                        decimal_places=4,
                        help_text="Share of the entity's earned shared savings available to specialists (0-1).",
                        max_digits=5,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300)),
                (
                    "entity",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gain_share_policy",
                        to="entities.entity",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Episode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("episode_type", models.CharField(max_length=32)),
                ("drg", models.CharField(max_length=3, verbose_name="MS-DRG")),
                ("anchor_claim_id", models.CharField(max_length=20)),
                ("ccn", models.CharField(blank=True, max_length=10, verbose_name="CCN")),
                ("anchor_start", models.DateField()),
                ("anchor_end", models.DateField()),
                ("window_end", models.DateField()),
                ("period", models.CharField(max_length=12)),
                ("complete", models.BooleanField()),
                ("anchor_paid", models.DecimalField(decimal_places=2, max_digits=14)),
                ("post_paid", models.DecimalField(decimal_places=2, max_digits=14)),
                ("excluded_paid", models.DecimalField(decimal_places=2, max_digits=14)),
                ("actual", models.DecimalField(decimal_places=2, max_digits=14)),
                (
                    "target",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True),
                ),
                ("target_basis", models.CharField(max_length=16)),
                ("readmissions", models.PositiveSmallIntegerField()),
                ("snf_claims", models.PositiveSmallIntegerField()),
                ("hha_claims", models.PositiveSmallIntegerField()),
                ("ed_visits", models.PositiveSmallIntegerField()),
                ("los_days", models.PositiveSmallIntegerField()),
                ("managing_tin", models.CharField(blank=True, max_length=9)),
                ("managing_npi", models.CharField(blank=True, max_length=10)),
                ("managing_specialty", models.CharField(blank=True, max_length=2)),
                ("managing_reason", models.CharField(max_length=24)),
                ("network_role", models.CharField(blank=True, max_length=16)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="beneficiaries.beneficiary",
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="episodes",
                        to="specialists.leadspecialistrun",
                    ),
                ),
            ],
            options={
                "ordering": ["anchor_start", "beneficiary_id"],
                "indexes": [
                    models.Index(
                        fields=["run", "managing_tin"], name="specialists_run_id_800304_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="GainShareArrangement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tin", models.CharField(blank=True, max_length=9, verbose_name="TIN")),
                ("episode_type", models.CharField(blank=True, max_length=32)),
                ("rate", models.DecimalField(decimal_places=4, max_digits=5)),
                (
                    "floor",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="At most this much repaid (zero or negative).",
                        max_digits=14,
                    ),
                ),
                ("cap", models.DecimalField(decimal_places=2, max_digits=14)),
                (
                    "max_readmission_rate",
                    models.DecimalField(blank=True, decimal_places=4, max_digits=5, null=True),
                ),
                ("note", models.CharField(blank=True, max_length=300)),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gain_share_arrangements",
                        to="entities.entity",
                    ),
                ),
            ],
            options={
                "ordering": ["tin", "episode_type"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "tin", "episode_type"), name="one_arrangement_per_scope"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CareTransition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("referral", "Referral"),
                            ("e_consult", "E-consult"),
                            ("co_management", "Co-management agreement"),
                        ],
                        max_length=16,
                    ),
                ),
                ("condition", models.CharField(blank=True, max_length=32)),
                ("specialist_tin", models.CharField(max_length=9, verbose_name="specialist TIN")),
                (
                    "specialist_npi",
                    models.CharField(blank=True, max_length=10, verbose_name="specialist NPI"),
                ),
                (
                    "manages",
                    models.CharField(
                        help_text="E.g. cardiology manages diuretics.",
                        max_length=300,
                        verbose_name="who manages what",
                    ),
                ),
                (
                    "return_plan",
                    models.CharField(
                        blank=True, max_length=500, verbose_name="return to primary care plan"
                    ),
                ),
                ("return_due", models.DateField(blank=True, null=True, verbose_name="return due")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="beneficiaries.beneficiary",
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
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                (
                    "worklist_item",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="care.worklistitem",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        # Added on its own, as 0005 did: on SQLite that rebuilds the table, which puts the
        # self-referencing previous_run column last, where the unsquashed history left it.
        migrations.AddField(
            model_name="leadspecialistrun",
            name="population_source",
            field=models.CharField(
                blank=True,
                help_text="Where the population comes from, dated (the roster of record's label).",
                max_length=200,
            ),
        ),
    ]
