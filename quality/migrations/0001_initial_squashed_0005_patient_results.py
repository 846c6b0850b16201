"""Squashed (manage.py squashmigrations) so that `migrate` applies fewer operations: each one
re-renders the models related to the one it changes, which made most of the time of a new
database. Index and constraint operations are folded into their CreateModel; the schema made
is the same (PostgreSQL and SQLite). The replaced migrations stay until every
database has applied them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("quality", "0001_initial"),
        ("quality", "0002_reported_files"),
        ("quality", "0003_benchmarks_cahps"),
        ("quality", "0004_health_equity_inputs"),
        ("quality", "0005_patient_results"),
    ]

    dependencies = [
        ("beneficiaries", "0003_history_lineage_without_constraints"),
        ("entities", "0005_participation_no_overlap"),
        ("jobs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MeasureResult",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=8)),
                ("title", models.CharField(max_length=200)),
                (
                    "basis",
                    models.CharField(
                        help_text="'observed': computed here from claims, never CMS's figure.",
                        max_length=16,
                    ),
                ),
                ("unit", models.CharField(max_length=24)),
                ("lower_is_better", models.BooleanField()),
                ("numerator", models.DecimalField(decimal_places=2, max_digits=14)),
                ("denominator", models.DecimalField(decimal_places=2, max_digits=14)),
                (
                    "rate",
                    models.DecimalField(blank=True, decimal_places=4, max_digits=10, null=True),
                ),
                (
                    "lower",
                    models.DecimalField(blank=True, decimal_places=4, max_digits=10, null=True),
                ),
                (
                    "upper",
                    models.DecimalField(blank=True, decimal_places=4, max_digits=10, null=True),
                ),
                ("exclusions", models.JSONField(blank=True, default=dict)),
                ("quarters", models.JSONField(blank=True, default=list)),
                ("specification", models.TextField()),
                ("partial_value_sets", models.JSONField(blank=True, default=list)),
                ("notes", models.JSONField(blank=True, default=list)),
            ],
            options={
                "ordering": ["run", "id"],
            },
        ),
        migrations.CreateModel(
            name="MeasureEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("claim_id", models.CharField(max_length=20)),
                ("kind", models.CharField(max_length=16)),
                ("start", models.DateField()),
                ("end", models.DateField()),
                ("principal_dx", models.CharField(blank=True, max_length=8)),
                ("counted", models.BooleanField()),
                ("reason", models.CharField(blank=True, max_length=80)),
                ("facility_ccn", models.CharField(blank=True, max_length=6)),
                ("facility_npi", models.CharField(blank=True, max_length=10)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="beneficiaries.beneficiary",
                    ),
                ),
                (
                    "result",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="quality.measureresult",
                    ),
                ),
            ],
            options={
                "ordering": ["result", "start", "id"],
            },
        ),
        migrations.CreateModel(
            name="MeasureRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "as_of",
                    models.DateField(
                        help_text="The claims data date: the latest claim through date the measures read."
                    ),
                ),
                ("population_source", models.CharField(max_length=200)),
                ("population", models.PositiveIntegerField(default=0)),
                ("value_set_version", models.CharField(max_length=20)),
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
                        related_name="quality_runs",
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
                "ordering": ["-performance_year", "-as_of", "-created_at"],
                "indexes": [
                    models.Index(
                        fields=["entity", "performance_year", "-created_at"],
                        name="quality_mea_entity__812024_idx",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="measureresult",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="results",
                to="quality.measurerun",
            ),
        ),
        migrations.CreateModel(
            name="MeasureCase",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("unit", models.CharField(max_length=12)),
                ("category", models.CharField(blank=True, max_length=300)),
                ("event_claim_id", models.CharField(blank=True, max_length=20)),
                ("event_start", models.DateField(blank=True, null=True)),
                ("event_end", models.DateField(blank=True, null=True)),
                ("event_dx", models.CharField(blank=True, max_length=8)),
                ("outcome", models.DecimalField(decimal_places=2, max_digits=10)),
                ("exposure", models.DecimalField(decimal_places=2, max_digits=10)),
                ("outcome_claim_id", models.CharField(blank=True, max_length=20)),
                ("outcome_date", models.DateField(blank=True, null=True)),
                ("outcome_dx", models.CharField(blank=True, max_length=8)),
                ("window_end", models.DateField(blank=True, null=True)),
                ("tin", models.CharField(blank=True, max_length=9)),
                ("npi", models.CharField(blank=True, max_length=10)),
                ("facility_ccn", models.CharField(blank=True, max_length=6)),
                ("facility_npi", models.CharField(blank=True, max_length=10)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="beneficiaries.beneficiary",
                    ),
                ),
                (
                    "result",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cases",
                        to="quality.measureresult",
                    ),
                ),
            ],
            options={
                "ordering": ["result", "event_end", "id"],
                "indexes": [
                    models.Index(
                        fields=["result", "outcome"], name="quality_mea_result__79002c_idx"
                    )
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="measureresult",
            constraint=models.UniqueConstraint(
                fields=("run", "code"), name="quality_result_one_per_code"
            ),
        ),
        migrations.CreateModel(
            name="ReportedFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("qrda3", "QRDA Category III (eCQM aggregate results)"),
                            ("cahps", "CAHPS for MIPS survey results (survey vendor's file)"),
                            (
                                "fhir_mr",
                                "FHIR MeasureReport (individual, patient-level eCQM results)",
                            ),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "source",
                    models.CharField(help_text="Who sent it: the EHR or vendor.", max_length=200),
                ),
                (
                    "submitted_on",
                    models.DateField(help_text="The date the source submitted the file."),
                ),
                ("period_start", models.DateField()),
                ("period_end", models.DateField()),
                ("file_name", models.CharField(max_length=200)),
                ("sha256", models.CharField(max_length=64)),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="quality_files",
                        to="entities.entity",
                    ),
                ),
                (
                    "superseded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="replaced",
                        to="quality.reportedfile",
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
                "ordering": ["-performance_year", "-uploaded_at"],
            },
        ),
        migrations.CreateModel(
            name="ReportedMeasure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "measure_id",
                    models.CharField(help_text="The measure's version-specific id.", max_length=80),
                ),
                ("title", models.CharField(blank=True, max_length=300)),
                ("ipop", models.PositiveIntegerField(blank=True, null=True)),
                ("denom", models.PositiveIntegerField(blank=True, null=True)),
                ("numer", models.PositiveIntegerField(blank=True, null=True)),
                ("denex", models.PositiveIntegerField(blank=True, null=True)),
                ("denexcep", models.PositiveIntegerField(blank=True, null=True)),
                (
                    "performance_rate",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True),
                ),
                (
                    "file",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="measures",
                        to="quality.reportedfile",
                    ),
                ),
            ],
            options={
                "ordering": ["file", "measure_id"],
            },
        ),
        migrations.CreateModel(
            name="BenchmarkFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "source",
                    models.CharField(help_text="The CMS publication and its date.", max_length=300),
                ),
                ("file_name", models.CharField(max_length=200)),
                ("sha256", models.CharField(max_length=64)),
                (
                    "qps_threshold",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
                ),
                ("qps_source", models.CharField(blank=True, max_length=300)),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "superseded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="replaced",
                        to="quality.benchmarkfile",
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
                "ordering": ["-performance_year", "-uploaded_at"],
            },
        ),
        migrations.CreateModel(
            name="MipsBenchmark",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("measure_id", models.CharField(max_length=40)),
                ("collection", models.CharField(max_length=60)),
                ("name", models.CharField(blank=True, max_length=400)),
                ("inverse", models.BooleanField()),
                ("topped_out_by_program", models.BooleanField()),
                ("percentiles", models.JSONField()),
                (
                    "file",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rows",
                        to="quality.benchmarkfile",
                    ),
                ),
            ],
            options={
                "ordering": ["file", "measure_id", "collection"],
            },
        ),
        migrations.CreateModel(
            name="HealthEquityInput",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "performance_scaler",
                    models.DecimalField(
                        decimal_places=2, help_text="As on CMS's report.", max_digits=6
                    ),
                ),
                (
                    "underserved_multiplier",
                    models.DecimalField(
                        decimal_places=4,
                        help_text="0 to 1, as on CMS's report (e.g. 0.4250).",
                        max_digits=5,
                    ),
                ),
                (
                    "eligible",
                    models.BooleanField(
                        default=True,
                        help_text="As CMS determined it.",
                        verbose_name="eligible for the adjustment",
                    ),
                ),
                (
                    "source",
                    models.CharField(help_text="CMS's report and its date.", max_length=300),
                ),
                ("entered_at", models.DateTimeField(auto_now=True)),
                (
                    "entered_by",
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
                        related_name="health_equity_inputs",
                        to="entities.entity",
                    ),
                ),
            ],
            options={
                "verbose_name": "health equity adjustment input",
                "ordering": ["entity", "-performance_year"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "performance_year"),
                        name="health_equity_one_per_entity_year",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("underserved_multiplier__gte", 0),
                            ("underserved_multiplier__lte", 1),
                            ("performance_scaler__gte", 0),
                        ),
                        name="health_equity_inputs_in_range",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PatientResult",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "quality_id",
                    models.CharField(help_text="The MIPS Quality ID, e.g. 001.", max_length=8),
                ),
                (
                    "measure_ref",
                    models.CharField(
                        help_text="The measure as the report names it.", max_length=300
                    ),
                ),
                (
                    "entry",
                    models.CharField(
                        help_text="Where in the submission: entry and id.", max_length=120
                    ),
                ),
                ("initial_population", models.BooleanField(default=False)),
                ("denominator", models.BooleanField(default=False)),
                ("denominator_exclusion", models.BooleanField(default=False)),
                ("denominator_exception", models.BooleanField(default=False)),
                ("numerator", models.BooleanField(default=False)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="beneficiaries.beneficiary",
                    ),
                ),
                (
                    "file",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="patients",
                        to="quality.reportedfile",
                    ),
                ),
            ],
            options={
                "ordering": ["file", "quality_id", "id"],
                "indexes": [
                    models.Index(
                        fields=["file", "quality_id"], name="quality_pat_file_id_84c58f_idx"
                    )
                ],
            },
        ),
    ]
