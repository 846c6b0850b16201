"""Every API route of /api/v1/. Each of our apps registers its routes in `<app>/api/routes.py`:

def register(router: DefaultRouter) -> list[URLPattern]:
    router.register("providers", ProviderViewSet, basename="provider")
    return [path("beneficiaries/search", BeneficiarySearchApi.as_view())]  # non-router routes
"""

from importlib import import_module

from django.conf import settings
from django.urls import URLPattern, URLResolver
from rest_framework.routers import DefaultRouter


# No format-suffix routes (`/beneficiaries.json`): the API speaks JSON by content negotiation,
# and the suffix routes answered 500 on viewset actions that take no `format` argument.
class ApiRouter(DefaultRouter):
    include_format_suffixes = False


router = ApiRouter()
extra_urlpatterns: list[URLPattern | URLResolver] = []
for app in settings.PROJECT_APPS:
    if (settings.BASE_DIR / app / "api" / "routes.py").exists():
        extra_urlpatterns += import_module(f"{app}.api.routes").register(router) or []

urlpatterns = extra_urlpatterns + router.urls
