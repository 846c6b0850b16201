from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from config import views as site_views

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", site_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("jobs/", include("jobs.urls")),
    path("entities/", include("entities.urls")),
    path("beneficiaries/", include("beneficiaries.urls")),
    path("claims/", include("claims.urls")),
    path("alignment/", include("alignment.urls")),
    path("benchmarks/", include("benchmarks.urls")),
    path("settlement/", include("settlement.urls")),
    path("care/", include("care.urls")),
    path("api/v1/", include("config.api_router")),
    path("fhir/", include("partners.fhir.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
