from django.apps import AppConfig


class CareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "care"
    verbose_name = "Care coordination"

    def ready(self) -> None:
        from care.cycle import on_job_succeeded, on_load_committed
        from jobs.signals import job_succeeded, load_committed

        # After a CCLF or CMS list load the monthly cycle runs (care.cycle), whether the load
        # ran as a job or as a command.
        job_succeeded.connect(on_job_succeeded, dispatch_uid="care.monthly_cycle")
        load_committed.connect(on_load_committed, dispatch_uid="care.monthly_cycle.command")
