from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partner systems (API and FHIR)"
    # The OpenAPI description of the partner authentication scheme (partners.api.schema) is
    # registered when the URLs are loaded (config.urls serves the schema from that module),
    # before any schema is generated; not at app-ready, where every process (a worker, a
    # loader) would load drf-spectacular and DRF's serializers for it.
