from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse

from entities.selectors import admin_entity_ids, is_entity_admin
from jobs.models import Job
from jobs.presentation import job_title


class KindFilter(admin.SimpleListFilter):
    """The kinds of job, named as the pages name them ("Alignment run", not alignment.run)."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        kinds = model_admin.get_queryset(request).order_by().values_list("kind", flat=True)
        named = {kind: job_title(Job(kind=kind)) for kind in set(kinds)}
        return sorted(named.items(), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read only; entity admins see their entities' jobs, and another entity's job is a 404."""

    list_display = [
        "id",
        "job",
        "entity",
        "state",
        "progress",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", KindFilter]
    readonly_fields = [f.name for f in Job._meta.fields]

    @admin.display(description="job", ordering="kind")
    def job(self, obj: Job) -> str:
        return obj.title

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(entity__in=admin_entity_ids(user=request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or is_entity_admin(user=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponse:
        raise Http404  # another entity's job does not exist for this user
