"""The console entity administrators work in every day: their entities, participant lists,
providers, TINs and change requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from entities.admin.base import ListedThroughParticipationAdmin, ScopedAdmin, user_is_entity_admin
from entities.admin.forms import (
    ChangeRequestForm,
    ParticipationForm,
    ParticipationInlineForm,
    ParticipationInlineFormSet,
)
from entities.admin.views import participant_export_view, participant_import_view
from entities.choices import ChangeStatus, ProviderClass, TrackCategory
from entities.models import (
    Entity,
    EntityYear,
    ParticipantChangeRequest,
    ParticipantOrganization,
    Participation,
    PerformanceYear,
    Provider,
    Track,
)
from entities.selectors import admin_entity_ids
from entities.services.change_requests import (
    change_request_create,
    change_request_decide,
    change_request_submit,
)
from entities.services.participations import participation_add, participation_change

SHORT_CLASS = {
    ProviderClass.PRIMARY_CARE_PHYSICIAN: "PCP",
    ProviderClass.NPP: "NP/PA/CNS",
    ProviderClass.SPECIALIST: "specialist",
    ProviderClass.OTHER: "other",
}


def _plain(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# ------------------------------------------------------------------ filters


class StatusTodayFilter(admin.SimpleListFilter):
    title = "status today"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("active", "On the list today"), ("future", "Starts later"), ("ended", "Ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        if self.value() == "active":
            return queryset.active_on(today)
        if self.value() == "future":
            return queryset.filter(start_date__gt=today)
        if self.value() == "ended":
            return queryset.filter(end_date__lt=today)
        return queryset


class ListedInYearFilter(admin.SimpleListFilter):
    title = "listed in year"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        programs = Entity.objects.filter(pk__in=admin_entity_ids(user=request.user)).values(
            "program_id"
        )
        years = (
            PerformanceYear.objects.filter(program_id__in=programs)
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        return [(str(y), f"PY{y}") for y in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() and self.value().isdigit():
            year = int(self.value())
            return queryset.overlapping(dt.date(year, 1, 1), dt.date(year, 12, 31))
        return queryset


class ProviderClassFilter(admin.SimpleListFilter):
    title = "provider class"
    parameter_name = "class"
    lookup = "provider__specialty__provider_class"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(ProviderClass.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == ProviderClass.OTHER:
            return queryset.filter(
                Q(**{self.lookup: ProviderClass.OTHER})
                | Q(**{self.lookup.rsplit("__", 1)[0] + "__isnull": True})
            )
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class SpecialtyProviderClassFilter(ProviderClassFilter):
    lookup = "specialty__provider_class"


# ------------------------------------------------------------------ entities


class EntityYearInline(admin.TabularInline):
    model = EntityYear
    extra = 0
    fields = [
        "performance_year",
        "track",
        "entity_type",
        "agreement_start",
        "agreement_period",
        "notes",
    ]
    verbose_name = "track in a performance year"
    verbose_name_plural = "tracks by performance year"

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        entity = getattr(request, "_openvbc_entity", None)
        if db_field.name in {"track", "entity_type"} and entity is not None:
            category = (
                TrackCategory.TRACK if db_field.name == "track" else TrackCategory.ENTITY_TYPE
            )
            kwargs["queryset"] = Track.objects.filter(
                program_id=entity.program_id, category=category
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_entity_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_entity_admin(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_entity_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class ParticipationInline(admin.TabularInline):
    """The entity's most recently changed current and future participations, editable in place.
    The full list (thousands of rows) lives on the participation list page, with search and
    filters; rendering it all here would make the entity page unusable."""

    model = Participation
    form = ParticipationInlineForm
    formset = ParticipationInlineFormSet
    extra = 1
    can_delete = False
    show_change_link = True
    rows_shown = 50
    # Folded (a <details> in Django's admin): the page opens on the entity's summary and fields.
    classes = ["collapse"]
    verbose_name = "participation"
    verbose_name_plural = (
        f"participant list: the {rows_shown} most recently changed current and future rows"
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request).select_related("organization", "provider")
        if request.method == "POST":
            # Exactly the rows the page showed: their ids come back with the form (the formset
            # also keeps only rows of this entity).
            prefix = Participation._meta.get_field("entity").remote_field.get_accessor_name()
            ids = [
                value
                for key, value in request.POST.items()
                if key.startswith(f"{prefix}-") and key.endswith("-id") and value.isdigit()
            ]
            return queryset.filter(pk__in=ids)
        entity = getattr(request, "_openvbc_entity", None)
        today = timezone.localdate()
        recent = (
            queryset.filter(entity=entity)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .order_by("-updated_at", "-pk")
            .values_list("pk", flat=True)[: self.rows_shown]
        )
        return queryset.filter(pk__in=list(recent)).order_by(
            "organization__tin", "provider__npi", "start_date"
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and user_is_entity_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_entity_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_entity_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Entity)
class EntityAdmin(ScopedAdmin):
    entity_path = ""
    entity_admin_can_add = False
    list_display = ["cms_id", "legal_name", "program", "tin", "current_track", "participants_today"]
    list_filter = ["program"]
    search_fields = ["cms_id", "legal_name", "tin"]
    inlines = [EntityYearInline, ParticipationInline]
    change_form_template = "admin/entities/entity/change_form.html"

    class Media:
        css = {"all": ["css/entities.css"]}

    fieldsets = [
        (None, {"fields": ["program", "cms_id", "legal_name", "tin"]}),
        ("Agreement", {"fields": ["agreement_start", "assignment_method", "msr_mlr_choice"]}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and not request.user.is_superuser:
            return ["program", "cms_id"]
        return []

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return self.inlines if obj is not None else []

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        today = timezone.localdate()
        track = EntityYear.objects.filter(
            entity=OuterRef("pk"), performance_year=today.year
        ).values("track__name")[:1]
        on_list = (
            Participation.objects.filter(entity=OuterRef("pk"))
            .active_on(today)
            .order_by()
            .values("entity")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("program")
            .annotate(track_this_year=Subquery(track), on_list_today=Subquery(on_list))
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/participants/import/",
                view(lambda request, object_id: participant_import_view(self, request, object_id)),
                name="entities_entity_participant_import",
            ),
            path(
                "<path:object_id>/participants/export/",
                view(lambda request, object_id: participant_export_view(self, request, object_id)),
                name="entities_entity_participant_export",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        entity = self._object_or_404(request, object_id)
        request._openvbc_entity = entity
        today = timezone.localdate()
        extra = {
            "participations_url": reverse("admin:entities_participation_changelist")
            + f"?entity__id__exact={entity.pk}",
            "participations_count": entity.participations.count(),
            "participants_today": entity.participations.active_on(today).count(),
            "today": today,
            "years": EntityYear.objects.filter(entity=entity)
            .select_related("track")
            .order_by("-performance_year")[:3],
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        # The page lists every error at the top by record and field (entity_errors in the
        # template): Django's own "Please correct the errors below" and its repeat of the form's
        # errors, which it prints whenever `errors` is set, would follow it as a second summary.
        context["entity_errors"] = context.pop("errors", None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="track this year")
    def current_track(self, obj: Entity) -> str:
        return getattr(obj, "track_this_year", None) or "-"

    @admin.display(description="on the list today")
    def participants_today(self, obj: Entity) -> int:
        return getattr(obj, "on_list_today", None) or 0

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: Any, change: bool
    ) -> None:
        if formset.model is not Participation:
            super().save_formset(request, form, formset, change)
            return
        entity = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form.candidate is None:
                continue
            c = inline_form.candidate
            if inline_form.instance.pk:
                row = participation_change(
                    participation=inline_form.instance,
                    start_date=c.start_date,
                    end_date=c.end_date,
                    role=c.role,
                    acting_user=request.user,
                )
                formset.changed_objects.append((row, inline_form.changed_data))
            else:
                row = participation_add(
                    entity=entity,
                    tin=c.tin,
                    npi=c.npi,
                    ccn=c.ccn,
                    specialty_code=c.specialty_code,
                    role=c.role,
                    start_date=c.start_date,
                    end_date=c.end_date,
                    acting_user=request.user,
                )
                formset.new_objects.append(row)
            for warning in inline_form.rule_warnings:
                self.message_user(request, warning, messages.WARNING)


# ------------------------------------------------------------------ participations


@admin.register(Participation)
class ParticipationAdmin(ScopedAdmin):
    form = ParticipationForm
    list_display = [
        "tin",
        "tin_legal_name",
        "npi",
        "provider_name",
        "specialty",
        "provider_class",
        "ccn",
        "role",
        "effective_start",
        "effective_end",
        "status_today",
        "entity",
    ]
    list_filter = [
        StatusTodayFilter,
        ListedInYearFilter,
        "role",
        ProviderClassFilter,
        ("provider__specialty", admin.RelatedOnlyFieldListFilter),
        ("entity", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "organization__tin",
        "organization__legal_name",
        "provider__npi",
        "provider__name",
        "provider__specialty__code",
        "provider__specialty__description",
        "ccn",
    ]
    search_help_text = "Search by TIN, NPI, CCN, name or specialty."
    list_select_related = ["entity", "organization", "provider__specialty"]
    list_per_page = 100
    ordering = ["organization__tin", "provider__npi", "start_date"]
    fieldsets = [
        ("Who", {"fields": ["entity", "tin", "npi", "ccn", "specialty_code"]}),
        ("Role and period", {"fields": ["role", "start_date", "end_date"]}),
    ]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "entity":
            kwargs["queryset"] = Entity.objects.filter(pk__in=admin_entity_ids(user=request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Participation, form: Any, change: bool) -> None:
        c = form.candidate
        if change:
            row = participation_change(
                participation=obj,
                start_date=c.start_date,
                end_date=c.end_date,
                role=c.role,
                acting_user=request.user,
            )
        else:
            row = participation_add(
                entity=form.cleaned_data["entity"],
                tin=c.tin,
                npi=c.npi,
                ccn=c.ccn,
                specialty_code=c.specialty_code,
                role=c.role,
                start_date=c.start_date,
                end_date=c.end_date,
                acting_user=request.user,
            )
        for field in Participation._meta.concrete_fields:
            setattr(obj, field.attname, getattr(row, field.attname))
        obj._state.adding = False
        for warning in form.rule_warnings:
            self.message_user(request, warning, messages.WARNING)

    class Media:
        css = {"all": ["css/entities.css"]}

    def get_list_display(self, request: HttpRequest) -> list[str]:
        # One entity administered: its name on every row is noise.
        columns = list(super().get_list_display(request))
        if not request.user.is_superuser and admin_entity_ids(user=request.user).count() <= 1:
            columns.remove("entity")
        return columns

    @admin.display(description="effective start", ordering="start_date")
    def effective_start(self, obj: Participation) -> str:
        return obj.start_date.isoformat()

    @admin.display(description="effective end", ordering="end_date")
    def effective_end(self, obj: Participation) -> str:
        return obj.end_date.isoformat() if obj.end_date else "open"

    @admin.display(description="TIN", ordering="organization__tin")
    def tin(self, obj: Participation) -> str:
        return obj.organization.tin

    @admin.display(description="TIN legal name", ordering="organization__legal_name")
    def tin_legal_name(self, obj: Participation) -> str:
        return obj.organization.legal_name

    @admin.display(description="NPI", ordering="provider__npi")
    def npi(self, obj: Participation) -> str:
        return obj.provider.npi if obj.provider is not None else ""

    @admin.display(description="name", ordering="provider__name")
    def provider_name(self, obj: Participation) -> str:
        return obj.provider.name if obj.provider is not None else ""

    @admin.display(description="specialty", ordering="provider__specialty__code")
    def specialty(self, obj: Participation) -> str:
        provider = obj.provider
        return str(provider.specialty) if provider is not None and provider.specialty_id else ""

    @admin.display(description="class")
    def provider_class(self, obj: Participation) -> str:
        return (
            SHORT_CLASS[ProviderClass(obj.provider.provider_class)]
            if obj.provider is not None
            else ""
        )

    @admin.display(description="today")
    def status_today(self, obj: Participation) -> str:
        today = timezone.localdate()
        if obj.start_date > today:
            return "starts later"
        if obj.end_date and obj.end_date < today:
            return "ended"
        return "on the list"


class ParticipationReadOnlyInline(admin.TabularInline):
    """A provider's or TIN's participations, in the entities the user administers only."""

    model = Participation
    fk_name = ""
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["entity", "organization", "provider", "ccn", "role", "start_date", "end_date"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = (
            super().get_queryset(request).select_related("entity", "organization", "provider")
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(entity__in=admin_entity_ids(user=request.user))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_entity_admin(request)


class ProviderParticipationInline(ParticipationReadOnlyInline):
    fk_name = "provider"


class OrganizationParticipationInline(ParticipationReadOnlyInline):
    fk_name = "organization"


@admin.register(Provider)
class ProviderAdmin(ListedThroughParticipationAdmin):
    participation_field = "provider_id"
    entity_admin_can_add = False
    list_display = ["npi", "name", "specialty", "provider_class_label"]
    list_filter = [SpecialtyProviderClassFilter, ("specialty", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["npi", "name", "specialty__code", "specialty__description"]
    search_help_text = "Search by NPI, name or specialty."
    list_select_related = ["specialty"]
    inlines = [ProviderParticipationInline]
    fields = ["npi", "name", "specialty"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["npi"] if obj is not None else []

    @admin.display(description="class", ordering="specialty__provider_class")
    def provider_class_label(self, obj: Provider) -> str:
        return ProviderClass(obj.provider_class).label


@admin.register(ParticipantOrganization)
class ParticipantOrganizationAdmin(ListedThroughParticipationAdmin):
    participation_field = "organization_id"
    entity_admin_can_add = False
    list_display = ["tin", "legal_name", "bills_primary_care"]
    list_filter = ["bills_primary_care"]
    search_fields = ["tin", "legal_name"]
    search_help_text = "Search by TIN or legal name."
    inlines = [OrganizationParticipationInline]
    fields = ["tin", "legal_name", "bills_primary_care"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["tin"] if obj is not None else []


# ------------------------------------------------------------------ change requests


@admin.register(ParticipantChangeRequest)
class ParticipantChangeRequestAdmin(ScopedAdmin):
    form = ChangeRequestForm
    list_display = [
        "__str__",
        "entity",
        "action",
        "performance_year",
        "effective_date",
        "status",
        "deadline_shown",
        "created_by",
    ]
    list_filter = [
        "status",
        "action",
        "performance_year",
        ("entity", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["tin", "npi", "ccn", "reason"]
    list_select_related = ["entity", "created_by"]
    actions = ["submit_requests", "accept_requests", "reject_requests"]
    readonly_fields = [
        "status",
        "deadline_shown",
        "participation",
        "decision_note",
        "submitted_at",
        "decided_at",
        "decided_by",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        deadline = PerformanceYear.objects.filter(
            program_id=OuterRef("entity__program_id"), year=OuterRef("performance_year")
        ).values("change_request_deadline")[:1]
        return super().get_queryset(request).annotate(program_deadline=Subquery(deadline))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None:
            # A request is a record of what was asked: it changes only through the actions.
            return list(ChangeRequestForm.Meta.fields) + self.readonly_fields
        return self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "entity":
            kwargs["queryset"] = Entity.objects.filter(pk__in=admin_entity_ids(user=request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="program deadline")
    def deadline_shown(self, obj: ParticipantChangeRequest) -> str:
        deadline = (
            getattr(obj, "program_deadline", None)
            if hasattr(obj, "program_deadline")
            else obj.deadline
        )
        if deadline is None:
            return "not set for this performance year"
        late = obj.status == ChangeStatus.DRAFT and timezone.localdate() > deadline
        return format_html("{}{}", f"{deadline:%Y-%m-%d}", " (passed)" if late else "")

    def save_model(
        self, request: HttpRequest, obj: ParticipantChangeRequest, form: Any, change: bool
    ) -> None:
        if change:
            return
        data = form.cleaned_data
        created = change_request_create(
            entity=data["entity"],
            action=data["action"],
            performance_year=data["performance_year"],
            tin=data["tin"],
            npi=data.get("npi") or "",
            ccn=data.get("ccn") or "",
            specialty_code=data.get("specialty_code") or "",
            role=data["role"],
            effective_date=data["effective_date"],
            reason=data.get("reason") or "",
            acting_user=request.user,
        )
        obj.pk, obj._state.adding = created.pk, False

    def _apply(self, request: HttpRequest, queryset: QuerySet, label: str, fn: Any) -> None:
        done, failed = 0, []
        for change in queryset:
            try:
                fn(change)
                done += 1
            except ValidationError as exc:
                failed.append(f"{change}: {_plain(exc)}")
        if done:
            self.message_user(
                request, f"{label}: {done} request{'s' if done != 1 else ''}.", messages.SUCCESS
            )
        for message in failed:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Submit the selected draft requests")
    def submit_requests(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(
            request,
            queryset,
            "Submitted",
            lambda c: change_request_submit(change_request=c, acting_user=request.user),
        )

    @admin.action(description="Record CMS acceptance (applies the change to the participant list)")
    def accept_requests(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(
            request,
            queryset,
            "Accepted and applied",
            lambda c: change_request_decide(
                change_request=c, accept=True, acting_user=request.user
            ),
        )

    @admin.action(description="Record CMS rejection")
    def reject_requests(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(
            request,
            queryset,
            "Rejected",
            lambda c: change_request_decide(
                change_request=c, accept=False, acting_user=request.user
            ),
        )
