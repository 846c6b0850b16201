from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partner systems (API and FHIR)"

    def ready(self) -> None:
        # The OpenAPI description of the partner authentication scheme.
        from partners.api import schema  # noqa: F401
