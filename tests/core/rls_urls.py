"""A page that forgets `for_user()`, for tests/core/test_row_security.py only."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path

from beneficiaries.models import Beneficiary
from care.models import CareGap


def everything(request):  # type: ignore[no-untyped-def]
    """Every beneficiary and care gap the database answers, with no `for_user()`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        role = cursor.fetchone()[0]
    return JsonResponse(
        {
            "role": role,
            "beneficiaries": sorted(Beneficiary.objects.values_list("entity_id", flat=True)),
            "gaps": sorted(CareGap.objects.values_list("entity_id", flat=True)),
        }
    )


urlpatterns = [path("everything/", everything)]
