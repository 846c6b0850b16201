"""Ship the benchmark parameter defaults (benchmarks/data/defaults/*.csv) as national version-1
reference datasets, each value with its status and source note."""

from django.db import migrations


def load(apps, schema_editor):
    from benchmarks.services.reference import reference_defaults_load

    reference_defaults_load(
        program_model=apps.get_model("entities", "Program"),
        dataset_model=apps.get_model("benchmarks", "ReferenceDataset"),
        value_model=apps.get_model("benchmarks", "ReferenceValue"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("benchmarks", "0001_initial"),
        ("entities", "0004_registry_data"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
