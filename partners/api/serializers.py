"""Input and output shapes of the partner REST API."""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alignment.models import AlignmentChange, AlignmentRun
from core.logging import MBI_PATTERN
from partners.roster import LIST_ONLY_EXPLANATION, change_code

SEX = {"1": "male", "2": "female", "0": "unknown"}


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class RosterSourceSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=["cms_list", "platform_projection"],
        help_text="Where the entity's roster of record comes from: CMS's list where one covers "
        "the year, else the platform's alignment run.",
    )
    as_of = serializers.DateField(allow_null=True, help_text="The list's date, or the run's.")
    label = serializers.CharField()
    on_roster = serializers.BooleanField(
        help_text="On the roster of record (assigned on CMS's list, or aligned in the run)."
    )


class AlignmentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["aligned", "not_aligned"])
    step = serializers.CharField()
    reason = serializers.CharField()
    explanation = serializers.CharField()
    change = serializers.ChoiceField(
        choices=["new", "changed", "dropped", "nochange"],
        help_text="Since the previous list (Da Vinci ATR change types).",
    )
    period = PeriodSerializer()
    run = serializers.IntegerField(
        allow_null=True,
        help_text="The platform's alignment run of the row; null for a beneficiary only on "
        "CMS's list (reason `cms_list_only`).",
    )
    performance_year = serializers.IntegerField()
    roster = RosterSourceSerializer()


class AttributedProviderSerializer(serializers.Serializer):
    tin = serializers.CharField()
    npi = serializers.CharField()
    name = serializers.CharField()


class RiskScoreSerializer(serializers.Serializer):
    payment_year = serializers.IntegerField()
    raw_score = serializers.DecimalField(max_digits=10, decimal_places=6)


class GapSerializer(serializers.Serializer):
    """An open gap: a care gap found in claims (`care_gap`: `gap`, `last_done`, `as_of`) or an
    HCC coded last year and not yet this year (`hcc_recapture`: `model`, `hcc`,
    `last_seen_payment_year`)."""

    type = serializers.ChoiceField(choices=["care_gap", "hcc_recapture"])
    label = serializers.CharField()
    gap = serializers.CharField(required=False)
    last_done = serializers.DateField(required=False, allow_null=True)
    as_of = serializers.DateField(required=False)
    model = serializers.CharField(required=False)
    hcc = serializers.CharField(required=False)
    last_seen_payment_year = serializers.IntegerField(required=False)


@cache
def _plan(
    serializer: type[serializers.Serializer],
) -> list[tuple[str, tuple[str, ...], serializers.Field, str | None]]:
    """Per declared field: its name, its source path, the field, and its method if any."""
    plan = []
    for name, field in serializer._declared_fields.items():
        if isinstance(field, serializers.SerializerMethodField):
            plan.append((name, (), field, field.method_name or f"get_{name}"))
        else:
            plan.append((name, tuple((field.source or name).split(".")), field, None))
    return plan


class RosterRowSerializer(serializers.Serializer):
    """One beneficiary of the roster. `id` is the internal key to use in URLs; the MBI is in
    the body only."""

    id = serializers.IntegerField(source="beneficiary_id")
    mbi = serializers.CharField(source="beneficiary.current_mbi")
    first_name = serializers.CharField(source="beneficiary.first_name")
    last_name = serializers.CharField(source="beneficiary.last_name")
    birth_date = serializers.DateField(source="beneficiary.birth_date", allow_null=True)
    sex = serializers.SerializerMethodField()
    death_date = serializers.DateField(source="beneficiary.death_date", allow_null=True)
    alignment = serializers.SerializerMethodField()
    attributed_provider = serializers.SerializerMethodField()
    risk_score = serializers.SerializerMethodField()
    open_gaps = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(source="beneficiary.updated_at")

    def to_representation(self, row: Any) -> dict[str, Any]:
        """What DRF's `Serializer.to_representation` gives, from the declared fields as they
        are: DRF deep-copies and binds every field for each serializer it builds, which was a
        third of a beneficiary detail's serializing (bench/api). Field values go through the
        declared fields' own `to_representation`; the tests hold the two renderings equal."""
        out: dict[str, Any] = {}
        for name, path, field, method in _plan(type(self)):
            if method is not None:
                out[name] = getattr(self, method)(row)
                continue
            value = row
            for attr in path:
                value = getattr(value, attr)
                if value is None:
                    break
            out[name] = None if value is None else field.to_representation(value)
        return out

    def get_sex(self, row: Any) -> str:
        return SEX.get(row.beneficiary.sex_code, "unknown")

    @extend_schema_field(AlignmentStatusSerializer)
    def get_alignment(self, row: Any) -> dict[str, Any]:
        listed = getattr(row, "list_only", None)
        if listed is not None:
            return list_only_alignment(row, listed)
        start, end = self.context["periods"][row.run_id]
        return {
            "status": "aligned" if row.aligned else "not_aligned",
            "step": row.step,
            "reason": row.reason,
            "explanation": row.explanation,
            "change": change_code(row.change_kind, row.run),
            "period": {"start": start, "end": end},
            "run": row.run_id,
            "performance_year": row.run.performance_year,
            "roster": roster_label(self.context.get("rosters", {}).get(row.run.entity_id), row),
        }

    @extend_schema_field(AttributedProviderSerializer(allow_null=True))
    def get_attributed_provider(self, row: Any) -> dict[str, str] | None:
        if not (row.attributed_tin or row.attributed_npi):
            return None
        return {
            "tin": row.attributed_tin,
            "npi": row.attributed_npi,
            "name": row.provider_name or "",
        }

    @extend_schema_field(RiskScoreSerializer(allow_null=True))
    def get_risk_score(self, row: Any) -> dict[str, Any] | None:
        score = self.context["extras"].risk.get(row.beneficiary_id)
        if score is None:
            return None
        return {"payment_year": score.payment_year, "raw_score": str(score.raw_score)}

    @extend_schema_field(GapSerializer(many=True))
    def get_open_gaps(self, row: Any) -> list[dict[str, Any]]:
        return self.context["extras"].gaps.get(row.beneficiary_id, [])


