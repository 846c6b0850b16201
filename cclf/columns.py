"""Django model fields derived from the CCLF layout tables, so that the database columns of each
CCLF file match its layout one for one (column name = lower-case field label).

Beneficiary identifiers (MBI, HICN, RRB numbers) are not stored in claims tables: a claim row refers
to the surrogate of the MBI it was delivered with (`beneficiaries.BeneficiaryMbi`).
"""

from __future__ import annotations

from django.db import models

from cclf.layouts import layout

# Identifier fields never copied into claims or demographics rows: the MBI goes through the
# BeneficiaryMbi surrogate, and HICN/RRB fields are blank since 2020 (IP section 1).
IDENTIFIER_FIELDS = {"BENE_MBI_ID", "BENE_HIC_NUM", "BENE_EQTBL_BIC_HICN_NUM", "BENE_RRB_NUM"}

# Fields that are part of a table's key and may never be null.
KEY_FIELDS = {"CUR_CLM_UNIQ_ID", "CLM_LINE_NUM", "CLM_VAL_SQNC_NUM"}


def stored_fields(code: str, exclude: set[str] = IDENTIFIER_FIELDS) -> list:
    """The layout fields of `code` that become columns, in layout order."""
    return [f for f in layout(code).fields if f.label not in exclude]


def model_fields(code: str, exclude: set[str] = IDENTIFIER_FIELDS) -> dict[str, models.Field]:
    """One Django field per stored layout field, named after the CMS label."""
    out: dict[str, models.Field] = {}
    for f in stored_fields(code, exclude):
        help_text = f"{code} {f.label} ({f.name}), positions {f.start + 1}-{f.end}, {f.picture}"
        if f.kind == "date":
            field: models.Field = models.DateField(null=True, blank=True, help_text=help_text)
        elif f.kind == "amount":
            # The picture's digits plus the decimals; the sign and point take two positions.
            field = models.DecimalField(
                max_digits=f.width - 2,
                decimal_places=f.scale,
                null=True,
                blank=True,
                help_text=help_text,
            )
        elif f.kind == "integer":
            field = models.BigIntegerField(
                null=f.label not in KEY_FIELDS, blank=True, help_text=help_text
            )
        else:
            field = models.CharField(
                max_length=f.width, blank=True, default="", help_text=help_text
            )
        out[f.column] = field
    return out
