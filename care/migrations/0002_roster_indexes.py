"""Indexes the roster pages rely on, on the beneficiaries table (read-only for this app).

The roster orders by (last_name, first_name, id) and (birth_date, id) within an entity, and
searches by last-name prefix; without these a 250,000-row entity sorts on every page. They belong
with `beneficiaries.Beneficiary`, and move there when that app adopts them; until then they are
created here with IF NOT EXISTS so either order of adoption is harmless.
"""

from django.db import migrations

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
    dependencies = [("care", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
