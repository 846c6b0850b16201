from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION audit_accessrecord_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the PHI access log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accessrecord_append_only
    BEFORE UPDATE OR DELETE ON audit_accessrecord
    FOR EACH ROW EXECUTE FUNCTION audit_accessrecord_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS audit_accessrecord_append_only ON audit_accessrecord;
DROP FUNCTION IF EXISTS audit_accessrecord_append_only();
"""
SQLITE_FORBID = [
    """CREATE TRIGGER audit_accessrecord_no_update BEFORE UPDATE ON audit_accessrecord
       BEGIN SELECT RAISE(ABORT, 'the PHI access log is append-only: UPDATE is not allowed'); END;""",
    """CREATE TRIGGER audit_accessrecord_no_delete BEFORE DELETE ON audit_accessrecord
       BEGIN SELECT RAISE(ABORT, 'the PHI access log is append-only: DELETE is not allowed'); END;""",
]


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORBID:
            schema_editor.execute(statement)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_accessrecord_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_accessrecord_no_delete")


class Migration(migrations.Migration):
    """Neither the application's role nor the table's owner may rewrite the access log."""

    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forbid, allow)]
