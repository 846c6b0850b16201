from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig, apps


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Every app's job handlers register themselves from its `jobs.py`.
        for config in apps.get_app_configs():
            module = f"{config.name}.jobs"
            if find_spec(module) is not None:
                import_module(module)
