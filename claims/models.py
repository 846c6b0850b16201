"""CMS claims from CCLF deliveries: the delivery registry and one table per CCLF claims file.

Every claims table has the columns of its CCLF layout (see `cclf.columns`), plus lineage:
the delivery and file it came from, the line in that file and the delivery date. Rows are keyed by
the CMS record key within an entity, so a claim delivered again (a re-delivery, or the same claim
in the regular and the run-out files) is stored once: the copy from the latest delivery wins.

Claims rows never hold an MBI. `mbi` points at `beneficiaries.BeneficiaryMbi`, the surrogate of the
MBI the record was delivered with; the crosswalk (CCLF9) maps it to a `Beneficiary`.

The lineage and entity foreign keys have no database constraint and no index of their own: the
loader writes millions of rows in one statement and guarantees them inside its transaction, and
the composite primary key starts with the entity.

Read final-action claims through `claims.selectors`, not these tables: they hold every version of
every claim (originals, cancellations, adjustments, denials).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from cclf.columns import model_fields
from core.tenancy import TenantManager


class DeliveryKind(models.TextChoices):
    REGULAR = "regular", "Regular (monthly)"
    RUNOUT = "runout", "Run-out"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    VALIDATED = "validated", "Validated"
    LOADING = "loading", "Loading"
    LOADED = "loaded", "Loaded"
    REJECTED = "rejected", "Rejected"


class Delivery(models.Model):
    """One CCLF delivery (the monthly zip, or a folder of its files) for one entity.

    The registry of what was received and what became of it: validated, loaded (with row counts
    per file) or rejected (with the errors, each naming file, line and field).
    """

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.CASCADE, related_name="cclf_deliveries"
    )
    name = models.CharField(max_length=200, help_text="Zip or folder name as delivered by CMS.")
    program_prefix = models.CharField(
        max_length=1, help_text="File-name program letter (A MSSP, D REACH...)."
    )
    kind = models.CharField(max_length=16, choices=DeliveryKind.choices)
    performance_year = models.PositiveSmallIntegerField()
    delivered_at = models.DateTimeField(help_text="From the file name's Dyymmdd.Thhmmsst.")
    layout_version = models.CharField(max_length=8, default="v38")
    sha256 = models.CharField(
        max_length=64, help_text="Digest of the delivery's files, in name order."
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    row_counts = models.JSONField(default=dict, blank=True)
    source_path = models.CharField(
        max_length=500, blank=True, help_text="Where an uploaded delivery is kept."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-delivered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "name"], name="delivery_unique_name_per_entity"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def delivered_on(self) -> Any:
        return self.delivered_at.date()


class DeliveryFile(models.Model):
    """One file of a delivery, with what CCLF0 declared and what the load found and wrote."""

    tenant_path = "delivery__entity"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="files")
    file_code = models.CharField(max_length=8, help_text="CCLF0 .. CCLF9, CCLFA, CCLFB")
    name = models.CharField(max_length=200)
    declared_records = models.BigIntegerField(
        null=True, blank=True, help_text="Record count in CCLF0."
    )
    declared_length = models.PositiveIntegerField(
        null=True, blank=True, help_text="Record length in CCLF0."
    )
    records = models.BigIntegerField(default=0, help_text="Records read.")
    inserted = models.BigIntegerField(default=0, help_text="Rows new to the entity.")
    replaced = models.BigIntegerField(
        default=0, help_text="Rows delivered before, replaced by this copy."
    )
    unchanged = models.BigIntegerField(
        default=0, help_text="Rows delivered before by a later delivery."
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    errors = models.JSONField(default=list, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ["delivery", "file_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "file_code"], name="delivery_file_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


# ------------------------------------------------------------------------------------------------
# Claims tables, one per CCLF file, built from the layout tables.


def _lineage() -> dict[str, models.Field]:
    return {
        "entity": models.ForeignKey(
            "entities.Entity",
            on_delete=models.DO_NOTHING,
            db_constraint=False,
            db_index=False,
            related_name="+",
        ),
        "mbi": models.ForeignKey(
            "beneficiaries.BeneficiaryMbi",
            on_delete=models.DO_NOTHING,
            db_constraint=False,
            db_index=False,
            related_name="+",
            help_text="The MBI the record was delivered with (a surrogate; never the MBI itself).",
        ),
        "delivery": models.ForeignKey(
            Delivery,
            on_delete=models.DO_NOTHING,
            db_constraint=False,
            db_index=False,
            related_name="+",
        ),
        "source_file": models.ForeignKey(
            DeliveryFile,
            on_delete=models.DO_NOTHING,
            db_constraint=False,
            db_index=False,
            related_name="+",
        ),
        "source_line": models.BigIntegerField(
            help_text="Line of the record in its file (1-based)."
        ),
        "delivered_on": models.DateField(help_text="Delivery date of the copy kept."),
    }


# Any: the fields come from the CCLF layout at import time, which the type checker cannot see.
def _claims_model(name: str, code: str, key: list[str], doc: str) -> Any:
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": doc,
        "cclf_code": code,
        "cclf_key": key,
    }
    attrs.update(_lineage())
    attrs.update(model_fields(code))
    if "row_seq" in key:
        attrs["row_seq"] = models.PositiveIntegerField(
            help_text="Order of the row among its claim's rows."
        )
    attrs["pk"] = models.CompositePrimaryKey("entity_id", *key)
    # No secondary index: one on (entity, mbi) made the merge half as fast (bench/ingest), and
    # readers scan an entity's claims through the primary key's entity prefix.
    attrs["Meta"] = type("Meta", (), {"verbose_name": f"{code} row"})
    attrs["objects"] = TenantManager()
    attrs["__str__"] = lambda self: f"{code} {self.cur_clm_uniq_id}"
    return type(name, (models.Model,), attrs)


PartAClaimHeader = _claims_model(
    "PartAClaimHeader",
    "CCLF1",
    ["cur_clm_uniq_id"],
    "CCLF1 Part A claim header: one row per claim version (original, cancellation, adjustment).",
)
PartARevenueCenter = _claims_model(
    "PartARevenueCenter",
    "CCLF2",
    ["cur_clm_uniq_id", "clm_line_num"],
    "CCLF2 Part A revenue center lines.",
)
PartAProcedure = _claims_model(
    "PartAProcedure",
    "CCLF3",
    ["cur_clm_uniq_id", "clm_val_sqnc_num"],
    "CCLF3 Part A procedure codes.",
)
PartADiagnosis = _claims_model(
    "PartADiagnosis",
    "CCLF4",
    ["cur_clm_uniq_id", "clm_prod_type_cd", "clm_val_sqnc_num"],
    "CCLF4 Part A diagnosis codes.",
)
PartBPhysicianLine = _claims_model(
    "PartBPhysicianLine",
    "CCLF5",
    ["cur_clm_uniq_id", "clm_line_num"],
    "CCLF5 Part B physician/supplier claim lines.",
)
PartBDmeLine = _claims_model(
    "PartBDmeLine",
    "CCLF6",
    ["cur_clm_uniq_id", "clm_line_num"],
    "CCLF6 Part B DME claim lines.",
)
PartDEvent = _claims_model(
    "PartDEvent",
    "CCLF7",
    ["cur_clm_uniq_id"],
    "CCLF7 Part D prescription drug events (final action).",
)
PartABeDemo = _claims_model(
    "PartABeDemo",
    "CCLFA",
    ["cur_clm_uniq_id", "row_seq"],
    "CCLFA Part A benefit-enhancement and demonstration codes (one or more rows per claim).",
)
PartBBeDemo = _claims_model(
    "PartBBeDemo",
    "CCLFB",
    ["cur_clm_uniq_id", "clm_line_num"],
    "CCLFB Part B benefit-enhancement and demonstration codes per claim line.",
)

CLAIMS_MODELS: dict[str, Any] = {
    m.cclf_code: m
    for m in (
        PartAClaimHeader,
        PartARevenueCenter,
        PartAProcedure,
        PartADiagnosis,
        PartBPhysicianLine,
        PartBDmeLine,
        PartDEvent,
        PartABeDemo,
        PartBBeDemo,
    )
}
