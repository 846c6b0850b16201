"""Admin console: an entity's downstream gain-sharing with specialists (the share of its earned
savings available to them, and the arrangements per TIN or episode type), scoped like the
entities console: an entity admin sees and edits only the entities they administer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from core import display
from entities.admin.base import ScopedAdmin
from entities.admin.participants import ParticipationAdmin
from entities.models import Entity, Participation
from entities.selectors import admin_entity_ids
from specialists.models import GainShareArrangement, GainSharePolicy
from specialists.selectors import lead_run_current, provider_activity


class _EntityScoped(ScopedAdmin):
    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "entity" and not request.user.is_superuser:
            kwargs["queryset"] = Entity.objects.filter(pk__in=admin_entity_ids(user=request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(GainSharePolicy)
class GainSharePolicyAdmin(_EntityScoped):
    list_display = ("entity", "shown_pool_share", "note")
    fields = ("entity", "pool_share", "note")

    @admin.display(description="share of earned savings for specialists", ordering="pool_share")
    def shown_pool_share(self, obj: GainSharePolicy) -> str:
        return display.share(obj.pool_share)


@admin.register(GainShareArrangement)
class GainShareArrangementAdmin(_EntityScoped):
    list_display = (
        "entity",
        "tin",
        "shown_episode_type",
        "shown_rate",
        "shown_floor",
        "shown_cap",
        "shown_readmission",
    )
    list_filter = ("episode_type",)
    fields = (
        "entity",
        "tin",
        "episode_type",
        "rate",
        "floor",
        "cap",
        "max_readmission_rate",
        "note",
    )

    # Figures as the pages write them: shares as percents, money with separators.
    @admin.display(description="episode type", ordering="episode_type")
    def shown_episode_type(self, obj: GainShareArrangement) -> str:
        return display.words(obj.episode_type) if obj.episode_type else "Any"

    @admin.display(description="rate on savings", ordering="rate")
    def shown_rate(self, obj: GainShareArrangement) -> str:
        return display.share(obj.rate)

    @admin.display(description="floor (most repaid)", ordering="floor")
    def shown_floor(self, obj: GainShareArrangement) -> str:
        return display.money(obj.floor)

    @admin.display(description="cap", ordering="cap")
    def shown_cap(self, obj: GainShareArrangement) -> str:
        return display.money(obj.cap)

    @admin.display(description="highest readmission rate", ordering="max_readmission_rate")
    def shown_readmission(self, obj: GainShareArrangement) -> str:
        if obj.max_readmission_rate is None:
            return display.DASH
        return display.share(obj.max_readmission_rate)


# ------------------------------------------------------------------ the participant list


class ParticipationWithSpecialistsAdmin(ParticipationAdmin):
    """The participant list (entities' console) with, per clinician, the figures of the
    entity's current lead-specialist run: its attributed patients, the scored episodes it
    manages, and its TIN's patients' spending in and outside the network."""

    list_display = [
        *ParticipationAdmin.list_display[:-1],
        "attributed_patients",
        "episodes_managed",
        "network_share",
        ParticipationAdmin.list_display[-1],
    ]

    # The entity's current lead-specialist run, per provider (counts only: the links lead to the
    # pages that name the patients, under the PHI policy). Read once per entity per page.
    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Which run (and so which claims date) the figures come from, stated above the table
        # (templates/admin/entities/participation/change_list.html), per entity in view.
        ids = admin_entity_ids(user=request.user)
        chosen = request.GET.get("entity__id__exact", "")
        entities = Entity.objects.filter(pk__in=ids).order_by("legal_name")
        if chosen.isdigit():
            entities = entities.filter(pk=int(chosen))
        runs = [(entity, lead_run_current(entity=entity)) for entity in entities[:10]]
        extra_context = {**(extra_context or {}), "specialist_runs": runs}
        return super().changelist_view(request, extra_context)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        changelist.result_list = list(changelist.result_list)
        per_entity: dict[int, Any] = {}
        for obj in changelist.result_list:
            if obj.entity_id not in per_entity:
                run = lead_run_current(entity=obj.entity_id)
                rows = provider_activity(run=run) if run else []
                cards = {c["tin"]: c for c in run.scorecards} if run else {}
                per_entity[obj.entity_id] = (run, {(r["tin"], r["npi"]): r for r in rows}, cards)
            obj._openvbc_activity = per_entity[obj.entity_id]
        return changelist

    @staticmethod
    def _activity(obj: Participation) -> tuple[Any, dict[Any, Any], dict[str, Any]]:
        return getattr(obj, "_openvbc_activity", None) or (None, {}, {})

    @admin.display(description="attributed patients (aligned · led)")
    def attributed_patients(self, obj: Participation) -> str:
        run, rows, _cards = self._activity(obj)
        row = rows.get((obj.organization.tin, obj.provider.npi if obj.provider else ""))
        if run is None or row is None:
            return "-"
        total = row["aligned"] + row["led"]
        url = reverse("specialists:provider_patients", args=[obj.entity_id, row["npi"]])
        text = f"{row['aligned']:,} · {row['led']:,}"
        if not total:
            return text
        return format_html('<a href="{}?run={}" title="as of {}">{}</a>', url, run.pk,
                           run.as_of.isoformat(), text)  # fmt: skip

    @admin.display(description="scored episodes managed")
    def episodes_managed(self, obj: Participation) -> str:
        run, rows, _cards = self._activity(obj)
        row = rows.get((obj.organization.tin, obj.provider.npi if obj.provider else ""))
        if run is None or row is None:
            return "-"
        if not row["episodes"]:
            return "0"
        url = reverse("specialists:scorecard", args=[obj.entity_id, obj.organization.tin])
        return format_html('<a href="{}?run={}">{}</a>', url, run.pk, f"{row['episodes']:,}")

    @admin.display(description="TIN's patients' spending in the network (leakage)")
    def network_share(self, obj: Participation) -> str:
        run, _rows, cards = self._activity(obj)
        card = cards.get(obj.organization.tin)
        if run is None or card is None or not card["patient_paid_cents"]:
            return "-"
        paid = Decimal(card["patient_paid_cents"]) / 100
        inside = Decimal(card["patient_in_network_cents"]) / 100
        url = reverse("specialists:leakage", args=[obj.entity_id])
        return format_html(
            '<a href="{}?run={}">{} in the network; {} of {} outside</a>',
            url, run.pk, display.share(inside / paid, 1), display.money(paid - inside),
            display.money(paid),
        )  # fmt: skip


admin.site.unregister(Participation)
admin.site.register(Participation, ParticipationWithSpecialistsAdmin)
