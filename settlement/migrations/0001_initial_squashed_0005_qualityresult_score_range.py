"""Squashed (manage.py squashmigrations) so that `migrate` applies fewer operations: each one
re-renders the models related to the one it changes, which made most of the time of a new
database. Index and constraint operations are folded into their CreateModel and the data and
PostgreSQL-only RunPython operations, copied below, run at the end in their old order; the
schema made is the same (PostgreSQL and SQLite). The replaced migrations stay until every
database has applied them."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# From 0002_immutable_versions:
TABLES = ("settlement_settlementrun", "settlement_participantshare")

CREATE = """
CREATE OR REPLACE FUNCTION settlement_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'settlement versions are immutable: run a new version (table %%, id %%)', TG_TABLE_NAME, OLD.id;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION settlement_refuse_update()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS settlement_refuse_update()")


class Migration(migrations.Migration):
    replaces = [
        ("settlement", "0001_initial"),
        ("settlement", "0002_immutable_versions"),
        ("settlement", "0003_qualityresult"),
        ("settlement", "0004_qualityresult_origin_path"),
        ("settlement", "0005_qualityresult_score_range"),
    ]

    dependencies = [
        ("entities", "0002_programs"),
        ("entities", "0005_participation_no_overlap"),
        ("jobs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SettlementRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("program", models.CharField(max_length=16)),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("final", "Final settlement"),
                            ("projection", "Projected settlement"),
                        ],
                        max_length=16,
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                ("inputs", models.JSONField()),
                ("figures", models.JSONField()),
                ("explanation", models.JSONField()),
                ("band", models.JSONField(blank=True, default=dict)),
                ("parameter_version", models.CharField(max_length=120)),
                ("gross_savings", models.DecimalField(decimal_places=2, max_digits=16)),
                ("earned_savings_losses", models.DecimalField(decimal_places=2, max_digits=16)),
                ("distribution_method", models.CharField(blank=True, max_length=200)),
                (
                    "note",
                    models.CharField(blank=True, max_length=300, verbose_name="why this version"),
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
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="settlement_runs",
                        to="entities.entity",
                    ),
                ),
                (
                    "job",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="settlement_run",
                        to="jobs.job",
                    ),
                ),
            ],
            options={
                "ordering": ["-performance_year", "kind", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "performance_year", "kind", "version"),
                        name="settlement_run_one_version_number",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("version__gte", 1)),
                        name="settlement_run_version_from_1",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ParticipantShare",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "tin",
                    models.CharField(
                        max_length=9,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^\\d{9}$", "A TIN is nine digits."
                            )
                        ],
                        verbose_name="TIN",
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("attributed_beneficiaries", models.PositiveIntegerField()),
                (
                    "benchmark",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True),
                ),
                (
                    "expenditure",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True),
                ),
                (
                    "quality_score",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
                ),
                ("weight", models.DecimalField(decimal_places=12, max_digits=13)),
                ("amount", models.DecimalField(decimal_places=2, max_digits=16)),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="shares",
                        to="settlement.settlementrun",
                    ),
                ),
            ],
            options={
                "ordering": ["run", "tin"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "tin"), name="participant_share_one_per_tin"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="QualityResult",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "quality_score",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="0-100, as on CMS's quality report.",
                        max_digits=5,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(100),
                        ],
                    ),
                ),
                (
                    "met_standard",
                    models.BooleanField(
                        default=False, verbose_name="met the quality performance standard"
                    ),
                ),
                (
                    "met_alternative",
                    models.BooleanField(
                        default=False, verbose_name="met the alternative quality standard"
                    ),
                ),
                (
                    "met_reporting",
                    models.BooleanField(
                        default=False, verbose_name="met the quality reporting requirement"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        help_text="Where the figures come from (CMS report, date).", max_length=300
                    ),
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
                        related_name="quality_results",
                        to="entities.entity",
                    ),
                ),
                (
                    "origin",
                    models.CharField(
                        choices=[
                            ("computed", "Computed on the platform from the measure results"),
                            (
                                "override",
                                "Entered from CMS's report (overrides the computed score)",
                            ),
                        ],
                        default="override",
                        max_length=12,
                    ),
                ),
                (
                    "path",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="A computed score's measure-by-measure path to the standards (lines of text).",
                    ),
                ),
                (
                    "score_range",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text="A computed score with every measure at the worse and at the better end of its 95% interval: {'low'|'high': {'score', 'met_standard', 'met_alternative'}}.",
                    ),
                ),
            ],
            options={
                "ordering": ["entity", "-performance_year"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "performance_year"),
                        name="quality_result_one_per_entity_year",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("quality_score__gte", 0), ("quality_score__lte", 100)),
                        name="quality_result_score_0_100",
                    ),
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),  # 0002_immutable_versions
    ]
