"""Squashed (manage.py squashmigrations) so that `migrate` applies fewer operations: each one
re-renders the models related to the one it changes, which made most of the time of a new
database. Index and constraint operations are folded into their CreateModel and the data and
PostgreSQL-only RunPython operations, copied below, run at the end in their old order; the
schema made is the same (PostgreSQL and SQLite). The replaced migrations stay until every
database has applied them."""

import django.db.models.deletion
import entities.identifiers
import entities.models.registry
import simple_history.models
from django.conf import settings
from django.db import migrations, models


# From 0002_programs:
PROGRAMS = [
    ("mssp", "Medicare Shared Savings Program"),
    ("reach", "ACO REACH"),
    ("mcp", "Making Care Primary"),
    ("lead", "LEAD (Long-term Enhanced ACO Design)"),
]


def add_programs(apps, schema_editor):
    Program = apps.get_model("entities", "Program")
    for code, name in PROGRAMS:
        Program.objects.update_or_create(code=code, defaults={"name": name})


# From 0004_registry_data:
def load(apps, schema_editor):
    from entities.registry_data import load_registry

    load_registry(apps)


# From 0005_participation_no_overlap:
CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE entities_participation ADD CONSTRAINT participation_no_overlap EXCLUDE USING gist (
    entity_id WITH =,
    organization_id WITH =,
    (COALESCE(provider_id, 0)) WITH =,
    ccn WITH =,
    daterange(start_date, end_date, '[]') WITH &&
);
"""
DROP = "ALTER TABLE entities_participation DROP CONSTRAINT IF EXISTS participation_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    replaces = [
        ("entities", "0002_programs"),
        ("entities", "0003_registry_entities_participants"),
        ("entities", "0004_registry_data"),
        ("entities", "0005_participation_no_overlap"),
    ]

    dependencies = [
        ("entities", "0001_initial"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ParticipantOrganization",
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
                        unique=True,
                        validators=[entities.identifiers.validate_tin],
                        verbose_name="TIN",
                    ),
                ),
                ("legal_name", models.CharField(blank=True, max_length=200)),
                (
                    "bills_primary_care",
                    models.BooleanField(
                        default=False,
                        help_text="The TIN bills primary care services used in assignment even if none of its listed clinicians has a primary care specialty. A TIN with a listed primary care clinician counts anyway.",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "participant organization (TIN)",
                "verbose_name_plural": "participant organizations (TINs)",
                "ordering": ["legal_name", "tin"],
            },
        ),
        migrations.CreateModel(
            name="Provider",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "npi",
                    models.CharField(
                        max_length=10,
                        unique=True,
                        validators=[entities.identifiers.validate_npi],
                        verbose_name="NPI",
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        blank=True,
                        help_text='Clinician as "Last, First", or organisation.',
                        max_length=200,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["name", "npi"],
            },
        ),
        migrations.CreateModel(
            name="SpecialtyCode",
            fields=[
                ("code", models.CharField(max_length=2, primary_key=True, serialize=False)),
                ("description", models.CharField(max_length=200)),
                (
                    "provider_class",
                    models.CharField(
                        choices=[
                            ("pcp", "Primary care physician"),
                            (
                                "npp",
                                "Nurse practitioner / physician assistant / clinical nurse specialist",
                            ),
                            ("specialist", "Specialist listed for assignment"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=16,
                    ),
                ),
                (
                    "evidence",
                    models.CharField(
                        choices=[
                            ("V", "[V] seen in a primary or secondary source"),
                            ("R", "[R] recalled from the named document, not re-read"),
                            ("3P", "[3P] third-party secondary source"),
                        ],
                        max_length=2,
                    ),
                ),
                ("to_confirm", models.BooleanField(default=False)),
                ("source", models.TextField()),
            ],
            options={
                "ordering": ["code"],
            },
        ),
        migrations.AlterModelOptions(
            name="program",
            options={"ordering": ["code"]},
        ),
        migrations.AddField(
            model_name="entity",
            name="agreement_start",
            field=models.DateField(blank=True, null=True, verbose_name="agreement period start"),
        ),
        migrations.AddField(
            model_name="entity",
            name="assignment_method",
            field=models.CharField(
                choices=[
                    ("prospective", "Prospective"),
                    (
                        "preliminary_prospective",
                        "Preliminary prospective with retrospective reconciliation",
                    ),
                ],
                default="prospective",
                max_length=32,
            ),
        ),
        migrations.AddField(
            model_name="entity",
            name="msr_mlr_choice",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not applicable (one-sided or not MSSP)"),
                    ("0.0", "0.0%"),
                    ("0.5", "0.5%"),
                    ("1.0", "1.0%"),
                    ("1.5", "1.5%"),
                    ("2.0", "2.0%"),
                    ("variable", "Variable (by number of assigned beneficiaries)"),
                ],
                help_text="MSSP two-sided tracks: chosen at agreement start and locked for the agreement period.",
                max_length=8,
                verbose_name="MSR/MLR choice",
            ),
        ),
        migrations.AddField(
            model_name="entity",
            name="tin",
            field=models.CharField(
                blank=True,
                help_text="The entity's own 9-digit TIN.",
                max_length=9,
                validators=[entities.identifiers.validate_tin],
                verbose_name="TIN",
            ),
        ),
        migrations.AddField(
            model_name="entity",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, null=True),
        ),
        migrations.AddField(
            model_name="program",
            name="description",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="program",
            name="end_date",
            field=models.DateField(
                blank=True, help_text="Last day of the program (empty: no end set).", null=True
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="entity_id_example",
            field=models.CharField(blank=True, max_length=16, verbose_name="entity ID example"),
        ),
        migrations.AddField(
            model_name="program",
            name="entity_id_pattern",
            field=models.CharField(
                default="^[A-Z0-9]{4,16}$",
                help_text="Regular expression every CMS ID of this program's entities must match.",
                max_length=100,
                validators=[entities.models.registry.validate_regex],
                verbose_name="entity ID pattern",
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="entity_id_to_confirm",
            field=models.BooleanField(
                default=False,
                help_text="The pattern is a permissive default, not confirmed against a CMS document.",
                verbose_name="entity ID pattern to confirm",
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="entity_kind",
            field=models.CharField(
                blank=True,
                help_text="What the program calls a participating entity: ACO, DCE, practice.",
                max_length=40,
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="has_preferred_providers",
            field=models.BooleanField(
                default=False,
                help_text="Entities may list Preferred Providers besides Participant Providers.",
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="npi_exclusive_participants",
            field=models.BooleanField(
                default=False,
                help_text="An NPI may be a participant of only one entity of this program at a time.",
                verbose_name="NPI exclusive across entities",
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="primary_care_tin_exclusive",
            field=models.BooleanField(
                default=False,
                help_text="A TIN billing primary care may be in only one entity of this program per performance year.",
                verbose_name="primary-care TIN exclusive across entities",
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="source",
            field=models.TextField(
                blank=True, help_text="Where the dates, pattern and rules come from."
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="start_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="program",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "Active"),
                    ("closed", "Closed out"),
                    ("announced", "Announced (not started)"),
                ],
                default="active",
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="HistoricalEntity",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("cms_id", models.CharField(db_index=True, max_length=16, verbose_name="CMS ID")),
                ("legal_name", models.CharField(max_length=200)),
                (
                    "tin",
                    models.CharField(
                        blank=True,
                        help_text="The entity's own 9-digit TIN.",
                        max_length=9,
                        validators=[entities.identifiers.validate_tin],
                        verbose_name="TIN",
                    ),
                ),
                (
                    "agreement_start",
                    models.DateField(blank=True, null=True, verbose_name="agreement period start"),
                ),
                (
                    "assignment_method",
                    models.CharField(
                        choices=[
                            ("prospective", "Prospective"),
                            (
                                "preliminary_prospective",
                                "Preliminary prospective with retrospective reconciliation",
                            ),
                        ],
                        default="prospective",
                        max_length=32,
                    ),
                ),
                (
                    "msr_mlr_choice",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not applicable (one-sided or not MSSP)"),
                            ("0.0", "0.0%"),
                            ("0.5", "0.5%"),
                            ("1.0", "1.0%"),
                            ("1.5", "1.5%"),
                            ("2.0", "2.0%"),
                            ("variable", "Variable (by number of assigned beneficiaries)"),
                        ],
                        help_text="MSSP two-sided tracks: chosen at agreement start and locked for the agreement period.",
                        max_length=8,
                        verbose_name="MSR/MLR choice",
                    ),
                ),
                ("updated_at", models.DateTimeField(blank=True, editable=False, null=True)),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.program",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical entity",
                "verbose_name_plural": "historical entities",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalParticipantOrganization",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "tin",
                    models.CharField(
                        db_index=True,
                        max_length=9,
                        validators=[entities.identifiers.validate_tin],
                        verbose_name="TIN",
                    ),
                ),
                ("legal_name", models.CharField(blank=True, max_length=200)),
                (
                    "bills_primary_care",
                    models.BooleanField(
                        default=False,
                        help_text="The TIN bills primary care services used in assignment even if none of its listed clinicians has a primary care specialty. A TIN with a listed primary care clinician counts anyway.",
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
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
                "verbose_name": "historical participant organization (TIN)",
                "verbose_name_plural": "historical participant organizations (TINs)",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPerformanceYear",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
                (
                    "label",
                    models.CharField(
                        blank=True, help_text='For example "GPDC PY1".', max_length=60
                    ),
                ),
                ("start_date", models.DateField()),
                ("end_date", models.DateField()),
                (
                    "change_request_deadline",
                    models.DateField(
                        blank=True,
                        help_text="Last day CMS accepts participant-list change requests for this year.",
                        null=True,
                        verbose_name="participant-list change deadline",
                    ),
                ),
                ("notes", models.TextField(blank=True)),
                ("source", models.TextField(blank=True)),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.program",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical performance year",
                "verbose_name_plural": "historical performance years",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProgram",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=32)),
                ("name", models.CharField(max_length=200)),
                (
                    "entity_kind",
                    models.CharField(
                        blank=True,
                        help_text="What the program calls a participating entity: ACO, DCE, practice.",
                        max_length=40,
                    ),
                ),
                (
                    "entity_id_pattern",
                    models.CharField(
                        default="^[A-Z0-9]{4,16}$",
                        help_text="Regular expression every CMS ID of this program's entities must match.",
                        max_length=100,
                        validators=[entities.models.registry.validate_regex],
                        verbose_name="entity ID pattern",
                    ),
                ),
                (
                    "entity_id_example",
                    models.CharField(blank=True, max_length=16, verbose_name="entity ID example"),
                ),
                (
                    "entity_id_to_confirm",
                    models.BooleanField(
                        default=False,
                        help_text="The pattern is a permissive default, not confirmed against a CMS document.",
                        verbose_name="entity ID pattern to confirm",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("closed", "Closed out"),
                            ("announced", "Announced (not started)"),
                        ],
                        default="active",
                        max_length=16,
                    ),
                ),
                ("start_date", models.DateField(blank=True, null=True)),
                (
                    "end_date",
                    models.DateField(
                        blank=True,
                        help_text="Last day of the program (empty: no end set).",
                        null=True,
                    ),
                ),
                (
                    "has_preferred_providers",
                    models.BooleanField(
                        default=False,
                        help_text="Entities may list Preferred Providers besides Participant Providers.",
                    ),
                ),
                (
                    "npi_exclusive_participants",
                    models.BooleanField(
                        default=False,
                        help_text="An NPI may be a participant of only one entity of this program at a time.",
                        verbose_name="NPI exclusive across entities",
                    ),
                ),
                (
                    "primary_care_tin_exclusive",
                    models.BooleanField(
                        default=False,
                        help_text="A TIN billing primary care may be in only one entity of this program per performance year.",
                        verbose_name="primary-care TIN exclusive across entities",
                    ),
                ),
                ("description", models.TextField(blank=True)),
                (
                    "source",
                    models.TextField(
                        blank=True, help_text="Where the dates, pattern and rules come from."
                    ),
                ),
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
                "verbose_name": "historical program",
                "verbose_name_plural": "historical programs",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalSpecialtyCode",
            fields=[
                ("code", models.CharField(db_index=True, max_length=2)),
                ("description", models.CharField(max_length=200)),
                (
                    "provider_class",
                    models.CharField(
                        choices=[
                            ("pcp", "Primary care physician"),
                            (
                                "npp",
                                "Nurse practitioner / physician assistant / clinical nurse specialist",
                            ),
                            ("specialist", "Specialist listed for assignment"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=16,
                    ),
                ),
                (
                    "evidence",
                    models.CharField(
                        choices=[
                            ("V", "[V] seen in a primary or secondary source"),
                            ("R", "[R] recalled from the named document, not re-read"),
                            ("3P", "[3P] third-party secondary source"),
                        ],
                        max_length=2,
                    ),
                ),
                ("to_confirm", models.BooleanField(default=False)),
                ("source", models.TextField()),
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
                "verbose_name": "historical specialty code",
                "verbose_name_plural": "historical specialty codes",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalTrack",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=32)),
                ("name", models.CharField(max_length=100)),
                (
                    "category",
                    models.CharField(
                        choices=[("track", "Track / level"), ("entity_type", "Entity type")],
                        default="track",
                        max_length=16,
                    ),
                ),
                (
                    "risk",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("one_sided", "One-sided (savings only)"),
                            ("two_sided", "Two-sided (savings and losses)"),
                            ("", "Not stated"),
                        ],
                        max_length=16,
                    ),
                ),
                ("sort_order", models.PositiveSmallIntegerField(default=0)),
                ("first_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("last_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("description", models.TextField(blank=True)),
                ("source", models.TextField(blank=True)),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.program",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical track",
                "verbose_name_plural": "historical tracks",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Participation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "ccn",
                    models.CharField(
                        blank=True,
                        max_length=6,
                        validators=[entities.identifiers.validate_ccn],
                        verbose_name="CCN",
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("participant", "Participant"),
                            ("preferred", "Preferred provider"),
                        ],
                        default="participant",
                        max_length=16,
                    ),
                ),
                ("start_date", models.DateField(verbose_name="effective start")),
                (
                    "end_date",
                    models.DateField(
                        blank=True,
                        help_text="Empty: open-ended.",
                        null=True,
                        verbose_name="effective end",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="participations",
                        to="entities.entity",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="participations",
                        to="entities.participantorganization",
                        verbose_name="TIN",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="participations",
                        to="entities.provider",
                        verbose_name="NPI",
                    ),
                ),
            ],
            options={
                "ordering": ["entity", "organization__tin", "provider__npi", "ccn", "start_date"],
                "indexes": [
                    models.Index(
                        fields=["entity", "start_date"], name="entities_pa_entity__679a74_idx"
                    ),
                    models.Index(
                        fields=["provider", "start_date"], name="entities_pa_provide_60e43f_idx"
                    ),
                    models.Index(
                        fields=["organization", "start_date"], name="entities_pa_organiz_e75620_idx"
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("end_date__isnull", True),
                            ("end_date__gte", models.F("start_date")),
                            _connector="OR",
                        ),
                        name="participation_dates_ordered",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ParticipantChangeRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(choices=[("add", "Add"), ("drop", "Drop")], max_length=8),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "tin",
                    models.CharField(
                        max_length=9,
                        validators=[entities.identifiers.validate_tin],
                        verbose_name="TIN",
                    ),
                ),
                (
                    "npi",
                    models.CharField(
                        blank=True,
                        max_length=10,
                        validators=[entities.identifiers.validate_npi],
                        verbose_name="NPI",
                    ),
                ),
                (
                    "ccn",
                    models.CharField(
                        blank=True,
                        max_length=6,
                        validators=[entities.identifiers.validate_ccn],
                        verbose_name="CCN",
                    ),
                ),
                ("specialty_code", models.CharField(blank=True, max_length=2)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("participant", "Participant"),
                            ("preferred", "Preferred provider"),
                        ],
                        default="participant",
                        max_length=16,
                    ),
                ),
                (
                    "effective_date",
                    models.DateField(
                        help_text="Add: first day on the list. Drop: first day off the list (the participation ends the day before).",
                        verbose_name="requested effective date",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted"),
                            ("accepted", "Accepted"),
                            ("rejected", "Rejected"),
                        ],
                        default="draft",
                        max_length=16,
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=300)),
                ("decision_note", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
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
                    "decided_by",
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
                        related_name="change_requests",
                        to="entities.entity",
                    ),
                ),
                (
                    "participation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="change_requests",
                        to="entities.participation",
                    ),
                ),
            ],
            options={
                "verbose_name": "participant-list change request",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalParticipantChangeRequest",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(choices=[("add", "Add"), ("drop", "Drop")], max_length=8),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "tin",
                    models.CharField(
                        max_length=9,
                        validators=[entities.identifiers.validate_tin],
                        verbose_name="TIN",
                    ),
                ),
                (
                    "npi",
                    models.CharField(
                        blank=True,
                        max_length=10,
                        validators=[entities.identifiers.validate_npi],
                        verbose_name="NPI",
                    ),
                ),
                (
                    "ccn",
                    models.CharField(
                        blank=True,
                        max_length=6,
                        validators=[entities.identifiers.validate_ccn],
                        verbose_name="CCN",
                    ),
                ),
                ("specialty_code", models.CharField(blank=True, max_length=2)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("participant", "Participant"),
                            ("preferred", "Preferred provider"),
                        ],
                        default="participant",
                        max_length=16,
                    ),
                ),
                (
                    "effective_date",
                    models.DateField(
                        help_text="Add: first day on the list. Drop: first day off the list (the participation ends the day before).",
                        verbose_name="requested effective date",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("submitted", "Submitted"),
                            ("accepted", "Accepted"),
                            ("rejected", "Rejected"),
                        ],
                        default="draft",
                        max_length=16,
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=300)),
                ("decision_note", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("submitted_at", models.DateTimeField(blank=True, null=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
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
                    "decided_by",
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
                (
                    "participation",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.participation",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical participant-list change request",
                "verbose_name_plural": "historical participant-list change requests",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalParticipation",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "ccn",
                    models.CharField(
                        blank=True,
                        max_length=6,
                        validators=[entities.identifiers.validate_ccn],
                        verbose_name="CCN",
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("participant", "Participant"),
                            ("preferred", "Preferred provider"),
                        ],
                        default="participant",
                        max_length=16,
                    ),
                ),
                ("start_date", models.DateField(verbose_name="effective start")),
                (
                    "end_date",
                    models.DateField(
                        blank=True,
                        help_text="Empty: open-ended.",
                        null=True,
                        verbose_name="effective end",
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
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
                (
                    "organization",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.participantorganization",
                        verbose_name="TIN",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.provider",
                        verbose_name="NPI",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical participation",
                "verbose_name_plural": "historical participations",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="provider",
            name="specialty",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="providers",
                to="entities.specialtycode",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalProvider",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "npi",
                    models.CharField(
                        db_index=True,
                        max_length=10,
                        validators=[entities.identifiers.validate_npi],
                        verbose_name="NPI",
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        blank=True,
                        help_text='Clinician as "Last, First", or organisation.',
                        max_length=200,
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "specialty",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.specialtycode",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical provider",
                "verbose_name_plural": "historical providers",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Track",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=32)),
                ("name", models.CharField(max_length=100)),
                (
                    "category",
                    models.CharField(
                        choices=[("track", "Track / level"), ("entity_type", "Entity type")],
                        default="track",
                        max_length=16,
                    ),
                ),
                (
                    "risk",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("one_sided", "One-sided (savings only)"),
                            ("two_sided", "Two-sided (savings and losses)"),
                            ("", "Not stated"),
                        ],
                        max_length=16,
                    ),
                ),
                ("sort_order", models.PositiveSmallIntegerField(default=0)),
                ("first_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("last_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("description", models.TextField(blank=True)),
                ("source", models.TextField(blank=True)),
                (
                    "program",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tracks",
                        to="entities.program",
                    ),
                ),
            ],
            options={
                "ordering": ["program__code", "category", "sort_order", "code"],
                "constraints": [
                    models.UniqueConstraint(fields=("program", "code"), name="track_unique_code")
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalProgramParameter",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                ("key", models.SlugField(max_length=64)),
                (
                    "value",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=16, null=True),
                ),
                (
                    "text_value",
                    models.CharField(
                        blank=True, help_text="For lists and non-numeric values.", max_length=300
                    ),
                ),
                (
                    "unit",
                    models.CharField(
                        choices=[
                            ("percent", "percent"),
                            ("usd", "US dollars"),
                            ("usd_pbpm", "US dollars per beneficiary per month"),
                            ("count", "count"),
                            ("points", "points"),
                            ("percentile", "percentile"),
                            ("text", "text"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "evidence",
                    models.CharField(
                        choices=[
                            ("V", "[V] seen in a primary or secondary source"),
                            ("R", "[R] recalled from the named document, not re-read"),
                            ("3P", "[3P] third-party secondary source"),
                        ],
                        max_length=2,
                    ),
                ),
                (
                    "to_confirm",
                    models.BooleanField(
                        default=False,
                        help_text="A default that must be confirmed against the current CMS document.",
                    ),
                ),
                (
                    "source",
                    models.TextField(help_text="Document and section the value comes from."),
                ),
                ("notes", models.TextField(blank=True)),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.program",
                    ),
                ),
                (
                    "track",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.track",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical program parameter",
                "verbose_name_plural": "historical program parameters",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalParameterBand",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "table",
                    models.CharField(
                        choices=[
                            ("msr_variable", "MSSP variable MSR/MLR by assigned beneficiaries"),
                            (
                                "risk_corridor",
                                "REACH risk corridor (share kept by band of gross savings/losses)",
                            ),
                        ],
                        max_length=32,
                    ),
                ),
                ("lower", models.DecimalField(decimal_places=4, max_digits=16)),
                (
                    "upper",
                    models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True),
                ),
                (
                    "bound_unit",
                    models.CharField(
                        choices=[
                            ("percent", "percent"),
                            ("usd", "US dollars"),
                            ("usd_pbpm", "US dollars per beneficiary per month"),
                            ("count", "count"),
                            ("points", "points"),
                            ("percentile", "percentile"),
                            ("text", "text"),
                        ],
                        max_length=16,
                    ),
                ),
                ("value_at_lower", models.DecimalField(decimal_places=4, max_digits=10)),
                ("value_at_upper", models.DecimalField(decimal_places=4, max_digits=10)),
                (
                    "value_unit",
                    models.CharField(
                        choices=[
                            ("percent", "percent"),
                            ("usd", "US dollars"),
                            ("usd_pbpm", "US dollars per beneficiary per month"),
                            ("count", "count"),
                            ("points", "points"),
                            ("percentile", "percentile"),
                            ("text", "text"),
                        ],
                        default="percent",
                        max_length=16,
                    ),
                ),
                (
                    "evidence",
                    models.CharField(
                        choices=[
                            ("V", "[V] seen in a primary or secondary source"),
                            ("R", "[R] recalled from the named document, not re-read"),
                            ("3P", "[3P] third-party secondary source"),
                        ],
                        max_length=2,
                    ),
                ),
                ("to_confirm", models.BooleanField(default=False)),
                ("source", models.TextField()),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.program",
                    ),
                ),
                (
                    "track",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.track",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical parameter band",
                "verbose_name_plural": "historical parameter bands",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalEntityYear",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                ("notes", models.CharField(blank=True, max_length=300)),
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
                (
                    "entity_type",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="ACO REACH: Standard, New Entrant or High Needs.",
                        limit_choices_to={"category": "entity_type"},
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.track",
                    ),
                ),
                (
                    "track",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        limit_choices_to={"category": "track"},
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="entities.track",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical track by performance year",
                "verbose_name_plural": "historical tracks by performance year",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="PerformanceYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
                (
                    "label",
                    models.CharField(
                        blank=True, help_text='For example "GPDC PY1".', max_length=60
                    ),
                ),
                ("start_date", models.DateField()),
                ("end_date", models.DateField()),
                (
                    "change_request_deadline",
                    models.DateField(
                        blank=True,
                        help_text="Last day CMS accepts participant-list change requests for this year.",
                        null=True,
                        verbose_name="participant-list change deadline",
                    ),
                ),
                ("notes", models.TextField(blank=True)),
                ("source", models.TextField(blank=True)),
                (
                    "program",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="performance_years",
                        to="entities.program",
                    ),
                ),
            ],
            options={
                "ordering": ["program__code", "year"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("program", "year"), name="performance_year_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("end_date__gte", models.F("start_date"))),
                        name="performance_year_dates_ordered",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ProgramParameter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                ("key", models.SlugField(max_length=64)),
                (
                    "value",
                    models.DecimalField(blank=True, decimal_places=6, max_digits=16, null=True),
                ),
                (
                    "text_value",
                    models.CharField(
                        blank=True, help_text="For lists and non-numeric values.", max_length=300
                    ),
                ),
                (
                    "unit",
                    models.CharField(
                        choices=[
                            ("percent", "percent"),
                            ("usd", "US dollars"),
                            ("usd_pbpm", "US dollars per beneficiary per month"),
                            ("count", "count"),
                            ("points", "points"),
                            ("percentile", "percentile"),
                            ("text", "text"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "evidence",
                    models.CharField(
                        choices=[
                            ("V", "[V] seen in a primary or secondary source"),
                            ("R", "[R] recalled from the named document, not re-read"),
                            ("3P", "[3P] third-party secondary source"),
                        ],
                        max_length=2,
                    ),
                ),
                (
                    "to_confirm",
                    models.BooleanField(
                        default=False,
                        help_text="A default that must be confirmed against the current CMS document.",
                    ),
                ),
                (
                    "source",
                    models.TextField(help_text="Document and section the value comes from."),
                ),
                ("notes", models.TextField(blank=True)),
                (
                    "program",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="parameters",
                        to="entities.program",
                    ),
                ),
                (
                    "track",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="parameters",
                        to="entities.track",
                    ),
                ),
            ],
            options={
                "ordering": ["program__code", "performance_year", "track__sort_order", "key"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("track__isnull", False)),
                        fields=("program", "performance_year", "track", "key"),
                        name="parameter_unique_per_track",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("track__isnull", True)),
                        fields=("program", "performance_year", "key"),
                        name="parameter_unique_all_tracks",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ParameterBand",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                (
                    "table",
                    models.CharField(
                        choices=[
                            ("msr_variable", "MSSP variable MSR/MLR by assigned beneficiaries"),
                            (
                                "risk_corridor",
                                "REACH risk corridor (share kept by band of gross savings/losses)",
                            ),
                        ],
                        max_length=32,
                    ),
                ),
                ("lower", models.DecimalField(decimal_places=4, max_digits=16)),
                (
                    "upper",
                    models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True),
                ),
                (
                    "bound_unit",
                    models.CharField(
                        choices=[
                            ("percent", "percent"),
                            ("usd", "US dollars"),
                            ("usd_pbpm", "US dollars per beneficiary per month"),
                            ("count", "count"),
                            ("points", "points"),
                            ("percentile", "percentile"),
                            ("text", "text"),
                        ],
                        max_length=16,
                    ),
                ),
                ("value_at_lower", models.DecimalField(decimal_places=4, max_digits=10)),
                ("value_at_upper", models.DecimalField(decimal_places=4, max_digits=10)),
                (
                    "value_unit",
                    models.CharField(
                        choices=[
                            ("percent", "percent"),
                            ("usd", "US dollars"),
                            ("usd_pbpm", "US dollars per beneficiary per month"),
                            ("count", "count"),
                            ("points", "points"),
                            ("percentile", "percentile"),
                            ("text", "text"),
                        ],
                        default="percent",
                        max_length=16,
                    ),
                ),
                (
                    "evidence",
                    models.CharField(
                        choices=[
                            ("V", "[V] seen in a primary or secondary source"),
                            ("R", "[R] recalled from the named document, not re-read"),
                            ("3P", "[3P] third-party secondary source"),
                        ],
                        max_length=2,
                    ),
                ),
                ("to_confirm", models.BooleanField(default=False)),
                ("source", models.TextField()),
                (
                    "program",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bands",
                        to="entities.program",
                    ),
                ),
                (
                    "track",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bands",
                        to="entities.track",
                    ),
                ),
            ],
            options={
                "ordering": [
                    "program__code",
                    "performance_year",
                    "table",
                    "track__sort_order",
                    "lower",
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("track__isnull", False)),
                        fields=("program", "performance_year", "table", "track", "lower"),
                        name="band_unique_per_track",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("track__isnull", True)),
                        fields=("program", "performance_year", "table", "lower"),
                        name="band_unique_all_tracks",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("upper__isnull", True),
                            ("upper__gte", models.F("lower")),
                            _connector="OR",
                        ),
                        name="band_bounds_ordered",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="EntityYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("performance_year", models.PositiveSmallIntegerField()),
                ("notes", models.CharField(blank=True, max_length=300)),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="years",
                        to="entities.entity",
                    ),
                ),
                (
                    "entity_type",
                    models.ForeignKey(
                        blank=True,
                        help_text="ACO REACH: Standard, New Entrant or High Needs.",
                        limit_choices_to={"category": "entity_type"},
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entity_type_years",
                        to="entities.track",
                    ),
                ),
                (
                    "track",
                    models.ForeignKey(
                        limit_choices_to={"category": "track"},
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entity_years",
                        to="entities.track",
                    ),
                ),
            ],
            options={
                "verbose_name": "track by performance year",
                "verbose_name_plural": "tracks by performance year",
                "ordering": ["entity", "performance_year"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "performance_year"), name="entity_year_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(add_programs, migrations.RunPython.noop),  # 0002_programs
        migrations.RunPython(load, migrations.RunPython.noop),  # 0004_registry_data
        migrations.RunPython(forwards, backwards),  # 0005_participation_no_overlap
    ]
