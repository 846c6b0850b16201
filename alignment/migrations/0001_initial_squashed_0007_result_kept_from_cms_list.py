"""Squashed (manage.py squashmigrations) so that `migrate` applies fewer operations: each one
re-renders the models related to the one it changes, which made most of the time of a new
database. Index and constraint operations are folded into their CreateModel and the data and
PostgreSQL-only RunPython operations, copied below, run at the end in their old order; the
schema made is the same (PostgreSQL and SQLite). The replaced migrations stay until every
database has applied them."""

import django.db.models.deletion
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


# From 0004_final_action_indexes:
CANCEL = (
    "CREATE INDEX IF NOT EXISTS alignment_pbline_cancel ON claims_partbphysicianline "
    "(entity_id, clm_cntl_num) WHERE clm_adjsmt_type_cd IN ('1', '01')"
)
CNTL = (
    "CREATE INDEX IF NOT EXISTS alignment_pbline_cntl ON claims_partbphysicianline "
    "(entity_id, clm_cntl_num) INCLUDE (cur_clm_uniq_id, mbi_id, clm_adjsmt_type_cd, "
    "clm_efctv_dt, clm_line_cvrd_pd_amt)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CANCEL)
        schema_editor.execute(CNTL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS alignment_pbline_cancel")
        schema_editor.execute("DROP INDEX IF EXISTS alignment_pbline_cntl")


class Migration(migrations.Migration):
    replaces = [
        ("alignment", "0001_initial"),
        ("alignment", "0002_voluntary_history"),
        ("alignment", "0003_claimline_no_fk"),
        ("alignment", "0004_final_action_indexes"),
        ("alignment", "0005_reason_died_before_py"),
        ("alignment", "0006_pending_designations_and_reconciliation"),
        ("alignment", "0007_result_kept_from_cms_list"),
    ]

    dependencies = [
        ("beneficiaries", "0002_initial"),
        ("beneficiaries", "0003_history_lineage_without_constraints"),
        ("claims", "0003_claims_without_mbi_indexes"),
        ("cmslists", "0001_cms_lists"),
        ("entities", "0005_participation_no_overlap"),
        ("jobs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AlignmentRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "program",
                    models.CharField(
                        help_text="Program code at the time of the run (mssp, reach).",
                        max_length=16,
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "list_kind",
                    models.CharField(
                        choices=[
                            ("quarterly", "Quarterly list (as of the run date)"),
                            ("final", "Final list of the performance year"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "as_of",
                    models.DateField(
                        help_text="Run date: quarterly windows and the participant list are taken as of it."
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("prospective", "Prospective"),
                            ("ppwrr", "Preliminary prospective with retrospective reconciliation"),
                            ("", "Not applicable (REACH)"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "version",
                    models.PositiveIntegerField(
                        help_text="1, 2, ... per entity, performance year and list kind."
                    ),
                ),
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
                ("parameters_version", models.CharField(max_length=80)),
                ("parameters", models.JSONField(default=dict)),
                ("windows", models.JSONField(default=dict)),
                ("participants_as_of", models.DateField()),
                ("participants_digest", models.CharField(max_length=64)),
                ("participant_count", models.PositiveIntegerField(default=0)),
                (
                    "deliveries",
                    models.JSONField(
                        default=list, help_text="The loaded deliveries the claims came from."
                    ),
                ),
                ("bucket_count", models.PositiveSmallIntegerField()),
                ("buckets_done", models.PositiveSmallIntegerField(default=0)),
                ("beneficiary_count", models.PositiveIntegerField(default=0)),
                ("aligned_count", models.PositiveIntegerField(default=0)),
                ("summary", models.JSONField(blank=True, default=dict)),
                ("error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
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
                        related_name="alignment_runs",
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
                        help_text="The run the changes are counted against.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="alignment.alignmentrun",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="AlignmentRunEvent",
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
                        to="alignment.alignmentrun",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
            },
        ),
        migrations.CreateModel(
            name="ClaimSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "digest",
                    models.CharField(
                        help_text="Digest of the deliveries and code lists it was built from.",
                        max_length=64,
                    ),
                ),
                ("deliveries", models.JSONField(default=list)),
                (
                    "status",
                    models.CharField(
                        choices=[("building", "Building"), ("ready", "Ready")],
                        default="building",
                        max_length=16,
                    ),
                ),
                ("line_count", models.BigIntegerField(default=0)),
                ("stay_count", models.BigIntegerField(default=0)),
                ("seconds", models.FloatField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "digest"), name="claim_snapshot_unique_digest"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="alignmentrun",
            name="snapshot",
            field=models.ForeignKey(
                blank=True,
                help_text="The claims read (set when the run starts).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="runs",
                to="alignment.claimsnapshot",
            ),
        ),
        migrations.CreateModel(
            name="AlignmentChange",
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
                            ("added", "Added"),
                            ("dropped", "Dropped"),
                            ("changed", "Changed"),
                        ],
                        max_length=16,
                    ),
                ),
                ("previous_step", models.CharField(blank=True, max_length=24)),
                ("previous_reason", models.CharField(blank=True, max_length=40)),
                ("previous_tin", models.CharField(blank=True, max_length=9)),
                ("previous_npi", models.CharField(blank=True, max_length=10)),
                (
                    "step",
                    models.CharField(
                        blank=True,
                        help_text="Empty when the beneficiary left the population.",
                        max_length=24,
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=40)),
                ("attributed_tin", models.CharField(blank=True, max_length=9)),
                ("attributed_npi", models.CharField(blank=True, max_length=10)),
                ("top_competitor", models.CharField(blank=True, max_length=40)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alignment_changes",
                        to="beneficiaries.beneficiary",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="changes",
                        to="alignment.alignmentrun",
                    ),
                ),
            ],
            options={
                "ordering": ["run", "kind", "beneficiary"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "beneficiary"), name="alignment_change_one_per_run"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AlignmentBucket",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("index", models.PositiveSmallIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Pending"), ("done", "Done")],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("beneficiary_count", models.PositiveIntegerField(default=0)),
                (
                    "seconds",
                    models.FloatField(
                        default=0, help_text="Wall time of the bucket's read, compute and write."
                    ),
                ),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="buckets",
                        to="alignment.alignmentrun",
                    ),
                ),
            ],
            options={
                "ordering": ["run", "index"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "index"), name="alignment_bucket_unique_index"
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="alignmentrun",
            index=models.Index(
                fields=["entity", "performance_year", "-created_at"], name="alignment_run_entity_py"
            ),
        ),
        migrations.AddConstraint(
            model_name="alignmentrun",
            constraint=models.UniqueConstraint(
                fields=("entity", "performance_year", "list_kind", "version"),
                name="alignment_run_version_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="alignmentrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=("entity", "performance_year"),
                name="alignment_run_one_open_per_year",
            ),
        ),
        migrations.AddConstraint(
            model_name="alignmentrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("buckets_done__lte", models.F("bucket_count"))),
                name="alignment_run_buckets_done_le_count",
            ),
        ),
        migrations.CreateModel(
            name="VoluntaryAlignment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tin", models.CharField(max_length=9, verbose_name="TIN")),
                ("npi", models.CharField(max_length=10, verbose_name="designated NPI")),
                ("signature_date", models.DateField()),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("medicare_gov", "Medicare.gov designation"),
                            ("attestation", "Signed attestation"),
                        ],
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="voluntary_alignments",
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
                        related_name="voluntary_alignments",
                        to="entities.entity",
                    ),
                ),
            ],
            options={
                "ordering": ["-signature_date", "-id"],
                "indexes": [
                    models.Index(fields=["entity", "beneficiary"], name="voluntary_entity_bene")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "beneficiary", "npi", "signature_date"),
                        name="voluntary_alignment_unique",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalVoluntaryAlignment",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("tin", models.CharField(max_length=9, verbose_name="TIN")),
                ("npi", models.CharField(max_length=10, verbose_name="designated NPI")),
                ("signature_date", models.DateField()),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("medicare_gov", "Medicare.gov designation"),
                            ("attestation", "Signed attestation"),
                        ],
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
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
                    "beneficiary",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="beneficiaries.beneficiary",
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
                "verbose_name": "historical voluntary alignment",
                "verbose_name_plural": "historical voluntary alignments",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ClaimLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.PositiveSmallIntegerField()),
                ("beneficiary_id", models.BigIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[("L", "Service line"), ("S", "SNF stay"), ("I", "Inpatient stay")],
                        max_length=1,
                    ),
                ),
                ("service_date", models.DateField()),
                ("thru_date", models.DateField(blank=True, null=True)),
                ("hcpcs", models.CharField(blank=True, max_length=5)),
                ("allowed_cents", models.BigIntegerField(default=0)),
                ("tin", models.CharField(blank=True, max_length=10)),
                ("npi", models.CharField(blank=True, max_length=10)),
                ("ccn", models.CharField(blank=True, max_length=20)),
                ("specialty", models.CharField(blank=True, max_length=2)),
                ("pos", models.CharField(blank=True, max_length=2)),
                ("fqhc_rhc", models.BooleanField(default=False)),
                (
                    "snapshot",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="alignment.claimsnapshot",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["snapshot", "slot"], name="alignment_claimline_slot")
                ],
            },
        ),
        migrations.CreateModel(
            name="PendingDesignation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("mbi", models.CharField(max_length=11, verbose_name="MBI")),
                ("first_name", models.CharField(max_length=30)),
                ("last_name", models.CharField(max_length=40)),
                ("birth_date", models.DateField(verbose_name="date of birth")),
                ("tin", models.CharField(max_length=9, verbose_name="TIN")),
                ("npi", models.CharField(max_length=10, verbose_name="designated NPI")),
                ("signature_date", models.DateField(verbose_name="date signed")),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("medicare_gov", "Medicare.gov designation"),
                            ("attestation", "Signed attestation"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for the beneficiary to appear in a delivery"),
                            ("matched", "Matched to a beneficiary of a delivery"),
                            ("conflict", "MBI found in a delivery, but the date of birth differs"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                (
                    "matched_on",
                    models.DateField(
                        blank=True,
                        help_text="Date of the delivery that first carried the MBI.",
                        null=True,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        blank=True,
                        help_text="Set when a delivery brought the MBI.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
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
                        related_name="pending_designations",
                        to="entities.entity",
                    ),
                ),
                (
                    "voluntary_alignment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="alignment.voluntaryalignment",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["entity", "status"], name="pending_designation_status")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "mbi", "npi", "signature_date"),
                        name="pending_designation_unique",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Reconciliation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "margin",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="The stated plurality margin, in dollars.",
                        max_digits=10,
                    ),
                ),
                ("people", models.PositiveIntegerField(default=0)),
                ("groups", models.JSONField(default=dict)),
                ("causes", models.JSONField(default=list)),
                (
                    "agreement_percent",
                    models.DecimalField(blank=True, decimal_places=1, max_digits=4, null=True),
                ),
                ("data_sharing_known", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "cms_list",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cmslists.cmslist",
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
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="alignment.alignmentrun",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "cms_list", "margin"), name="reconciliation_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AlignmentResult",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("bucket", models.PositiveSmallIntegerField()),
                ("aligned", models.BooleanField()),
                (
                    "step",
                    models.CharField(
                        choices=[
                            ("eligibility", "Eligibility screen"),
                            ("voluntary", "Voluntary alignment"),
                            ("pre_step", "Pre-step"),
                            ("step_1", "Step 1 (primary care physicians and practitioners)"),
                            ("step_2", "Step 2 (specialists)"),
                            ("step_3", "Step 3 (expanded window)"),
                            ("primary_care", "Claims: primary care specialties"),
                            ("specialist", "Claims: listed specialists"),
                            ("no_claims_route", "Claims: no qualifying service"),
                            ("cms_list", "CMS's list of record"),
                        ],
                        max_length=24,
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            (
                                "aligned_voluntary",
                                "Voluntarily aligned to one of the entity's clinicians",
                            ),
                            (
                                "aligned_plurality",
                                "Plurality of primary care charges with the entity",
                            ),
                            (
                                "aligned_tie_most_recent",
                                "Tie broken toward the entity's more recent service",
                            ),
                            (
                                "not_eligible_no_part_a_and_b",
                                "Not eligible: no month with both Part A and Part B",
                            ),
                            (
                                "not_eligible_part_a_or_b_only",
                                "Not eligible: a month with only Part A or only Part B",
                            ),
                            (
                                "not_eligible_group_health_plan",
                                "Not eligible: months in Medicare Advantage or another group health plan",
                            ),
                            (
                                "not_eligible_other_initiative",
                                "Not eligible: aligned to another shared-savings initiative",
                            ),
                            ("not_eligible_outside_us", "Not eligible: lived outside the US"),
                            (
                                "not_eligible_died_before_py",
                                "Not eligible: died before the performance year began",
                            ),
                            (
                                "no_primary_care_service",
                                "No qualifying primary care service in the window",
                            ),
                            (
                                "no_entity_primary_care_service",
                                "No qualifying primary care service from the entity's clinicians",
                            ),
                            (
                                "plurality_lost",
                                "Plurality of primary care charges went to another entity",
                            ),
                            (
                                "tie_lost_most_recent",
                                "Tie broken toward another entity's more recent service",
                            ),
                            (
                                "tie_unresolved",
                                "Tie with another entity on charges and on the most recent service",
                            ),
                            (
                                "aligned_cms_list_withheld",
                                "Aligned by CMS's list of record: declined data sharing, claims withheld",
                            ),
                        ],
                        max_length=40,
                    ),
                ),
                ("attributed_tin", models.CharField(blank=True, max_length=9)),
                ("attributed_npi", models.CharField(blank=True, max_length=10)),
                ("attributed_ccn", models.CharField(blank=True, max_length=6)),
                (
                    "entity_allowed",
                    models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=14),
                ),
                ("top_competitor", models.CharField(blank=True, max_length=40)),
                (
                    "competitor_allowed",
                    models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=14),
                ),
                ("entity_last_service", models.DateField(blank=True, null=True)),
                ("competitor_last_service", models.DateField(blank=True, null=True)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alignment_results",
                        to="beneficiaries.beneficiary",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="results",
                        to="alignment.alignmentrun",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["beneficiary", "run"], name="alignment_result_bene_run"),
                    models.Index(fields=["run", "bucket"], name="alignment_result_run_bucket"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "beneficiary"), name="alignment_result_one_per_run"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),  # 0004_final_action_indexes
    ]
