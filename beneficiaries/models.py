"""Beneficiaries as each entity knows them, from CCLF8 (demographics) and CCLF9 (MBI crosswalk).

A `Beneficiary` is a person within one entity, identified by its surrogate `id`: URLs, claims rows
and every other table refer to it (or to a `BeneficiaryMbi`), never to the MBI. A person's MBIs are
linked only through the CCLF9 crosswalk: two MBIs are never taken for the same person otherwise.

History is kept per delivery: every CCLF9 row (`MbiCrosswalk`) and every CCLF8 row
(`BeneficiaryDemographics`) stays with its delivery and line. `Beneficiary` carries the latest
demographics for lists and pages.
"""

from __future__ import annotations

from django.db import models

from cclf.columns import IDENTIFIER_FIELDS, model_fields
from core.tenancy import TenantManager

# CCLF8 BENE_MDCR_STUS_CD (Medicare Shared Savings Program / ACO REACH CCLF Information Packet).
MEDICARE_STATUS_LABELS = {
    "10": "Aged, without ESRD",
    "11": "Aged, with ESRD",
    "20": "Disabled, without ESRD",
    "21": "Disabled, with ESRD",
    "31": "ESRD only",
}
# CCLF8 BENE_DUAL_STUS_CD (CCLF Information Packet; the Medicare-Medicaid dual status codes).
DUAL_STATUS_LABELS = {
    "NA": "Not dually eligible",
    "00": "Not dually eligible",
    "01": "QMB only (Qualified Medicare Beneficiary)",
    "02": "QMB with full Medicaid",
    "03": "SLMB only (Specified Low-Income Medicare Beneficiary)",
    "04": "SLMB with full Medicaid",
    "05": "QDWI (Qualified Disabled and Working Individual)",
    "06": "QI (Qualifying Individual)",
    "08": "Other full-benefit dual eligible",
    "09": "Other dual eligible, without full Medicaid",
}


class Beneficiary(models.Model):
    """A Medicare beneficiary of one entity. `id` is the surrogate key used everywhere."""

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, related_name="beneficiaries"
    )
    current_mbi = models.CharField(
        "current MBI",
        max_length=11,
        help_text="The most recent MBI, per the latest crosswalk (CCLF9).",
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set when a crosswalk showed this record to be the same person as another.",
    )
    # The latest demographics (CCLF8), for lists and pages; the history is in BeneficiaryDemographics.
    first_name = models.CharField(max_length=30, blank=True)
    middle_name = models.CharField(max_length=15, blank=True)
    last_name = models.CharField(max_length=40, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    sex_code = models.CharField(
        max_length=1, blank=True, help_text="BENE_SEX_CD: 1 male, 2 female, 0 unknown"
    )
    race_code = models.CharField(max_length=1, blank=True)
    death_date = models.DateField(null=True, blank=True)
    medicare_status_code = models.CharField(
        max_length=2, blank=True, help_text="BENE_MDCR_STUS_CD: 10, 11, 20, 21, 31"
    )
    dual_status_code = models.CharField(max_length=2, blank=True, help_text="BENE_DUAL_STUS_CD")
    original_entitlement_code = models.CharField(max_length=1, blank=True)
    part_a_start = models.DateField(null=True, blank=True)
    part_b_start = models.DateField(null=True, blank=True)
    hospice_start = models.DateField(null=True, blank=True)
    hospice_end = models.DateField(null=True, blank=True)
    state_fips = models.CharField(max_length=2, blank=True)
    county_fips = models.CharField(max_length=3, blank=True)
    zip_code = models.CharField(max_length=5, blank=True)
    demographics_as_of = models.DateField(
        null=True, blank=True, help_text="Delivery date of the latest CCLF8 row."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name_plural = "beneficiaries"
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["entity", "current_mbi"], name="bene_entity_current_mbi")]

    def __str__(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return f"Beneficiary {self.pk}" + (f" ({name})" if name else "")

    @property
    def medicare_status_text(self) -> str:
        """The Medicare status code in words ("Aged, without ESRD (10)"); "" when absent."""
        code = self.medicare_status_code
        if not code:
            return ""
        label = MEDICARE_STATUS_LABELS.get(code)
        return f"{label} ({code})" if label else f"code {code}"

    @property
    def dual_status_text(self) -> str:
        """The dual status code in words ("QMB with full Medicaid (02)"); "" when absent."""
        code = self.dual_status_code
        if not code:
            return ""
        label = DUAL_STATUS_LABELS.get(code)
        return f"{label} ({code})" if label else f"code {code}"

    @property
    def masked_mbi(self) -> str:
        """The MBI with all but its last four characters hidden, for display."""
        return "*******" + self.current_mbi[-4:] if self.current_mbi else ""


class BeneficiaryMbi(models.Model):
    """An MBI an entity received, and the person it belongs to. Claims rows point here.

    `beneficiary` changes only through the crosswalk: when CCLF9 says an MBI was replaced by
    another, both point to the same Beneficiary.
    """

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    mbi = models.CharField("MBI", max_length=11)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, null=True, blank=True, related_name="mbis"
    )
    first_seen_on = models.DateField(
        help_text="Delivery date of the first delivery that carried it."
    )

    objects = TenantManager()

    class Meta:
        verbose_name = "beneficiary MBI"
        constraints = [
            models.UniqueConstraint(fields=["entity", "mbi"], name="bene_mbi_unique_per_entity")
        ]

    def __str__(self) -> str:
        return f"MBI #{self.pk}"


