"""Every API route of /api/v1/ is registered here."""

from rest_framework.routers import DefaultRouter

from jobs.api.views import JobViewSet

router = DefaultRouter()
router.register("jobs", JobViewSet, basename="job")

urlpatterns = router.urls
