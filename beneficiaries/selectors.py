"""Reads of beneficiaries, always scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from beneficiaries.models import Beneficiary, BeneficiaryDemographics


def beneficiary_list(*, user: Any, entity: Any = None) -> QuerySet[Beneficiary]:
    """The beneficiaries the user may see (their entities'), optionally of one entity.
    Beneficiaries merged into another through the crosswalk are left out."""
    qs = (
        Beneficiary.objects.for_user(user).filter(merged_into__isnull=True).select_related("entity")
    )
    if entity is not None:
        qs = qs.filter(entity=entity)
    return qs


def beneficiary_get(*, user: Any, beneficiary_id: int) -> Beneficiary:
    """One beneficiary by surrogate id; `Beneficiary.DoesNotExist` when out of the user's scope."""
    return Beneficiary.objects.for_user(user).select_related("entity").get(pk=beneficiary_id)


def beneficiary_demographics_history(
    *, beneficiary: Beneficiary
) -> QuerySet[BeneficiaryDemographics]:
    """Every CCLF8 row received for the beneficiary, newest delivery first."""
    return BeneficiaryDemographics.objects.filter(beneficiary=beneficiary).order_by(
        "-delivered_on", "source_line"
    )
