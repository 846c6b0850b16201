from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    """An app only for its management commands (load_demo, generate_cclf); it has no models."""

    name = "synthetic"
