"""One enrolled clinician's attributed patients, the page the admin console's participant list
links to: the beneficiaries aligned to the NPI by the alignment run of the entity's current
lead-specialist run, and those it leads as specialist in that run. Entity staff only (the
user's entities); a PHI page, logged."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.phi import phi_view
from audit.services import access_record_create
from beneficiaries.models import Beneficiary
from specialists.models import LeadSpecialist
from specialists.selectors import assigned_npis, provider_names
from specialists.views import PAGE_SIZE, entity_or_404, run_asked


@require_GET
@phi_view
def provider_patients(request: HttpRequest, entity_id: int, npi: str) -> HttpResponse:
    entity = entity_or_404(request, entity_id)
    run = run_asked(request, entity)
    if run is None or not (npi.isdigit() and len(npi) == 10):
        raise Http404("No lead-specialist run.")
    aligned = {bene for bene, through in assigned_npis(run=run).items() if through == npi}
    labels = {c["code"]: c["label"] for c in run.definitions.get("conditions", [])}
    led: dict[int, list[str]] = {}
    for bene_id, condition in LeadSpecialist.objects.filter(run=run, lead_npi=npi).values_list(
        "beneficiary_id", "condition"
    ):
        led.setdefault(bene_id, []).append(labels.get(condition, condition))
    ids = sorted(aligned | set(led))
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    benes = Beneficiary.objects.filter(entity=entity).in_bulk(list(page))
    rows = [
        {"bene": benes[pk], "aligned": pk in aligned, "led": led.get(pk, [])}
        for pk in page
        if pk in benes
    ]
    access_record_create(
        entity=entity,
        purpose="provider_attributed_patients",
        route=request.path,
        beneficiary_ids=[pk for pk in page if pk in benes],
        count=len(ids),
        user=request.user,
    )
    return render(
        request,
        "specialists/provider_patients.html",
        {
            "entity": entity,
            "run": run,
            "npi": npi,
            "name": provider_names(npis=[npi]).get(npi, ""),
            "page": page,
            "rows": rows,
            "total": len(ids),
        },
    )
