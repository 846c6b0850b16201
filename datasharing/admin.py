"""CMS's data-sharing files in the admin console: the list (scoped to the entities the user
administers), and the upload that loads one (checked whole first; a bad file is refused with every
error by line and column). The entity's console page links here."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from core import display
from core.api import ApplicationError
from datasharing.layouts import LAYOUTS
from datasharing.models import DataSharingFile
from datasharing.services import data_sharing_file_load
from entities.admin.base import ScopedReadOnlyAdmin
from entities.models import Entity
from entities.selectors import admin_entity_ids, is_entity_admin


class UploadForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.none())
    kind = forms.ChoiceField(
        label="File", choices=[(k, f"{v.title} ({v.program.upper()})") for k, v in LAYOUTS.items()]
    )
    file_date = forms.DateField(
        help_text="The date CMS gave the file (YYYY-MM-DD): what its rows are as of."
    )
    performance_year = forms.IntegerField(required=False, min_value=2012, max_value=2100)
    file = forms.FileField(help_text="The CSV as CMS's portal exports it.")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ModelChoiceField, self.fields["entity"]).queryset = Entity.objects.filter(
            pk__in=admin_entity_ids(user=user)
        )


@admin.register(DataSharingFile)
class DataSharingFileAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "name",
        "entity",
        "kind",
        "file_date",
        "performance_year",
        "records",
        "loaded_at",
    ]
    list_filter = ["kind", "performance_year"]
    readonly_fields = [
        "name", "entity", "kind", "file_date", "performance_year", "records", "loaded_at", "sha256",
        "uploaded_by",
    ]  # fmt: skip
    change_list_template = "admin/datasharing/datasharingfile/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="datasharing_datasharingfile_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not is_entity_admin(user=request.user):
            raise Http404
        initial = {"entity": request.GET.get("entity", "")}
        form = UploadForm(
            request.POST or None, request.FILES or None, user=request.user, initial=initial
        )
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                result = data_sharing_file_load(
                    entity=data["entity"],
                    kind=data["kind"],
                    content=upload.read(),
                    name=upload.name,
                    file_date=data["file_date"],
                    performance_year=data["performance_year"],
                    uploaded_by=request.user,
                )
            except ApplicationError as exc:
                errors = exc.extra.get("errors") or [exc.message]
                form.add_error(
                    None, f"{upload.name} was not loaded: {display.counted(len(errors), 'error')}."
                )
            else:
                if result.created:
                    messages.success(request, f"{upload.name}: {result.file.records} rows loaded.")
                else:
                    messages.info(request, f"{upload.name}: already loaded, nothing changed.")
                return HttpResponseRedirect(reverse("admin:datasharing_datasharingfile_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "errors": errors,
            "layouts": LAYOUTS.values(),
            "title": "Upload a CMS data-sharing file",
            "opts": self.model._meta,
        }
        return render(request, "admin/datasharing/datasharingfile/upload.html", context)
