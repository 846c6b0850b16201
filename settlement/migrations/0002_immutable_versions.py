"""PostgreSQL refuses any UPDATE of a settlement version or its participant shares, so even a
raw query or a bulk update cannot rewrite history. (SQLite, used by the demo, relies on the
models' save() guard.)"""

from django.db import migrations

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
    dependencies = [("settlement", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
