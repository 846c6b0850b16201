from jobs.api.views import JobViewSet


def register(router):  # type: ignore[no-untyped-def]
    router.register("jobs", JobViewSet, basename="job")
    return []
