"""Pages that forget `for_user()`, for the row-level security tests only; the project's own
URLs follow (partner tests get their tokens from them)."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from beneficiaries.models import Beneficiary
from care.models import CareGap, CareSummary
from config.urls import urlpatterns as project_urls


def _everything() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        role = cursor.fetchone()[0]
    return {
        "role": role,
        "beneficiaries": sorted(Beneficiary.objects.values_list("entity_id", flat=True)),
        "gaps": sorted(CareGap.objects.values_list("entity_id", flat=True)),
        # A table under the wall that holds counts, not PHI (platform staff see every entity's).
        "summaries": sorted(CareSummary.objects.values_list("entity_id", flat=True)),
    }


def everything(request):
    """Every beneficiary and care gap the database answers, with no `for_user()`."""
    return JsonResponse(_everything())


class EverythingForPartners(APIView):
    """The same, as a partner endpoint (scope beneficiaries:read)."""

    required_scopes = ["beneficiaries"]

    def get(self, request):
        return Response(_everything())


urlpatterns = [
    path("everything/", everything),
    path("partner-everything/", EverythingForPartners.as_view()),
    *project_urls,
]
