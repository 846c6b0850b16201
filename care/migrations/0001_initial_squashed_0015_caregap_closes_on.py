"""Squashed (manage.py squashmigrations) so that `migrate` applies fewer operations: each one
re-renders the models related to the one it changes, which made most of the time of a new
database. Index and constraint operations are folded into their CreateModel and the data and
PostgreSQL-only RunPython operations, copied below, run at the end in their old order; the
schema made is the same (PostgreSQL and SQLite). The replaced migrations stay until every
database has applied them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# From 0002_roster_indexes:
POSTGRES_ONLY = {
    "care_bene_entity_upper_last": (
        "CREATE INDEX IF NOT EXISTS care_bene_entity_upper_last ON beneficiaries_beneficiary "
        "(entity_id, (UPPER(last_name::text)) text_pattern_ops)"
    ),
}
PORTABLE = {
    "care_bene_entity_name": (
        "CREATE INDEX IF NOT EXISTS care_bene_entity_name ON beneficiaries_beneficiary "
        "(entity_id, last_name, first_name, id)"
    ),
    "care_bene_entity_dob": (
        "CREATE INDEX IF NOT EXISTS care_bene_entity_dob ON beneficiaries_beneficiary "
        "(entity_id, birth_date, id)"
    ),
}


def create(apps, schema_editor):
    statements = dict(PORTABLE)
    if schema_editor.connection.vendor == "postgresql":
        statements.update(POSTGRES_ONLY)
    for sql in statements.values():
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    names = list(PORTABLE)
    if schema_editor.connection.vendor == "postgresql":
        names += list(POSTGRES_ONLY)
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    replaces = [
        ("care", "0001_initial"),
        ("care", "0002_roster_indexes"),
        ("care", "0003_claim_events"),
        ("care", "0004_care_summary"),
        ("care", "0005_roster_alignment_filters_and_pmpm"),
        ("care", "0006_alignment_filter_indexes_with_tin"),
        ("care", "0007_outreach_snf_and_care_work_exclusions"),
        ("care", "0007_items_raised_by_events"),
        ("care", "0008_merge_outreach_and_events"),
        ("care", "0009_kinds_from_claims_and_events"),
        ("care", "0010_profile_risk_score_primary_care"),
        ("care", "0011_roster_views"),
        ("care", "0012_outreach_next_action"),
        ("care", "0013_contact_details"),
        ("care", "0014_careprofile_medications"),
        ("care", "0015_caregap_closes_on"),
    ]

    dependencies = [
        ("beneficiaries", "0002_initial"),
        ("beneficiaries", "0003_history_lineage_without_constraints"),
        ("entities", "0005_participation_no_overlap"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WorklistItem",
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
                            ("discharge_follow_up", "Discharge without 7-day follow-up"),
                            ("snf_admission", "Skilled nursing facility admission"),
                            ("ed_visit", "Emergency department visit"),
                            ("awv_due", "Annual wellness visit due"),
                            ("hcc_recapture", "HCC recapture"),
                            ("alignment_risk", "At risk of dropping from alignment"),
                            ("manual", "Added by hand"),
                            ("tcm_contact", "Transitional care: contact within 2 business days"),
                            ("tcm_visit", "Transitional care: face-to-face visit"),
                            ("ed_follow_up", "Emergency department visit: follow up"),
                        ],
                        max_length=32,
                    ),
                ),
                ("source_key", models.CharField(blank=True, max_length=100)),
                ("title", models.CharField(max_length=200)),
                ("detail", models.TextField(blank=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("in_progress", "In progress"),
                            ("done", "Done"),
                            ("dismissed", "Dismissed"),
                        ],
                        default="open",
                        max_length=16,
                    ),
                ),
                ("dismissed_reason", models.CharField(blank=True, max_length=300)),
                ("due_date", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "assigned_to",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="worklist_items",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="worklist_items",
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                ("source_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["due_date", "id"],
                "indexes": [
                    models.Index(
                        fields=["assigned_to", "status", "due_date"], name="care_item_mine"
                    ),
                    models.Index(fields=["entity", "status", "due_date"], name="care_item_entity"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("source_key", ""), _negated=True),
                        fields=("entity", "kind", "source_key"),
                        name="care_item_one_per_source",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "dismissed"), _negated=True),
                            models.Q(("dismissed_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="care_item_dismissed_has_reason",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="WorklistNote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.TextField(blank=True)),
                ("status_from", models.CharField(blank=True, max_length=16)),
                ("status_to", models.CharField(blank=True, max_length=16)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "author",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notes",
                        to="care.worklistitem",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="ClaimEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("claim_id", models.CharField(max_length=20)),
                ("kind", models.CharField(max_length=30)),
                ("from_date", models.DateField()),
                ("thru_date", models.DateField()),
                ("codes", models.CharField(blank=True, max_length=200)),
                ("dx", models.CharField(blank=True, max_length=10)),
                ("paid", models.DecimalField(decimal_places=2, max_digits=12)),
                ("as_of", models.DateField()),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="claim_events",
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
            ],
            options={
                "ordering": ["-thru_date", "-from_date"],
                "indexes": [
                    models.Index(fields=["beneficiary", "-thru_date"], name="care_event_bene")
                ],
            },
        ),
        migrations.CreateModel(
            name="CareSummary",
            fields=[
                (
                    "entity",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="entities.entity",
                    ),
                ),
                ("as_of", models.DateField()),
                ("beneficiaries", models.PositiveIntegerField(default=0)),
                ("profiled", models.PositiveIntegerField(default=0)),
                ("with_gaps", models.PositiveIntegerField(default=0)),
                ("recent_ip", models.PositiveIntegerField(default=0)),
                ("recent_ed", models.PositiveIntegerField(default=0)),
                (
                    "gaps",
                    models.JSONField(
                        default=list, help_text="[{gap, label, n}] open gaps by measure"
                    ),
                ),
                ("refreshed_at", models.DateTimeField(auto_now=True)),
                (
                    "pmpm",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text="This year's expenditure and eligible months by enrollment type (strings).",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="RosterView",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=80)),
                (
                    "filters",
                    models.JSONField(default=dict, help_text="The roster form's filters and sort."),
                ),
                (
                    "shared",
                    models.BooleanField(
                        default=False, help_text="Listed for every member of the entity."
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
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
            ],
            options={
                "ordering": ["name", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entity", "created_by", "name"), name="care_roster_view_unique_name"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="OutreachAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("attempted_at", models.DateTimeField()),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("call", "Phone call"),
                            ("text", "Text message"),
                            ("letter", "Letter"),
                            ("visit", "Visit"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("reached", "Reached"),
                            ("left_message", "Left a message"),
                            ("no_answer", "No answer"),
                            ("wrong_number", "Wrong number"),
                            ("declined", "Declined"),
                        ],
                        max_length=16,
                    ),
                ),
                ("note", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outreach_attempts",
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
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outreach_attempts",
                        to="care.worklistitem",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "next_action_on",
                    models.DateField(
                        blank=True,
                        help_text="When to try again or follow up; the task falls due then.",
                        null=True,
                    ),
                ),
            ],
            options={
                "ordering": ["-attempted_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["beneficiary", "-attempted_at"], name="care_outreach_bene"
                    ),
                    models.Index(fields=["item", "-attempted_at"], name="care_outreach_item"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ContactDetails",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("phone", models.CharField(blank=True, max_length=30)),
                (
                    "address",
                    models.TextField(blank=True, help_text="Blank: the CCLF8 address stands."),
                ),
                ("preferred_language", models.CharField(blank=True, max_length=40)),
                ("caregiver_name", models.CharField(blank=True, max_length=100)),
                ("caregiver_phone", models.CharField(blank=True, max_length=30)),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("beneficiary", "The beneficiary"),
                            ("caregiver", "A caregiver or family member"),
                            ("practice", "The practice's records"),
                            ("hospital", "A hospital or facility"),
                            ("other", "Other"),
                        ],
                        max_length=16,
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contact_details",
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
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-recorded_at", "-id"],
                "indexes": [
                    models.Index(fields=["beneficiary", "-recorded_at"], name="care_contact_bene")
                ],
            },
        ),
        migrations.CreateModel(
            name="CareProfile",
            fields=[
                (
                    "beneficiary",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="care",
                        serialize=False,
                        to="beneficiaries.beneficiary",
                    ),
                ),
                ("as_of", models.DateField(help_text="The date the claims were read up to.")),
                ("last_inpatient_discharge", models.DateField(blank=True, null=True)),
                ("last_ed_visit", models.DateField(blank=True, null=True)),
                ("inpatient_stays_12m", models.PositiveSmallIntegerField(default=0)),
                ("ed_visits_12m", models.PositiveSmallIntegerField(default=0)),
                ("open_gap_count", models.PositiveSmallIntegerField(default=0)),
                ("refreshed_at", models.DateTimeField(auto_now=True)),
                (
                    "entity",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="entities.entity",
                    ),
                ),
                ("aligned", models.BooleanField(db_default=False, default=False)),
                (
                    "alignment_at_risk",
                    models.BooleanField(
                        db_default=False,
                        default=False,
                        help_text="care/engine/alignment_risk.py: thin plurality or no recent visit.",
                    ),
                ),
                ("attributed_npi", models.CharField(blank=True, db_default="", max_length=10)),
                ("attributed_tin", models.CharField(blank=True, db_default="", max_length=9)),
                ("months_last_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("months_this_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                (
                    "newly_aligned",
                    models.BooleanField(
                        db_default=False, default=False, help_text="Added by the latest run."
                    ),
                ),
                ("risk_tier", models.CharField(blank=True, db_default="", max_length=16)),
                (
                    "spend_last_year",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True),
                ),
                (
                    "spend_this_year",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True),
                ),
                (
                    "no_care_work_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("deceased", "Deceased (date of death on the beneficiary file)"),
                            (
                                "hospice",
                                "In hospice (hospice election on the beneficiary file or a hospice claim)",
                            ),
                            ("not_in_population", "Not in the entity's aligned population"),
                        ],
                        db_default="",
                        max_length=20,
                    ),
                ),
                (
                    "last_primary_care_visit",
                    models.DateField(
                        blank=True,
                        help_text="Latest primary care service (the MSSP assignment HCPCS codes) in the claims.",
                        null=True,
                    ),
                ),
                (
                    "risk_score",
                    models.DecimalField(
                        blank=True,
                        decimal_places=3,
                        help_text="Latest CMS-HCC raw score.",
                        max_digits=7,
                        null=True,
                    ),
                ),
                (
                    "medications",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Part D drugs (CCLF7) as of as_of: per NDC the last fill, days' supply and fills, and its chronic class's refill record (care.medications).",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["entity", "last_inpatient_discharge"], name="care_prof_ip"
                    ),
                    models.Index(fields=["entity", "last_ed_visit"], name="care_prof_ed"),
                    models.Index(fields=["entity", "open_gap_count"], name="care_prof_gaps"),
                    models.Index(fields=["entity", "attributed_tin"], name="care_prof_tin"),
                    models.Index(fields=["entity", "attributed_npi"], name="care_prof_npi"),
                    models.Index(fields=["entity", "risk_tier"], name="care_prof_tier"),
                    models.Index(
                        condition=models.Q(("newly_aligned", True)),
                        fields=["entity", "attributed_tin"],
                        name="care_prof_new_tin",
                    ),
                    models.Index(
                        condition=models.Q(("alignment_at_risk", True)),
                        fields=["entity", "attributed_tin"],
                        name="care_prof_at_risk_tin",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CareGap",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("gap", models.CharField(max_length=40)),
                ("label", models.CharField(max_length=100)),
                ("last_done", models.DateField(blank=True, null=True)),
                ("detail", models.CharField(blank=True, max_length=300)),
                ("as_of", models.DateField()),
                (
                    "beneficiary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="care_gaps",
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
                    "closes_on",
                    models.DateField(
                        blank=True,
                        help_text="A quality measure's gap: the day its window closes.",
                        null=True,
                    ),
                ),
            ],
            options={
                "ordering": ["beneficiary", "gap"],
                "indexes": [models.Index(fields=["entity", "gap"], name="care_gap_entity_gap")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("beneficiary", "gap"), name="care_gap_one_per_kind"
                    )
                ],
            },
        ),
        migrations.RunPython(create, drop),  # 0002_roster_indexes
    ]
