"""Admin pages that show beneficiaries write the same access records as every other page: the
list records the rows of the page shown, the change page its one object, its history page too.

Mix `PhiAdminMixin` into a ModelAdmin whose rows name a beneficiary; `phi_beneficiary_field`
says where the beneficiary's key is ("pk" for the Beneficiary model itself).

Its search (names) is a POST: the term is kept in the session for that list (so that paging and
filters keep it) and never travels in a URL, where it would reach browser history, proxies and
access logs. A `?q=` in the address is dropped unread, with a message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from audit.services import access_record_create

SEARCH_VAR = "q"  # django.contrib.admin.views.main.SEARCH_VAR


class PhiAdminMixin:
    phi_beneficiary_field = "beneficiary_id"
    phi_purpose = "admin"
    change_list_template: ClassVar[Any] = "admin/audit/phi_search_change_list.html"

    def _search_key(self) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"phi_search:{opts.label_lower}"

    def phi_search_term(self, request: HttpRequest) -> str:
        return str(request.session.get(self._search_key(), ""))

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # The term the ChangeList read from the URL is always empty (dropped below); the
        # session's, set by the POST, is the search.
        return super().get_search_results(request, queryset, self.phi_search_term(request))  # type: ignore[misc]

    def _search_redirect(self, request: HttpRequest) -> HttpResponse | None:
        """The POST of the search form, or an address that carries a search: back to the list
        (without the term in the address)."""
        if request.method == "POST" and (
            "phi_search" in request.POST or "phi_search_clear" in request.POST
        ):
            term = "" if "phi_search_clear" in request.POST else request.POST["phi_search"]
            request.session[self._search_key()] = term.strip()[:100]
            params = request.GET.copy()
            params.pop(SEARCH_VAR, None)
            params.pop("p", None)  # a new search starts at its first page
            return HttpResponseRedirect(f"{request.path}?{params.urlencode()}".rstrip("?"))
        if SEARCH_VAR in request.GET:
            messages.warning(
                request,
                "Search with the search box: names and identifiers are never put in a "
                "page's address.",
            )
            params = request.GET.copy()
            del params[SEARCH_VAR]
            return HttpResponseRedirect(f"{request.path}?{params.urlencode()}".rstrip("?"))
        return None

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
        redirect = self._search_redirect(request)
        if redirect is not None:
            return redirect
        extra_context = {**(extra_context or {}), "phi_search_term": self.phi_search_term(request)}
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
