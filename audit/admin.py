from django.contrib import admin

from audit.models import AccessRecord


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """The PHI access log, read-only: entity admins see their entities' records."""

    list_display = [
        "at",
        "user",
        "client_id",
        "entity",
        "purpose",
        "route",
        "method",
        "beneficiary_count",
    ]
    list_filter = ["purpose", "method"]
    search_fields = ["user__email", "client_id", "route"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AccessRecord._meta.fields]

    def get_queryset(self, request):
        return AccessRecord.objects.for_user(request.user).select_related("user", "entity")

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
