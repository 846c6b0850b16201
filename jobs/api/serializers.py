from typing import Any

from rest_framework import serializers

from jobs.models import Job


class JobSerializer(serializers.ModelSerializer):
    entity: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="cms_id", read_only=True
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "entity",
            "parameters",
            "state",
            "progress",
            "message",
            "error",
            "result",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
