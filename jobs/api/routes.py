from jobs.api.views import JobViewSet


def register(router):
    router.register("jobs", JobViewSet, basename="job")
    return []
