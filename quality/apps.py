from django.apps import AppConfig


class QualityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quality"
    verbose_name = "Quality measures"

    def ready(self) -> None:
        from care.signals import care_refreshed
        from quality.gaps import after_care_refresh

        care_refreshed.connect(after_care_refresh, dispatch_uid="quality-measure-gaps")
