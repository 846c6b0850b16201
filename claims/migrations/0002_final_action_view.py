"""The `claims_final_action` database view: final-action claims of every entity, for ad-hoc SQL.

Applications read through `claims.selectors.final_action_claims` (which adds the entity scope,
the run-out cut-off and the date filters); this view is the same query without parameters. When
`claims.final_action.final_action_sql` changes, add a migration that runs `create_view` again.
"""

from django.db import migrations


def create_view(apps, schema_editor):
    from claims.final_action import final_action_sql

    schema_editor.execute("DROP VIEW IF EXISTS claims_final_action")
    schema_editor.execute("CREATE VIEW claims_final_action AS " + final_action_sql(entity=False, cutoff=False))


def drop_view(apps, schema_editor):
    schema_editor.execute("DROP VIEW IF EXISTS claims_final_action")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("beneficiaries", "0002_initial"),
    ]

    operations = [migrations.RunPython(create_view, drop_view)]
