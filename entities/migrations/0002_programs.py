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
    dependencies = [("entities", "0001_initial")]
    operations = [migrations.RunPython(add_programs, migrations.RunPython.noop)]
