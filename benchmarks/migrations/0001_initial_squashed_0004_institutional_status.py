"""Squashed (manage.py squashmigrations) so that `migrate` applies fewer operations: each one
re-renders the models related to the one it changes, which made most of the time of a new
database. Index and constraint operations are folded into their CreateModel and the data and
PostgreSQL-only RunPython operations, copied below, run at the end in their old order; the
schema made is the same (PostgreSQL and SQLite). The replaced migrations stay until every
database has applied them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# From 0002_reference_defaults:
def load(apps, schema_editor):
    from benchmarks.services.reference import reference_defaults_load

    reference_defaults_load(
        program_model=apps.get_model("entities", "Program"),
        dataset_model=apps.get_model("benchmarks", "ReferenceDataset"),
        value_model=apps.get_model("benchmarks", "ReferenceValue"),
    )


class Migration(migrations.Migration):
    replaces = [
        ("benchmarks", "0001_initial"),
        ("benchmarks", "0002_reference_defaults"),
        ("benchmarks", "0003_benchmark_year_population"),
        ("benchmarks", "0004_institutional_status"),
    ]

    dependencies = [
        ("alignment", "0002_voluntary_history"),
        ("beneficiaries", "0002_initial"),
        ("entities", "0004_registry_data"),
        ("entities", "0005_participation_no_overlap"),
        ("jobs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RiskHcc",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("model", models.CharField(max_length=40)),
                ("hcc", models.CharField(max_length=16)),
                ("label", models.CharField(blank=True, max_length=200)),
                (
                    "coefficient",
                    models.DecimalField(blank=True, decimal_places=3, max_digits=8, null=True),
                ),
            ],
            options={
                "ordering": ["model", "hcc"],
            },
        ),
        migrations.CreateModel(
            name="ReferenceDataset",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
                ("version", models.PositiveIntegerField()),
                (
                    "source",
                    models.TextField(
                        help_text="The CMS document (and table) the values come from."
                    ),
                ),
                ("file_name", models.CharField(blank=True, max_length=200)),
                ("sha256", models.CharField(max_length=64)),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "entity",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="entities.program",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["program__code", "-year", "entity__cms_id", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("entity__isnull", False)),
                        fields=("program", "year", "entity", "version"),
                        name="refdata_version_unique_entity",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("entity__isnull", True)),
                        fields=("program", "year", "version"),
                        name="refdata_version_unique_national",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="BenchmarkCalculation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                ("version", models.PositiveIntegerField()),
                ("program", models.CharField(max_length=16)),
                ("method", models.CharField(max_length=200)),
                (
                    "parameters",
                    models.JSONField(
                        default=dict, help_text="Agreement start, period, arrangement ..."
                    ),
                ),
                (
                    "inputs_summary",
                    models.JSONField(default=dict, help_text="Counts of what was read."),
                ),
                ("total", models.DecimalField(decimal_places=2, max_digits=16)),
                ("member_months", models.PositiveIntegerField()),
                ("member_months_by_enrollment_type", models.JSONField(default=dict)),
                (
                    "extras",
                    models.JSONField(
                        default=dict, help_text="Program-specific totals, as strings."
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
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
                        on_delete=django.db.models.deletion.CASCADE,
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
                    "reference_datasets",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="benchmarks.referencedataset"
                    ),
                ),
            ],
            options={
                "ordering": ["-performance_year", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "performance_year", "version"),
                        name="benchmark_version_unique",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RiskDiagnosis",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("dx_code", models.CharField(max_length=8)),
                ("claim_count", models.PositiveIntegerField()),
                ("first_date", models.DateField(blank=True, null=True)),
                ("last_date", models.DateField(blank=True, null=True)),
                (
                    "last_claim_id",
                    models.CharField(blank=True, help_text="CUR_CLM_UNIQ_ID", max_length=20),
                ),
                (
                    "hcc",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="diagnoses",
                        to="benchmarks.riskhcc",
                    ),
                ),
            ],
            options={
                "ordering": ["dx_code"],
            },
        ),
        migrations.CreateModel(
            name="RiskScore",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("payment_year", models.PositiveSmallIntegerField()),
                ("model_family", models.CharField(help_text="cms_hcc or esrd", max_length=16)),
                (
                    "segment",
                    models.CharField(
                        help_text="hccinfhir coefficient segment (CNA, INS, NE, DI, ...)",
                        max_length=32,
                    ),
                ),
                ("raw_score", models.DecimalField(decimal_places=6, max_digits=10)),
                ("demographic_score", models.DecimalField(decimal_places=6, max_digits=10)),
                ("blend", models.JSONField(default=dict, help_text="Model name -> weight.")),
                ("diagnosis_year", models.PositiveSmallIntegerField()),
                (
                    "diagnoses_through",
                    models.DateField(help_text="Latest claim through date read."),
                ),
                ("computed_at", models.DateTimeField(auto_now=True)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="risk_scores",
                        to="beneficiaries.beneficiary",
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
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="jobs.job",
                    ),
                ),
            ],
            options={
                "ordering": ["beneficiary_id", "-payment_year"],
                "indexes": [
                    models.Index(fields=["entity", "payment_year"], name="risk_score_entity_year")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("beneficiary", "payment_year"), name="risk_score_one_per_year"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="riskhcc",
            name="risk_score",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hccs",
                to="benchmarks.riskscore",
            ),
        ),
        migrations.CreateModel(
            name="RiskScoreComponent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("model", models.CharField(max_length=40)),
                ("weight", models.DecimalField(decimal_places=6, max_digits=8)),
                ("segment", models.CharField(max_length=32)),
                ("raw_score", models.DecimalField(decimal_places=3, max_digits=10)),
                ("demographic_score", models.DecimalField(decimal_places=3, max_digits=10)),
                (
                    "risk_score",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="components",
                        to="benchmarks.riskscore",
                    ),
                ),
            ],
            options={
                "ordering": ["model"],
            },
        ),
        migrations.CreateModel(
            name="BenchmarkSegment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("segment", models.CharField(max_length=16)),
                ("member_months", models.PositiveIntegerField()),
                ("per_capita", models.DecimalField(decimal_places=2, max_digits=14)),
                ("total", models.DecimalField(decimal_places=2, max_digits=16)),
                (
                    "calculation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="segments",
                        to="benchmarks.benchmarkcalculation",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("calculation", "segment"), name="benchmark_segment_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="BenchmarkStep",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField()),
                ("key", models.CharField(max_length=64)),
                ("title", models.CharField(max_length=200)),
                ("rule", models.TextField()),
                ("note", models.TextField(blank=True)),
                ("inputs", models.JSONField(default=list)),
                ("outputs", models.JSONField(default=list)),
                (
                    "calculation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="steps",
                        to="benchmarks.benchmarkcalculation",
                    ),
                ),
            ],
            options={
                "ordering": ["position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("calculation", "position"), name="benchmark_step_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ReferenceValue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=64)),
                ("segment", models.CharField(blank=True, max_length=16)),
                ("value", models.DecimalField(decimal_places=18, max_digits=34)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("cms", "Copied from a CMS report or rate book"),
                            ("V", "[V] seen in a primary or secondary source"),
                            ("R", "[R] recalled, not re-read: to confirm"),
                            ("3P", "[3P] third-party source: to confirm"),
                            ("demo", "Demo value (synthetic)"),
                        ],
                        max_length=8,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300)),
                (
                    "dataset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="values",
                        to="benchmarks.referencedataset",
                    ),
                ),
            ],
            options={
                "ordering": ["name", "segment"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("dataset", "name", "segment"), name="refvalue_unique_name"
                    )
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="riskhcc",
            constraint=models.UniqueConstraint(
                fields=("risk_score", "model", "hcc"), name="risk_hcc_unique"
            ),
        ),
        migrations.CreateModel(
            name="BenchmarkYearPopulation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
                ("role", models.CharField(help_text="BY1, BY2, BY3 or PY.", max_length=4)),
                ("source", models.CharField(max_length=24)),
                ("description", models.TextField()),
                ("lineage", models.JSONField(blank=True, default=dict)),
                ("by_step_reason", models.JSONField(blank=True, default=list)),
                (
                    "beneficiary_count",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Beneficiaries the engine looked at (every one with claims data).",
                    ),
                ),
                (
                    "beneficiary_ids",
                    models.JSONField(default=list, help_text="The population's beneficiaries."),
                ),
                (
                    "alignment_run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="alignment.alignmentrun",
                    ),
                ),
                (
                    "calculation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="populations",
                        to="benchmarks.benchmarkcalculation",
                    ),
                ),
            ],
            options={
                "ordering": ["year"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("calculation", "year"), name="benchmark_population_unique_year"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="InstitutionalStatus",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "year",
                    models.PositiveSmallIntegerField(
                        help_text="The payment year the status applies to."
                    ),
                ),
                ("institutional", models.BooleanField()),
                ("source", models.TextField(help_text="The CMS report the status comes from.")),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["year", "beneficiary_id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "beneficiary", "year"), name="institutional_status_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(load, migrations.RunPython.noop),  # 0002_reference_defaults
    ]
