"""What every entities admin page shares: entity admins see and change only the entities they
administer (superusers see all), out-of-scope objects answer 404, nothing is deleted, and every
change is kept in history (django-simple-history) without the revert button, because a revert
would bypass the participant-list rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from audit.phi import staff_scope
from core import display
from entities.models import Participation
from entities.selectors import admin_entity_ids, is_entity_admin


def user_is_entity_admin(request: HttpRequest) -> bool:
    """Cached on the request: the admin asks many times per page."""
    cached = getattr(request, "_openvbc_is_entity_admin", None)
    if cached is None:
        cached = is_entity_admin(user=request.user)
        request._openvbc_is_entity_admin = cached  # type: ignore[attr-defined]
    return cached


class HistoryWithoutRevert(SimpleHistoryAdmin):
    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class ScopedAdmin(HistoryWithoutRevert):
    """An admin whose rows belong to entities. `entity_path` leads from the model to Entity
    ("" for Entity itself)."""

    entity_path = "entity"
    entity_admin_can_add = True
    entity_admin_can_change = True

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        ids = admin_entity_ids(user=request.user)
        if self.entity_path == "":
            return queryset.filter(pk__in=ids)
        return queryset.filter(**{f"{self.entity_path}__in": ids})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return staff_scope(queryset, request.user)
        return self.scope(queryset, request)

    def in_scope(self, request: HttpRequest, obj: Any) -> bool:
        if request.user.is_superuser:
            return staff_scope(self.model._default_manager.filter(pk=obj.pk), request.user).exists()
        return self.scope(self.model._default_manager.filter(pk=obj.pk), request).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_is_entity_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_entity_admin(request) and (obj is None or self.in_scope(request, obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not (self.entity_admin_can_change or request.user.is_superuser):
            return False
        return user_is_entity_admin(request) and (obj is None or self.in_scope(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_entity_admin(request) and (
            self.entity_admin_can_add or request.user.is_superuser
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponse:
        # Another entity's object does not exist for this user: 404, never a redirect or a 403.
        raise Http404

    def _object_or_404(self, request: HttpRequest, object_id: str) -> Any:
        obj = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if obj is None:
            raise Http404
        return obj

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        self._object_or_404(request, object_id)
        if not hasattr(self.model._meta, "simple_history_manager_attribute"):
            # A model without kept versions (a quality result): the admin's own action log.
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        self._object_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ListedThroughParticipationAdmin(ScopedAdmin):
    """Providers and TINs are national registries: an entity admin sees those listed on a
    participation of an entity they administer."""

    participation_field = ""

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        listed = Participation.objects.filter(
            entity__in=admin_entity_ids(user=request.user)
        ).values(self.participation_field)
        return queryset.filter(pk__in=listed)


class CitedSourcesMixin:
    """Where the registry is read, not edited (entity admins), its `source` and `notes` read as
    citations (core.display.cite): the CMS document or regulation behind a reference to our
    rules digest, not the digest's file name. Staff editing a row see the stored text."""

    cited = {"source": "cited_source", "notes": "cited_notes"}
    #: Other fields read through a method of the admin (a stored figure as written: 72,500).
    read_as: dict[str, str] = {}

    def _reads_only(self, request: HttpRequest, obj: Any) -> bool:
        return not self.has_change_permission(request, obj)  # type: ignore[attr-defined]

    def _cited_names(self) -> dict[str, str]:
        names = {f.name for f in self.model._meta.get_fields()}  # type: ignore[attr-defined]
        swaps = {**self.cited, **self.read_as}
        return {field: shown for field, shown in swaps.items() if field in names}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if self._reads_only(request, obj):
            fields += [shown for shown in self._cited_names().values() if shown not in fields]
        return fields

    def _swap(self, names: Any) -> list[Any]:
        cited = self._cited_names()
        swapped: list[Any] = []
        for name in names:
            name = cited.get(name, name) if isinstance(name, str) else name
            if name not in swapped:
                swapped.append(name)
        return swapped

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_fields(request, obj)  # type: ignore[misc]
        return self._swap(fields) if self._reads_only(request, obj) else fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if not self._reads_only(request, obj):
            return fieldsets
        return [(name, {**opts, "fields": self._swap(opts["fields"])}) for name, opts in fieldsets]

    @admin.display(description="source")
    def cited_source(self, obj: Any) -> str:
        return display.cite(getattr(obj, "source", "")) or display.DASH

    @admin.display(description="notes")
    def cited_notes(self, obj: Any) -> str:
        return display.cite(getattr(obj, "notes", "")) or display.DASH


class RegistryAdmin(CitedSourcesMixin, HistoryWithoutRevert):
    """The program registry: platform staff edit it (Django model permissions; superusers hold
    all), entity admins may read it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or user_is_entity_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or user_is_entity_admin(request)


def figure_column(field: str, description: str, shown: Any = display.count) -> Any:
    """A column (list or read-only field) of a stored figure as pages write it, through `shown`
    (a `core.display` function; a count by default: 1,220, not 1220). Django's lists print
    integers without separators, and the site keeps USE_THOUSAND_SEPARATOR off (it would put
    separators in ids inside links too). A staticmethod of an admin when named by a field list."""

    @admin.display(description=description, ordering=field)
    def column(obj: Any) -> str:
        return shown(getattr(obj, field))

    column.__name__ = f"shown_{field}"
    return column


def count_column(field: str, description: str) -> Any:
    """A list column of a stored count: 1,220 (`figure_column` with the count format)."""
    return figure_column(field, description)


class ScopedRelatedOnlyFilter(admin.RelatedOnlyFieldListFilter):
    """Choices limited to values present in the (already scoped) changelist queryset, so no
    other entity's name ever shows up in a filter."""


class ScopedReadOnlyAdmin(admin.ModelAdmin):
    """Rows loaded from CMS files, read only: an entity admin sees those of the entities they
    administer (the entity is at `entity_path`), another entity's row is a 404."""

    entity_path = "entity"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return staff_scope(qs, request.user)
        return qs.filter(**{f"{self.entity_path}__in": admin_entity_ids(user=request.user)})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_entity_admin(user=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_entity_admin(user=request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponse:
        raise Http404  # another entity's object does not exist for this user