def _cclf_history(code: str, exclude: frozenset[str] = frozenset()) -> dict[str, models.Field]:
    """The lineage of a CCLF row kept as delivered. As on the claims tables, its foreign keys have
    no database constraint: the loader writes them inside its transaction from rows it holds
    locked, and a first delivery's 100,000 rows each queued a deferred check per key that the
    commit then ran one by one (2.5 s of a 27 s load, bench/ingest). Deletes still cascade
    (Django's collector follows them). The delivery has no index of its own: the unique
    (delivery, source_line) leads with it."""
    return {
        "entity": models.ForeignKey(
            "entities.Entity", on_delete=models.CASCADE, db_constraint=False, related_name="+"
        ),
        "delivery": models.ForeignKey(
            "claims.Delivery",
            on_delete=models.CASCADE,
            db_constraint=False,
            db_index=False,
            related_name="+",
        ),
        "source_file": models.ForeignKey(
            "claims.DeliveryFile",
            on_delete=models.CASCADE,
            db_constraint=False,
            db_index=False,
            related_name="+",
        ),
        "source_line": models.BigIntegerField(),
        "delivered_on": models.DateField(),
        **model_fields(code, IDENTIFIER_FIELDS | exclude),
    }


class MbiCrosswalk(models.Model):
    """One CCLF9 row as delivered: a previous MBI and the current MBI that replaced it."""

    # The MBIs themselves are kept once, in BeneficiaryMbi; the row refers to them.
    locals().update(_cclf_history("CCLF9", frozenset({"CRNT_NUM", "PRVS_NUM"})))
    current = models.ForeignKey(BeneficiaryMbi, on_delete=models.CASCADE, related_name="+")
    previous = models.ForeignKey(BeneficiaryMbi, on_delete=models.CASCADE, related_name="+")

    objects = TenantManager()

    class Meta:
        verbose_name = "MBI crosswalk row"
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "source_line"], name="mbi_xwalk_unique_line"
            ),
        ]

    def __str__(self) -> str:
        return f"CCLF9 line {self.source_line}"


class BeneficiaryDemographics(models.Model):
    """One CCLF8 row as delivered: the beneficiary's demographics, status, dual status,
    entitlement and death date in that delivery. CCLF8 may hold several rows per beneficiary
    (hospice ranges); all are kept."""

    locals().update(_cclf_history("CCLF8"))
    # The MBI the row came with, lineage like the claims rows' (no database constraint, see
    # `_cclf_history`); `beneficiary`, the person it is about, keeps its constraint.
    mbi = models.ForeignKey(
        BeneficiaryMbi, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="demographics"
    )

    objects = TenantManager()

    class Meta:
        verbose_name_plural = "beneficiary demographics"
        ordering = ["-delivered_on", "source_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "source_line"], name="bene_demo_unique_line"
            ),
        ]

    def __str__(self) -> str:
        return f"CCLF8 line {self.source_line}"
