"""Beneficiaries in the admin console: read only, scoped to the entities one administers. The
MBI is shown masked and is not searchable (it would end up in the URL)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from audit.admin_access import PhiAdminMixin
from beneficiaries.models import Beneficiary, BeneficiaryDemographics
from entities.admin.base import ScopedReadOnlyAdmin


class DemographicsInline(admin.TabularInline):
    """Shown with its (scoped) parent; read only."""

    model = BeneficiaryDemographics
    extra = 0
    can_delete = False
    fields = ["delivered_on", "bene_mdcr_stus_cd", "bene_dual_stus_cd", "bene_death_dt", "bene_rng_bgn_dt",
              "bene_rng_end_dt", "bene_part_a_enrlmt_bgn_dt", "bene_part_b_enrlmt_bgn_dt"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return True

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Beneficiary)
class BeneficiaryAdmin(PhiAdminMixin, ScopedReadOnlyAdmin):
    phi_beneficiary_field = "pk"

    list_display = ["id", "masked_mbi", "last_name", "first_name", "birth_date", "medicare_status_code",
                    "dual_status_code", "death_date", "entity"]  # fmt: skip
    list_filter = ["medicare_status_code", "dual_status_code"]
    search_fields = ["last_name"]
    exclude = ["current_mbi"]
    readonly_fields = ["masked_mbi", "entity", "merged_into", "first_name", "middle_name", "last_name", "birth_date",
                       "sex_code", "race_code", "death_date", "medicare_status_code", "dual_status_code",
                       "original_entitlement_code", "part_a_start", "part_b_start", "hospice_start", "hospice_end",
                       "state_fips", "county_fips", "zip_code", "demographics_as_of"]  # fmt: skip
    inlines = [DemographicsInline]

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).filter(merged_into__isnull=True)
