"""Admin pages that show beneficiaries write the same access records as every other page: the
list records the rows of the page shown, the change page its one object, its history page too.

Mix `PhiAdminMixin` into a ModelAdmin whose rows name a beneficiary; `phi_beneficiary_field`
says where the beneficiary's key is ("pk" for the Beneficiary model itself).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse

from audit.services import access_record_create


class PhiAdminMixin:
    phi_beneficiary_field = "beneficiary_id"
    phi_purpose = "admin"

    def _record(self, request: HttpRequest, rows: Iterable[Any], view: str) -> None:
        by_entity: dict[int, list[int]] = defaultdict(list)
        for row in rows:
            by_entity[row.entity_id].append(getattr(row, self.phi_beneficiary_field))
        opts = self.model._meta  # type: ignore[attr-defined]
        for entity_id, ids in by_entity.items():
            access_record_create(
                entity=entity_id,
                purpose=f"{self.phi_purpose} {view}",
                route=f"admin:{opts.app_label}_{opts.model_name}_{view}",
                beneficiary_ids=ids,
                user=request.user,
                method=request.method or "GET",
            )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            self._record(request, changelist.result_list, "changelist")
        return response

    def _record_object(
        self, request: HttpRequest, response: HttpResponse, view: str, object_id: str
    ) -> None:
        if response.status_code != 200:
            return
        context = getattr(response, "context_data", None) or {}
        shown = context.get("original") or context.get("object")
        if shown is None:
            # A page rendered to a plain response (simple-history's history page).
            shown = self.get_queryset(request).filter(pk=unquote(object_id)).first()  # type: ignore[attr-defined]
        if shown is not None:
            self._record(request, [shown], view)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        self._record_object(request, response, "change", object_id)
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        self._record_object(request, response, "history", object_id)
        return response
