"""PostgreSQL only: no two participations of one entity for the same TIN/NPI/CCN may share a day.

Services check the rule first so the user reads which rows collide; this constraint is the
guarantee under concurrent writes. SQLite (the demo) relies on the service check alone.
"""

from django.db import migrations

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
    dependencies = [("entities", "0004_registry_data")]
    operations = [migrations.RunPython(forwards, backwards)]
