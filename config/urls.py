from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from config import views as site_views
from partners.api.schema import DocsView, SchemaView

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", site_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    # The console signs people in through the one sign-in form (second factor, attempt limits).
    path("admin/login/", accounts_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("jobs/", include("jobs.urls")),
    path("entities/", include("entities.urls")),
    path("beneficiaries/", include("beneficiaries.urls")),
    path("claims/", include("claims.urls")),
    path("alignment/", include("alignment.urls")),
    path("benchmarks/", include("benchmarks.urls")),
    path("settlement/", include("settlement.urls")),
    path("care/", include("care.urls")),
    path("quality/", include("quality.urls")),
    path("events/", include("events.urls")),
    path("specialists/", include("specialists.urls")),
    path("api/v1/", include("config.api_router")),
    path("fhir/", include("partners.fhir.urls")),
    path("api/v1/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/v1/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]

# Unmatched routes answer in the vocabulary of their area (see config.views.not_found).
handler404 = "config.views.not_found"
