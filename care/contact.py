"""Who to call: the contact details the care team records (each edit kept, with its source, its
author and its date), the CCLF8 address as CMS delivered it, and the care team (the attributed
practice and clinician from alignment, the coordinators holding the person's open tasks)."""

from __future__ import annotations

from typing import Any

from beneficiaries.models import BeneficiaryDemographics
from care import upstream
from care.models import OPEN_STATUSES, ContactDetails, ContactSource, WorklistItem
from core.api import ApplicationError

FIELDS = ("phone", "address", "preferred_language", "caregiver_name", "caregiver_phone")


def contact_details_record(
    *, beneficiary: Any, acting_user: Any, source: str, **values: str
) -> ContactDetails:
    """Keep a new version of the person's contact details (the earlier ones stay)."""
    if source not in ContactSource.values:
        raise ApplicationError("Say where the details come from.", {"field": "source"})
    cleaned = {k: " ".join(str(values.get(k, "")).split()) for k in FIELDS}
    cleaned["address"] = str(values.get("address", "")).strip()
    if not any(cleaned.values()):
        raise ApplicationError("Enter at least one detail.", {"field": "phone"})
    row = ContactDetails(
        entity_id=beneficiary.entity_id,
        beneficiary=beneficiary,
        source=source,
        recorded_by=acting_user,
        **cleaned,
    )
    row.full_clean()
    row.save()
    return row


def contact_card(*, beneficiary: Any) -> dict[str, Any]:
    """The contact panel: the latest recorded details and how many edits came before, the
    latest CCLF8 address as delivered, and the care team."""
    history = list(
        ContactDetails.objects.filter(beneficiary=beneficiary).select_related("recorded_by")[:5]
    )
    # The latest CCLF8 row's mailing address (its fields are named after the CCLF layout).
    columns = [f"bene_line_{i}_adr" for i in range(1, 7)] + [
        "geo_zip_plc_name", "geo_usps_state_cd", "geo_zip5_cd", "geo_zip4_cd", "delivered_on",
    ]  # fmt: skip
    row = (
        BeneficiaryDemographics.objects.filter(beneficiary=beneficiary)
        .order_by("-delivered_on", "-source_line")
        .values(*columns)
        .first()
    )
    address = None
    if row is not None:
        zip_code = "-".join(z for z in (row["geo_zip5_cd"], row["geo_zip4_cd"]) if z)
        place = " ".join(
            p for p in (row["geo_zip_plc_name"], row["geo_usps_state_cd"], zip_code) if p
        )
        lines = [row[f"bene_line_{i}_adr"] or "" for i in range(1, 7)] + [place]
        shown = [line.strip() for line in lines if line and line.strip()]
        if shown:
            address = {"lines": shown, "delivered_on": row["delivered_on"]}
    holders = WorklistItem.objects.filter(
        beneficiary=beneficiary, status__in=OPEN_STATUSES, assigned_to__isnull=False
    ).values_list("assigned_to__full_name", "assigned_to__email")
    coordinators = sorted({name or email for name, email in holders})
    care = getattr(beneficiary, "care", None)
    return {
        "current": history[0] if history else None,
        "earlier": history[1:],
        "cclf8": address,
        "pcp": upstream.attributed_names(
            tin=getattr(care, "attributed_tin", ""), npi=getattr(care, "attributed_npi", "")
        ),
        "coordinators": coordinators,
    }
