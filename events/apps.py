from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "Hospital events (ADT)"

    def ready(self) -> None:
        from care.signals import care_refreshed
        from care.timeline import timeline_source_register
        from events.services import stays_reconcile_after_refresh
        from events.timeline import ROW_LABEL, stay_entries

        care_refreshed.connect(stays_reconcile_after_refresh, dispatch_uid="events-reconcile")
        # The beneficiary timeline (care's) shows the stays hospitals reported.
        timeline_source_register(ROW_LABEL, stay_entries)
