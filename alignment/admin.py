"""Admin console: voluntary alignment records (entered one by one, checked against the
participant list at the signature date) and read-only alignment runs, scoped like the
entities console: an entity admin sees only the entities they administer."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from alignment.models import (
    AlignmentRun,
    DesignationStatus,
    PendingDesignation,
    VoluntaryAlignment,
    VoluntarySource,
)
from alignment.services.designations import (
    pending_designation_check,
    pending_designation_create,
    pending_designations_match,
)
from alignment.services.voluntary import voluntary_alignment_check, voluntary_alignment_create
from audit.admin_access import PhiAdminMixin
from audit.services import access_record_create
from beneficiaries.models import BeneficiaryMbi
from core.api import ApplicationError
from core.logging import MBI_PATTERN
from entities.admin.base import ScopedAdmin, count_column
from entities.models import Entity
from entities.selectors import admin_entity_ids


class VoluntaryAlignmentForm(forms.ModelForm):
    mbi = forms.CharField(
        label="Beneficiary MBI",
        max_length=13,
        help_text="As on the designation; dashes are ignored. It is not stored here.",
    )

    class Meta:
        model = VoluntaryAlignment
        fields = ["entity", "npi", "tin", "signature_date", "source"]
        help_texts = {
            "tin": "Only needed when the clinician bills through several of the entity's TINs."
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A read-only view (the change page of a record) builds this form without its fields.
        if "tin" in self.fields:
            self.fields["tin"].required = False
        if "source" in self.fields:
            self.fields["source"].initial = VoluntarySource.MEDICARE_GOV

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        mbi = (data.get("mbi") or "").replace("-", "").strip().upper()
        entity = data.get("entity")
        if not MBI_PATTERN.fullmatch(mbi):
            self.add_error("mbi", "Not a valid MBI.")
        elif entity is not None:
            bene = (
                BeneficiaryMbi.objects.filter(entity=entity, mbi=mbi, beneficiary__isnull=False)
                .values_list("beneficiary_id", flat=True)
                .first()
            )
            if bene is None:
                self.add_error("mbi", f"No beneficiary of {entity.cms_id} has this MBI.")
            data["beneficiary_id"] = bene
        if not self.errors and entity is not None:
            # The service's own checks, as form errors: NPI on the participant list at the
            # signature date, not in the future, not recorded twice.
            for field, message in voluntary_alignment_check(
                entity=entity,
                beneficiary_id=data["beneficiary_id"],
                npi=data.get("npi") or "",
                tin=data.get("tin") or "",
                signature_date=data["signature_date"],
                source=data.get("source") or "",
                today=timezone.localdate(),
            ):
                self.add_error(field if field in self.fields else None, message)
        return data


class RecordedOnceAdmin(PhiAdminMixin, ScopedAdmin):
    """A designation is recorded once and then only read: its change page shows
    `recorded_fields` read-only; the form offers the user's MSSP and REACH entities."""

    recorded_fields: list[str] = []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return self.recorded_fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return self.recorded_fields
        return super().get_readonly_fields(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "entity":
            kwargs["queryset"] = Entity.objects.filter(
                pk__in=admin_entity_ids(user=request.user), program__code__in=("mssp", "reach")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(VoluntaryAlignment)
class VoluntaryAlignmentAdmin(RecordedOnceAdmin):
    form = VoluntaryAlignmentForm
    entity_admin_can_change = False
    list_display = [
        "beneficiary_id",
        "entity",
        "tin",
        "npi",
        "signature_date",
        "source",
        "created_by",
        "created_at",
    ]
    list_filter = ["source", ("entity", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["npi", "tin"]
    list_select_related = ["entity", "created_by"]
    readonly_fields = ["created_by", "created_at"]
    # A recorded designation is read, never edited: a correction is a new record.
    recorded_fields = [
        "entity",
        "beneficiary_id",
        "npi",
        "tin",
        "signature_date",
        "source",
        "created_by",
        "created_at",
    ]

    def save_model(
        self, request: HttpRequest, obj: VoluntaryAlignment, form: Any, change: bool
    ) -> None:
        if change:
            return  # every field of a recorded designation is read-only
        data = form.cleaned_data
        try:
            record = voluntary_alignment_create(
                entity=data["entity"],
                beneficiary_id=data["beneficiary_id"],
                npi=data["npi"],
                tin=data.get("tin") or "",
                signature_date=data["signature_date"],
                source=data["source"],
                today=timezone.localdate(),
                acting_user=request.user,
            )
        except ApplicationError as exc:  # a race with another entry since the form was checked
            raise ValidationError(exc.message) from exc
        obj.pk, obj.tin, obj.beneficiary_id = record.pk, record.tin, record.beneficiary_id


class PendingDesignationForm(forms.ModelForm):
    class Meta:
        model = PendingDesignation
        fields = [
            "entity",
            "mbi",
            "first_name",
            "last_name",
            "birth_date",
            "npi",
            "tin",
            "signature_date",
            "source",
        ]
        help_texts = {
            "mbi": "As on the designation; dashes are ignored.",
            "tin": "Only needed when the clinician bills through several of the entity's TINs.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "mbi" in self.fields:
            cast(forms.CharField, self.fields["mbi"]).max_length = 13
            self.fields["mbi"].widget.attrs["maxlength"] = 13
            self.fields["mbi"].validators = []
        if "tin" in self.fields:
            self.fields["tin"].required = False
        if "source" in self.fields:
            self.fields["source"].initial = VoluntarySource.MEDICARE_GOV

    def _post_clean(self) -> None:
        # The service checks and stores the fields (model validation would refuse a dashed MBI).
        return

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        entity = data.get("entity")
        if entity is None or self.errors:
            return data
        _, problems = pending_designation_check(
            entity=entity,
            mbi=data.get("mbi") or "",
            first_name=data.get("first_name") or "",
            last_name=data.get("last_name") or "",
            birth_date=data.get("birth_date"),
            npi=data.get("npi") or "",
            tin=data.get("tin") or "",
            signature_date=data.get("signature_date"),
            source=data.get("source") or "",
            today=timezone.localdate(),
        )
        for field, message in problems:
            self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(PendingDesignation)
class PendingDesignationAdmin(RecordedOnceAdmin):
    """Designations recorded by MBI for beneficiaries not yet in any delivery."""

    form = PendingDesignationForm
    entity_admin_can_change = False
    list_display = [
        "id",
        "entity",
        "masked_mbi",
        "last_name",
        "npi",
        "signature_date",
        "status",
        "beneficiary_id",
        "matched_on",
    ]
    list_filter = ["status", ("entity", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["entity"]
    search_fields = ["npi", "tin", "last_name"]
    actions = ["match_now"]
    recorded_fields = [
        "entity",
        "masked_mbi",
        "first_name",
        "last_name",
        "birth_date",
        "npi",
        "tin",
        "signature_date",
        "source",
        "status",
        "beneficiary_id",
        "voluntary_alignment_id",
        "matched_on",
        "note",
        "created_by",
        "created_at",
    ]

    def _record(self, request: HttpRequest, rows: Any, view: str) -> None:
        # A waiting designation has no beneficiary yet: its row is counted, not named.
        by_entity: dict[int, list[PendingDesignation]] = {}
        for row in rows:
            by_entity.setdefault(row.entity_id, []).append(row)
        opts = self.model._meta
        for entity_id, shown in by_entity.items():
            access_record_create(
                entity=entity_id,
                purpose=f"{self.phi_purpose} {view}",
                route=f"admin:{opts.app_label}_{opts.model_name}_{view}",
                beneficiary_ids=[r.beneficiary_id for r in shown if r.beneficiary_id],
                count=len(shown),
                user=request.user,
                method=request.method or "GET",
            )

    def save_model(
        self, request: HttpRequest, obj: PendingDesignation, form: Any, change: bool
    ) -> None:
        if change:
            return  # a recorded designation is read, never edited
        data = form.cleaned_data
        try:
            record = pending_designation_create(
                entity=data["entity"],
                mbi=data["mbi"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                birth_date=data["birth_date"],
                npi=data["npi"],
                tin=data.get("tin") or "",
                signature_date=data["signature_date"],
                source=data["source"],
                today=timezone.localdate(),
                acting_user=request.user,
            )
        except ApplicationError as exc:  # recorded by someone else since the form was checked
            raise ValidationError(exc.message) from exc
        obj.pk = record.pk
        if record.status == DesignationStatus.MATCHED:
            messages.info(request, "The beneficiary is already in a delivery: matched at once.")

    @admin.action(description="Match with the beneficiaries of loaded deliveries")
    def match_now(self, request: HttpRequest, queryset: Any) -> None:
        for entity_id in sorted(set(queryset.values_list("entity_id", flat=True))):
            entity = Entity.objects.get(pk=entity_id)
            ids = list(queryset.filter(entity=entity).values_list("pk", flat=True))
            outcome = pending_designations_match(entity=entity, ids=ids)
            self.message_user(
                request,
                f"{entity.cms_id}: {outcome.matched} matched, {outcome.conflicts} with a date of "
                f"birth that differs, {outcome.waiting} still waiting.",
            )


@admin.register(AlignmentRun)
class AlignmentRunAdmin(ScopedAdmin):
    entity_admin_can_add = False
    entity_admin_can_change = False
    list_display = [
        "__str__",
        "status",
        "as_of",
        count_column("aligned_count", "aligned"),
        count_column("beneficiary_count", "beneficiaries read"),
        "created_by",
        "created_at",
    ]
    list_filter = [
        "status",
        "list_kind",
        "performance_year",
        ("entity", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["entity", "created_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
