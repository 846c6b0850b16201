from django.apps import AppConfig
from django.core.checks import Tags, register
from django.core.signals import request_finished, request_started
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import rls

        # After every app's migrations (post_migrate is sent once per app: act on the last).
        post_migrate.connect(_install_rls, dispatch_uid="core.rls.install")
        connection_created.connect(rls.on_connection_created, dispatch_uid="core.rls.connection")
        request_started.connect(rls.on_request_started, dispatch_uid="core.rls.request_started")
        request_finished.connect(rls.on_request_finished, dispatch_uid="core.rls.request_finished")
        register(rls.check_row_security_on, Tags.security, deploy=True)


def _install_rls(sender: AppConfig, using: str = "default", **_: object) -> None:
    from django.apps import apps

    from core import rls

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is with_models[-1]:
        rls.rls_install(using=using)
