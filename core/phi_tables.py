"""Which tables hold PHI: one list, read by tenancy (what platform staff see without a grant),
the access policy (audit.phi) and the admin console. Model labels only, so that the bottom
layer needs no import of the apps it names."""

from __future__ import annotations

from typing import Any

# Tables that hold PHI (a beneficiary's identity, claims, risk, care or alignment rows). Platform staff see their rows only for the entities
# of a running break-glass grant; superusers see every other table's rows in full.
PHI_APPS = frozenset({"beneficiaries", "claims", "care", "cmslists", "datasharing", "events"})
PHI_MODELS = frozenset(
    {
        "alignment.alignmentchange",
        "alignment.alignmentresult",
        "alignment.claimline",
        "alignment.claimsnapshot",
        "alignment.historicalvoluntaryalignment",
        "alignment.pendingdesignation",
        "alignment.voluntaryalignment",
        "benchmarks.benchmarkyearpopulation",
        "benchmarks.highneedsresult",
        "benchmarks.institutionalstatus",
        "benchmarks.riskdiagnosis",
        "benchmarks.riskhcc",
        "benchmarks.riskscore",
        "benchmarks.riskscorecomponent",
        "partners.bulkexport",
        "quality.measurecase",
        "quality.measureevent",
        "quality.patientresult",
        "specialists.leadspecialist",
        "specialists.leadspecialistchange",
        "specialists.episode",
        "specialists.caretransition",
    }
)
NOT_PHI = frozenset(
    {
        "cmslists.cmslist",
        "claims.delivery",
        "claims.deliveryfile",
        "care.caresummary",
        "datasharing.datasharingfile",
        "events.sender",
    }
)


def holds_phi(model: Any) -> bool:
    label = model._meta.label_lower
    if label in NOT_PHI:
        return False
    return label in PHI_MODELS or model._meta.app_label in PHI_APPS
