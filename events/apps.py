from typing import Any

from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "Hospital events (ADT)"

    def ready(self) -> None:
        from care.signals import care_refreshed
        from care.timeline import timeline_source_register
        from events.timeline import ROW_LABEL, stay_entries

        care_refreshed.connect(_stays_reconcile_after_refresh, dispatch_uid="events-reconcile")
        # The beneficiary timeline (care's) shows the stays hospitals reported.
        timeline_source_register(ROW_LABEL, stay_entries)


def _stays_reconcile_after_refresh(sender: Any, **kwargs: Any) -> None:
    # events.services (the HL7 parser, care's services) is imported when a refresh happens, not
    # at every process start.
    from events.services import stays_reconcile_after_refresh

    stays_reconcile_after_refresh(sender, **kwargs)
