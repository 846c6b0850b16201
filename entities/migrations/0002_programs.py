from django.db import migrations

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


class Migration(migrations.Migration):
    # django-oauth-toolkit's migrations run here, while the project has few models: each of its
    # 65 AlterFields on a relation to the user model re-renders every model related to it, which
    # after all the apps' migrations took 6-15 s of `migrate` (on SQLite, for `make run`, and for
    # each test database). Only the order changes; an existing database has both applied.
    dependencies = [
        ("entities", "0001_initial"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
    ]
    operations = [migrations.RunPython(add_programs, migrations.RunPython.noop)]
