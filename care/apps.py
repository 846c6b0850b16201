from django.apps import AppConfig


class CareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "care"
    verbose_name = "Care coordination"

    def ready(self) -> None:
        from care.cycle import on_job_succeeded
        from jobs.signals import job_succeeded

        # After a CCLF load the monthly cycle runs (care.cycle).
        job_succeeded.connect(on_job_succeeded, dispatch_uid="care.monthly_cycle")
