from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "Hospital events (ADT)"

    def ready(self) -> None:
        from care.signals import care_refreshed
        from events.services import stays_reconcile_after_refresh

        care_refreshed.connect(stays_reconcile_after_refresh, dispatch_uid="events-reconcile")
