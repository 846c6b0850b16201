"""The header search's page (see care.search)."""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.phi import phi_view
from audit.services import access_record_create
from care.forms import BeneficiarySearchForm
from care.search import RESULT_LIMIT, SearchError, beneficiary_search, parse_terms


@require_http_methods(["GET", "POST"])
@phi_view
def search(request: HttpRequest) -> HttpResponse:
    """GET: the empty form. POST: the people matching; one match opens their page at once.
    What was typed is shown back in the form only, and each entity's record of the search
    names the people shown, not the terms."""
    form = BeneficiarySearchForm(request.POST if request.method == "POST" else None)
    results = []
    error = ""
    if form.is_bound:
        if not form.is_valid():
            error = "The date of birth is not a date."
        else:
            try:
                terms = parse_terms(form.cleaned_data["q"], form.cleaned_data["dob"])
            except SearchError as exc:
                error = str(exc)
            else:
                results = beneficiary_search(user=request.user, terms=terms)
                by_entity: dict[int, list[int]] = defaultdict(list)
                for bene in results:
                    by_entity[bene.entity_id].append(bene.pk)
                for entity_id, ids in by_entity.items():
                    access_record_create(
                        entity=entity_id,
                        purpose="search",
                        route="care:search",
                        beneficiary_ids=ids,
                        user=request.user,
                        method="POST",
                    )
                if len(results) == 1:
                    only = results[0]
                    return redirect(
                        "care:beneficiary", entity_id=only.entity_id, beneficiary_id=only.pk
                    )
    context = {
        "search_form": form,
        "results": results,
        "error": error,
        "searched": form.is_bound and not error,
        "limit": RESULT_LIMIT,
    }
    return render(request, "care/search.html", context)
