from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "PHI access log"

    def ready(self) -> None:
        from audit import signals  # noqa: F401 - connects the receivers
