"""Input and output shapes of the entities API. Writes go through entities.services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from entities.choices import ParticipationRole, ProviderClass
from entities.models import Entity, EntityYear, Participation, Provider


class EntityYearSerializer(serializers.ModelSerializer):
    track: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    track_name = serializers.CharField(source="track.name", read_only=True)
    # Null until the year's entity type is recorded (the schema says so).
    entity_type: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = EntityYear
        fields = ["performance_year", "track", "track_name", "entity_type"]


class EntityListSerializer(serializers.ModelSerializer):
    program: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Entity
        fields = ["id", "cms_id", "legal_name", "program"]


class EntitySerializer(serializers.ModelSerializer):
    program: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    years = EntityYearSerializer(many=True, read_only=True)

    class Meta:
        model = Entity
        fields = [
            "id",
            "cms_id",
            "legal_name",
            "program",
            "tin",
            "agreement_start",
            "assignment_method",
            "msr_mlr_choice",
            "years",
        ]
        read_only_fields = ["id", "cms_id", "program", "years"]
        extra_kwargs: dict[str, dict[str, Any]] = {"tin": {"validators": []}}


class ProviderSerializer(serializers.ModelSerializer):
    specialty = serializers.CharField(
        source="specialty_id", allow_blank=True, allow_null=True, required=False
    )
    specialty_description = serializers.CharField(
        source="specialty.description", read_only=True, default=""
    )
    provider_class = serializers.ChoiceField(choices=ProviderClass.choices, read_only=True)

    class Meta:
        model = Provider
        fields = ["id", "npi", "name", "specialty", "specialty_description", "provider_class"]
        read_only_fields = ["id", "npi"]


class ParticipationSerializer(serializers.ModelSerializer):
    """A row of a participant list. On create, the TIN and NPI are created in the national
    registries if new; on update only role, start_date and end_date change."""

    entity = serializers.PrimaryKeyRelatedField(queryset=Entity.objects.none())
    entity_cms_id = serializers.CharField(source="entity.cms_id", read_only=True)
    tin = serializers.CharField(max_length=11, help_text="9 digits; a dash is accepted.")
    tin_legal_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    npi = serializers.CharField(max_length=10, required=False, allow_blank=True)
    provider_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    specialty_code = serializers.CharField(max_length=2, required=False, allow_blank=True)
    provider_class = serializers.SerializerMethodField()
    ccn = serializers.CharField(max_length=6, required=False, allow_blank=True)
    role = serializers.ChoiceField(
        choices=ParticipationRole.choices, default=ParticipationRole.PARTICIPANT
    )

    class Meta:
        model = Participation
        fields = [
            "id",
            "entity",
            "entity_cms_id",
            "tin",
            "tin_legal_name",
            "npi",
            "provider_name",
            "specialty_code",
            "provider_class",
            "ccn",
            "role",
            "start_date",
            "end_date",
        ]
        read_only_fields = ["id"]

    def get_provider_class(self, obj: Participation) -> str | None:
        return obj.provider.provider_class if obj.provider is not None else None

    def to_representation(self, instance: Participation) -> dict:
        provider, org = instance.provider, instance.organization
        return {
            "id": instance.pk,
            "entity": instance.entity_id,
            "entity_cms_id": instance.entity.cms_id,
            "tin": org.tin,
            "tin_legal_name": org.legal_name,
            "npi": provider.npi if provider else "",
            "provider_name": provider.name if provider else "",
            "specialty_code": (provider.specialty_id or "") if provider else "",
            "provider_class": provider.provider_class if provider else None,
            "ccn": instance.ccn,
            "role": instance.role,
            "start_date": instance.start_date.isoformat(),
            "end_date": instance.end_date.isoformat() if instance.end_date else None,
        }


class ParticipationUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ParticipationRole.choices, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)


class ParticipantListRowSerializer(serializers.Serializer):
    tin = serializers.CharField()
    tin_legal_name = serializers.CharField()
    npi = serializers.CharField()
    provider_name = serializers.CharField()
    ccn = serializers.CharField()
    specialty_code = serializers.CharField()
    role = serializers.CharField()
    effective_start = serializers.DateField()
    effective_end = serializers.CharField(help_text="YYYY-MM-DD, or empty when open-ended.")


class ParticipantListSerializer(serializers.Serializer):
    entity = serializers.CharField(help_text="CMS ID")
    performance_year = serializers.IntegerField()
    count = serializers.IntegerField()
    rows = ParticipantListRowSerializer(many=True)
