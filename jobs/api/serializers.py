from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.roles import SETTLEMENT_MONEY
from accounts.selectors import user_may
from core.tenancy import is_client_principal
from jobs.models import Job


class JobSerializer(serializers.ModelSerializer):
    """A job as the API shows it. Its parameters may be PHI (a roster export asked for by name
        and birth date): a person reads them under the access policy (the API's second-factor
        permission) and a settlement job's only with the role's permission to see settlement
    money; a partner system never does, whatever its scopes."""

    entity: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="cms_id", read_only=True
    )
    parameters = serializers.SerializerMethodField()

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

    @extend_schema_field({"type": "object", "nullable": True})
    def get_parameters(self, job: Job) -> dict[str, Any] | None:
        request = self.context.get("request")
        if request is None or is_client_principal(request.user):
            return None
        if job.kind.startswith("settlement.") and (
            job.entity_id is None
            or not user_may(user=request.user, entity_id=job.entity_id, key=SETTLEMENT_MONEY)
        ):
            return None  # a settlement's figures and payouts (accounts/roles.py)
        return job.parameters