class BeneficiarySearchSerializer(serializers.Serializer):
    mbis = serializers.ListField(
        child=serializers.CharField(max_length=13),
        min_length=1,
        max_length=100,
        help_text="Up to 100 MBIs (11 characters; dashes allowed).",
    )

    def validate_mbis(self, values: list[str]) -> list[str]:
        cleaned = []
        for index, value in enumerate(values):
            mbi = value.replace("-", "").strip().upper()
            if not MBI_PATTERN.fullmatch(mbi):
                # The message names the position, not the value: it may be logged.
                raise serializers.ValidationError(
                    {index: "Not an MBI: 11 characters in the CMS format (e.g. 1EG4TE5MK73)."}
                )
            cleaned.append(mbi)
        return cleaned


class AlignmentRunSerializer(serializers.ModelSerializer):
    entity = serializers.SlugRelatedField(slug_field="cms_id", read_only=True)
    period = serializers.SerializerMethodField()

    class Meta:
        model = AlignmentRun
        fields = [
            "id",
            "entity",
            "program",
            "performance_year",
            "list_kind",
            "as_of",
            "method",
            "version",
            "status",
            "period",
            "beneficiary_count",
            "aligned_count",
            "summary",
            "previous_run",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PeriodSerializer)
    def get_period(self, run: AlignmentRun) -> dict[str, Any]:
        from partners.attribution import run_period

        start, end = run_period(run)
        return {"start": start, "end": end}


class AlignmentChangeSerializer(serializers.ModelSerializer):
    beneficiary = serializers.IntegerField(source="beneficiary_id")
    change = serializers.SerializerMethodField()
    explanation = serializers.CharField()

    class Meta:
        model = AlignmentChange
        fields = [
            "id",
            "beneficiary",
            "kind",
            "change",
            "explanation",
            "previous_step",
            "previous_reason",
            "previous_tin",
            "previous_npi",
            "step",
            "reason",
            "attributed_tin",
            "attributed_npi",
        ]
        read_only_fields = fields

    def get_change(self, change: AlignmentChange) -> str:
        return change_code(change.kind)


def roster_label(roster: dict[str, Any] | None, row: Any) -> dict[str, Any]:
    """The row's roster-of-record label: the entity's roster source and date, and whether the
    beneficiary is on it (`partners.api.views.RosterContextMixin` reads the rosters)."""
    if roster is None:
        return {"source": "platform_projection", "as_of": row.run.as_of.isoformat(),
                "label": str(row.run), "on_roster": bool(row.aligned)}  # fmt: skip
    members = roster["members"]
    return {
        "source": roster["source"],
        "as_of": roster["as_of"],
        "label": roster["label"],
        "on_roster": bool(row.aligned) if members is None else row.beneficiary_id in members,
    }


def list_only_alignment(row: Any, cms_list: Any) -> dict[str, Any]:
    """The alignment of a beneficiary on CMS's list (the roster of record) that the platform's
    run has no row for (partners.roster.list_only_rows): aligned by the list, for its year."""
    start, end = row.period
    return {
        "status": "aligned",
        "step": "",
        "reason": "cms_list_only",
        "explanation": LIST_ONLY_EXPLANATION,
        "change": change_code(None, row.run),
        "period": {"start": start, "end": end},
        "run": None,
        "performance_year": cms_list.performance_year,
        "roster": {
            "source": "cms_list",
            "as_of": cms_list.list_date.isoformat(),
            "label": cms_list.label,
            "on_roster": True,
        },
    }
