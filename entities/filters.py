"""FilterSets of the entities app, shared by the API and (where useful) HTML lists."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet

from entities.choices import ParticipationRole, ProviderClass
from entities.models import Entity, Participation, Provider


class EntityFilter(django_filters.FilterSet):
    program = django_filters.CharFilter(
        field_name="program__code", help_text="Program code: mssp, reach, mcp, lead."
    )
    cms_id = django_filters.CharFilter(lookup_expr="iexact")
    search = django_filters.CharFilter(
        method="filter_search", help_text="CMS ID or legal name contains."
    )

    class Meta:
        model = Entity
        fields = ["program", "cms_id", "search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(cms_id__icontains=value) | Q(legal_name__icontains=value))


class ProviderFilter(django_filters.FilterSet):
    npi = django_filters.CharFilter()
    specialty = django_filters.CharFilter(
        field_name="specialty__code", help_text="CMS specialty code, e.g. 08."
    )
    provider_class = django_filters.ChoiceFilter(
        field_name="specialty__provider_class", choices=ProviderClass.choices
    )
    name = django_filters.CharFilter(lookup_expr="icontains")
    entity = django_filters.NumberFilter(
        method="filter_entity", help_text="Entity id: providers on its list."
    )

    class Meta:
        model = Provider
        fields = ["npi", "specialty", "provider_class", "name", "entity"]

    def filter_entity(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(
            pk__in=Participation.objects.filter(entity_id=value).values("provider_id")
        )


class ParticipationFilter(django_filters.FilterSet):
    entity = django_filters.NumberFilter(field_name="entity_id")
    entity_cms_id = django_filters.CharFilter(field_name="entity__cms_id", lookup_expr="iexact")
    tin = django_filters.CharFilter(field_name="organization__tin")
    npi = django_filters.CharFilter(field_name="provider__npi")
    ccn = django_filters.CharFilter()
    role = django_filters.ChoiceFilter(choices=ParticipationRole.choices)
    specialty = django_filters.CharFilter(field_name="provider__specialty__code")
    provider_class = django_filters.ChoiceFilter(
        field_name="provider__specialty__provider_class", choices=ProviderClass.choices
    )
    active_on = django_filters.DateFilter(
        method="filter_active_on", help_text="On the list on this date."
    )
    year = django_filters.NumberFilter(
        method="filter_year",
        help_text="Period touches this calendar year.",
        min_value=1,
        max_value=9999,
    )

    class Meta:
        model = Participation
        fields = [
            "entity",
            "entity_cms_id",
            "tin",
            "npi",
            "ccn",
            "role",
            "specialty",
            "provider_class",
        ]

    def filter_active_on(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.active_on(value)

    def filter_year(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        year = int(value)
        return queryset.overlapping(dt.date(year, 1, 1), dt.date(year, 12, 31))
