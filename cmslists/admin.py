"""CMS's lists in the admin console: the lists loaded for the user's entities (read only), and
the upload of a report, which a `cmslists.load` job loads with progress. Entity admins see their
entities' lists only; another entity's list is a 404."""

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

from cmslists.models import CmsList, ListKind
from core.uploads import MAX_UPLOAD_BYTES
from entities.admin.base import ScopedReadOnlyAdmin, count_column
from entities.models import Entity
from entities.selectors import admin_entity_ids, is_entity_admin
from jobs.services import job_enqueue

MAX_LIST_BYTES = 8 * MAX_UPLOAD_BYTES  # a list of 100,000 beneficiaries is about 30 MB of CSV


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ListUploadForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.none())
    kind = forms.ChoiceField(choices=ListKind.choices)
    performance_year = forms.IntegerField(min_value=2012, max_value=2100)
    period = forms.IntegerField(
        min_value=0, max_value=4, required=False, help_text="The quarter of a quarterly list."
    )
    list_date = forms.DateField(help_text="The report's date, YYYY-MM-DD.")
    report_files = MultipleFileField(
        help_text="The report's CSV files: for an Assignment List Report one per table "
        "(…_1-1.csv, …_1-2.csv, …_1-5.csv); for an ACO REACH alignment report its one CSV."
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ModelChoiceField, self.fields["entity"]).queryset = Entity.objects.filter(
            pk__in=admin_entity_ids(user=user)
        )

    def clean_report_files(self) -> Any:
        files = self.cleaned_data["report_files"]
        if sum(f.size for f in files) > MAX_LIST_BYTES:
            raise forms.ValidationError(
                f"The files are larger than {MAX_LIST_BYTES // (1024 * 1024)} MB together."
            )
        return files


@admin.register(CmsList)
class CmsListAdmin(ScopedReadOnlyAdmin):
    list_display = [
        "entity", "kind", "performance_year", "period", "list_date",
        count_column("assigned_count", "assigned"), count_column("excluded_count", "excluded"),
        count_column("voluntary_count", "voluntarily aligned"), count_column("tin_count", "TINs"),
        "loaded_at",
    ]  # fmt: skip
    list_filter = ["kind", "performance_year"]
    readonly_fields = [
        "entity", "kind", "performance_year", "period", "list_date", "name", "sha256", "files", "assigned_count",
        "excluded_count", "voluntary_count", "tin_count", "loaded_by", "loaded_at",
    ]  # fmt: skip
    change_list_template = "admin/cmslists/cmslist/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="cmslists_cmslist_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a report's files; a `cmslists.load` job loads them all or nothing."""
        if not is_entity_admin(user=request.user):
            raise Http404
        form = ListUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            entity = data["entity"]
            folder = Path(settings.MEDIA_ROOT) / "cms-lists" / entity.cms_id / uuid.uuid4().hex
            folder.mkdir(parents=True, exist_ok=True)
            paths = []
            for upload in data["report_files"]:
                target = folder / Path(upload.name).name
                with open(target, "wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
                paths.append(str(target))
            with transaction.atomic():
                job = job_enqueue(
                    kind="cmslists.load",
                    entity=entity,
                    parameters={
                        "paths": sorted(paths),
                        "kind": data["kind"],
                        "performance_year": data["performance_year"],
                        "period": data["period"] or 0,
                        "list_date": data["list_date"].isoformat(),
                    },
                    user=request.user,
                )
            messages.info(request, "Loading the report: follow the job for progress.")
            return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
        context = {**self.admin_site.each_context(request), "form": form,
                   "title": "Load a CMS assignment or alignment list", "opts": self.model._meta}  # fmt: skip
        return render(request, "admin/cmslists/cmslist/upload.html", context)
