"""Participant-list import (upload, preview every row's errors, then import all or nothing) and
export, as pages of the entity in the admin console."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from core import display
from entities.selectors import participant_list_csv, performance_year_get
from entities.services.imports import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportPreview,
    ParticipantImportError,
    UnreadableFile,
    participant_file_text,
    participant_import,
    participant_import_preview,
)

# Rows listed in the preview besides the rows with errors or warnings, which are always listed.
PREVIEW_SAMPLE_ROWS = 50


def _context(model_admin: Any, request: HttpRequest, entity: Any, title: str) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": entity,
        "entity": entity,
        "title": title,
        "has_view_permission": True,
    }


def participant_import_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    from entities.admin.forms import ParticipantImportForm

    entity = model_admin._object_or_404(request, object_id)
    if not model_admin.has_change_permission(request, entity):
        raise PermissionDenied
    context = _context(model_admin, request, entity, f"Import participants: {entity}")
    form = ParticipantImportForm(entity=entity)
    preview = None
    content = ""

    if request.method == "POST" and request.POST.get("step") == "import":
        # Second step: the file the user previewed comes back in the form and is checked again.
        content = request.POST.get("content", "")
        year_text = request.POST.get("performance_year", "")
        year = int(year_text) if year_text.isascii() and year_text.isdigit() else 0
        try:
            if not year:
                # The form sends the year the preview was made for; anything else is refused
                # like an unknown year, with the reason on the page.
                preview = ImportPreview(entity=entity, performance_year=0)
                preview.file_errors.append(
                    f"The performance year {year_text[:20]!r} is not a year: upload the file again."
                )
                raise ParticipantImportError(preview)
            outcome = participant_import(
                entity=entity, performance_year=year, content=content, acting_user=request.user
            )
        except ParticipantImportError as exc:
            preview = exc.preview
            messages.error(request, exc.message)
        else:
            s = outcome.summary
            messages.success(
                request,
                f"Imported the participant list for PY{year}: {display.count(len(s.created))} new, "
                f"{display.count(len(s.updated))} updated, {display.count(s.unchanged)} unchanged "
                f"rows ({display.counted(s.providers_created, 'new provider')}, "
                f"{display.counted(s.organizations_created, 'new TIN')}).",
            )
            return HttpResponseRedirect(
                reverse("admin:entities_participation_changelist")
                + f"?entity__id__exact={entity.pk}&year={year}"
            )
    elif request.method == "POST":
        form = ParticipantImportForm(request.POST, request.FILES, entity=entity)
        if form.is_valid() and form.cleaned_data["file"].size > MAX_FILE_BYTES:
            # Refused by its size before a byte of it is read into memory.
            form.add_error(
                "file",
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; a participant "
                f"list has at most {MAX_ROWS:,} rows.",
            )
        elif form.is_valid():
            raw = form.cleaned_data["file"].read()
            preview = participant_import_preview(
                entity=entity, performance_year=form.cleaned_data["performance_year"], content=raw
            )
            # The text the preview read goes back with the confirm step (none when unreadable).
            try:
                content = participant_file_text(raw)
            except UnreadableFile:
                content = ""

    if preview is not None:
        listed = [row for row in preview.rows if row.errors or row.warnings or row.changes]
        others = [row for row in preview.rows if not (row.errors or row.warnings or row.changes)]
        context.update(
            {
                "preview": preview,
                "listed_rows": listed,
                "sample_rows": others[:PREVIEW_SAMPLE_ROWS],
                "more_rows": max(0, len(others) - PREVIEW_SAMPLE_ROWS),
                "content": content,
                "py": performance_year_get(program=entity.program, year=preview.performance_year),
                "columns": [
                    "tin",
                    "npi",
                    "ccn",
                    "specialty_code",
                    "role",
                    "effective_start",
                    "effective_end",
                ],
            }
        )
    context["form"] = form
    return TemplateResponse(request, "admin/entities/participant_import.html", context)


def participant_export_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    from entities.admin.forms import ParticipantExportForm

    entity = model_admin._object_or_404(request, object_id)
    form = ParticipantExportForm(request.GET or None, entity=entity)
    if request.GET and form.is_valid():
        year = form.cleaned_data["year"]
        response = HttpResponse(
            participant_list_csv(entity=entity, performance_year=year),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{entity.cms_id}_participants_PY{year}.csv"'
        )
        return response
    context = _context(model_admin, request, entity, f"Export the participant list: {entity}")
    context["form"] = form
    return TemplateResponse(request, "admin/entities/participant_export.html", context)
