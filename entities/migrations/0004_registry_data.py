from django.db import migrations


def load(apps, schema_editor):
    from entities.registry_data import load_registry

    load_registry(apps)


class Migration(migrations.Migration):
    dependencies = [("entities", "0003_registry_entities_participants")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
