"""The delivery registry in the admin console, and the upload that starts a load job.

Entity admins see their entities' deliveries only; another entity's delivery is a 404. Nothing is
edited or deleted here: a delivery's status changes only through the load.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from cclf.names import FileNameError, parse_name
from claims.models import Delivery, DeliveryFile
from entities.admin.base import ScopedReadOnlyAdmin, count_column
from entities.models import Entity
from entities.selectors import admin_entity_ids, is_entity_admin
from jobs.services import job_enqueue


class DeliveryFileInline(admin.TabularInline):
    """Shown with its (scoped) parent; read only."""

    model = DeliveryFile
    extra = 0
    can_delete = False
    fields = [
        "file_code",
        "name",
        "declared_records",
        "records",
        "inserted",
        "replaced",
        "unchanged",
        "status",
        "errors",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UploadForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.none())
    delivery = forms.FileField(
        help_text="The CCLF zip as CMS delivered it (P.A1234.ACO.ZCY24.D240112.T1200000.zip)."
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ModelChoiceField, self.fields["entity"]).queryset = Entity.objects.filter(
            pk__in=admin_entity_ids(user=user)
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload, entity = data.get("delivery"), data.get("entity")
        if upload is None or entity is None:
            return data
        try:
            name = parse_name(upload.name)
        except FileNameError as exc:
            raise forms.ValidationError(str(exc)) from None
        if name.file_code is not None:
            raise forms.ValidationError("Upload the delivery zip, not one of its files.")
        if name.entity_id != entity.cms_id:
            raise forms.ValidationError(
                f"This delivery is for {name.entity_id}, not {entity.cms_id}."
            )
        return data


@admin.register(Delivery)
class DeliveryAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "name", "entity", "kind", "performance_year", "delivered_at", "status",
        count_column("error_count", "errors"), "received_at", "loaded_at"
    ]  # fmt: skip
    list_filter = ["status", "kind", "performance_year"]
    readonly_fields = [
        "entity", "name", "program_prefix", "kind", "performance_year", "delivered_at", "layout_version", "sha256",
        "status", "error_count", "errors", "row_counts", "job", "uploaded_by", "received_at", "validated_at",
        "loaded_at",
    ]  # fmt: skip
    exclude = ["source_path"]
    inlines = [DeliveryFileInline]
    change_list_template = "admin/claims/delivery/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="claims_delivery_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a delivery zip; a `claims.load_delivery` job loads it, with progress."""
        if not is_entity_admin(user=request.user):
            raise Http404
        form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            entity = form.cleaned_data["entity"]
            upload = form.cleaned_data["delivery"]
            folder = Path(settings.MEDIA_ROOT) / "cclf" / entity.cms_id / uuid.uuid4().hex
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / Path(upload.name).name
            with open(target, "wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            with transaction.atomic():
                job = job_enqueue(
                    kind="claims.load_delivery",
                    entity=entity,
                    parameters={"path": str(target)},
                    user=request.user,
                )
            messages.info(request, f"Loading {target.name}: follow the job for progress.")
            return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "title": "Upload a CCLF delivery",
                   "opts": self.model._meta}  # fmt: skip
        return render(request, "admin/claims/delivery/upload.html", context)
