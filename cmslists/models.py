"""CMS's own lists of an entity's beneficiaries, as CMS sends them.

* MSSP: the Assignment List Reports (quarterly preliminary prospective, annual/final, and the
  prospective list of a prospective-assignment ACO), with their tables of assigned
  beneficiaries (Table 1-1), of beneficiaries excluded with CMS's reason (the exclusion flags of
  Table 1-1, and Table 1-5 turnover), and of beneficiaries by participant TIN or CCN (Table 1-2).
* ACO REACH: the Beneficiary Alignment Reports (prospective, quarterly updates), with the
  voluntary-alignment flag.

A list is loaded whole or not at all (cmslists.services); its rows keep the file, table and line
they came from. Lists are never edited: a corrected report is a new list. Which list (or which
alignment run) is the roster of record for a period is decided by `alignment.selectors.roster_of_record`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.tenancy import TenantManager


class ListKind(models.TextChoices):
    MSSP_PROSPECTIVE = "mssp_prospective", "MSSP prospective assignment list"
    MSSP_QUARTERLY = "mssp_quarterly", "MSSP quarterly preliminary prospective assignment list"
    MSSP_FINAL = "mssp_final", "MSSP annual (final) assignment list"
    REACH_PROSPECTIVE = "reach_prospective", "ACO REACH prospective alignment report"
    REACH_QUARTERLY = "reach_quarterly", "ACO REACH quarterly alignment update"


MSSP_KINDS = (ListKind.MSSP_PROSPECTIVE, ListKind.MSSP_QUARTERLY, ListKind.MSSP_FINAL)
REACH_KINDS = (ListKind.REACH_PROSPECTIVE, ListKind.REACH_QUARTERLY)
#: Lists that cover the whole performance year (period 0) rather than one quarter.
ANNUAL_KINDS = (ListKind.MSSP_PROSPECTIVE, ListKind.MSSP_FINAL, ListKind.REACH_PROSPECTIVE)


class CmsList(models.Model):
    """One CMS report for one entity, performance year and period (0: the whole year, 1-4: a
    quarter), dated by the report (`list_date`)."""

    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="cms_lists"
    )
    kind = models.CharField(max_length=24, choices=ListKind.choices)
    performance_year = models.PositiveSmallIntegerField()
    period = models.PositiveSmallIntegerField(
        default=0, help_text="0 for a list of the whole year, 1-4 for a quarterly list."
    )
    list_date = models.DateField(help_text="The report's date, as CMS gives it.")
    name = models.CharField(
        max_length=200, help_text="The report's file name (without the table suffix)."
    )
    sha256 = models.CharField(
        max_length=64, help_text="Digest of the report's files, in name order."
    )
    files = models.JSONField(default=list, help_text="The files read: name, table, rows.")
    assigned_count = models.PositiveIntegerField(default=0)
    excluded_count = models.PositiveIntegerField(default=0)
    voluntary_count = models.PositiveIntegerField(default=0)
    tin_count = models.PositiveIntegerField(default=0)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        verbose_name = "CMS list"
        ordering = ["-performance_year", "-list_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "sha256"], name="cms_list_unique_digest"),
            models.CheckConstraint(condition=models.Q(period__lte=4), name="cms_list_period_0_4"),
        ]
        indexes = [
            models.Index(
                fields=["entity", "performance_year", "-list_date"], name="cms_list_entity_py"
            )
        ]

    def __str__(self) -> str:
        period = f" Q{self.period}" if self.period else ""
        return f"{self.get_kind_display()} PY{self.performance_year}{period} of {self.list_date:%Y-%m-%d}"

    @property
    def label(self) -> str:
        return str(self)


class Status(models.TextChoices):
    ASSIGNED = "assigned", "Assigned / aligned"
    EXCLUDED = "excluded", "Excluded by CMS"


class ExclusionReason(models.TextChoices):
    """CMS's reasons, named after the report's flag columns (Assignment List Report Table 1-1
    exclusion flags and Table 1-5 turnover reasons; REACH alignment report reason codes)."""

    DECEASED = "deceased", "Died before the start of the performance year (DECEASED_EXCLUDED)"
    MISSING_ID = "missing_id", "Beneficiary identifier missing (MISSING_ID_EXCLUDED)"
    PART_A_B_ONLY = (
        "part_a_b_only",
        "A month of Part A only or Part B only (PART_A_B_ONLY_EXCLUDED, AB_R01)",
    )
    MEDICARE_ADVANTAGE = (
        "medicare_advantage",
        "A month in a Medicare health plan (GHP_EXCLUDED, HMO_R03)",
    )
    OUTSIDE_US = "outside_us", "Resides outside the United States (OUTSIDE_US_EXCLUDED, NO_US_R02)"
    OTHER_INITIATIVE = (
        "other_initiative",
        "In another Medicare shared savings initiative (OTHER_SHARED_SAV_INIT)",
    )
    PLURALITY = "plurality", "Plurality of primary care services elsewhere (PLUR_R05)"
    OTHER = "other", "Other reason given by CMS (see the report's flag)"


class CmsListBeneficiary(models.Model):
    """One beneficiary row of a list: assigned (or aligned), or excluded with CMS's reason."""

    tenant_path = "cms_list__entity"

    cms_list = models.ForeignKey(CmsList, on_delete=models.CASCADE, related_name="beneficiaries")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="cms_list_rows"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.CharField(max_length=24, choices=ExclusionReason.choices, blank=True)
    reason_flags = models.JSONField(
        default=list, blank=True, help_text="The report's flag columns set for this row."
    )
    first_name = models.CharField(max_length=30, blank=True)
    last_name = models.CharField(max_length=40, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    sex_code = models.CharField(max_length=1, blank=True)
    death_date = models.DateField(null=True, blank=True)
    voluntary = models.BooleanField(
        default=False, help_text="Voluntarily aligned (IN_VA_MAX, REACH VA flag)."
    )
    voluntary_tin = models.CharField(max_length=9, blank=True)
    voluntary_npi = models.CharField(max_length=10, blank=True)
    claims_based = models.BooleanField(default=False, help_text="Assigned on claims (CBA_FLAG).")
    assignment_step = models.CharField(max_length=2, blank=True, help_text="ASSIGNMENT_TYPE.")
    enrollment_months = models.CharField(
        max_length=12, blank=True, help_text="ENROLLFLAG1..12, one character per month."
    )
    aligned_from = models.DateField(null=True, blank=True)
    aligned_to = models.DateField(null=True, blank=True)
    source_table = models.CharField(max_length=8)
    source_line = models.PositiveIntegerField()

    objects = TenantManager()

    class Meta:
        ordering = ["cms_list", "status", "beneficiary"]
        constraints = [
            models.UniqueConstraint(
                fields=["cms_list", "beneficiary", "status"], name="cms_list_beneficiary_unique"
            )
        ]
        indexes = [models.Index(fields=["beneficiary", "status"], name="cms_list_bene_status")]

    def __str__(self) -> str:
        return f"{self.cms_list_id}: beneficiary {self.beneficiary_id} {self.status}"


class ProviderKind(models.TextChoices):
    TIN = "tin", "Participant TIN"
    CCN = "ccn", "CCN"


class CmsListProvider(models.Model):
    """A beneficiary x participant TIN (or CCN) row of a list (Assignment List Report Table 1-2;
    the REACH report's TIN/NPI)."""

    tenant_path = "cms_list__entity"

    cms_list = models.ForeignKey(CmsList, on_delete=models.CASCADE, related_name="providers")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=4, choices=ProviderKind.choices)
    identifier = models.CharField(max_length=10)
    npi = models.CharField(max_length=10, blank=True)
    service_count = models.PositiveIntegerField(
        default=0, help_text="Primary care services counted (B_EM_LINE_CNT_T)."
    )
    source_table = models.CharField(max_length=8)
    source_line = models.PositiveIntegerField()

    objects = TenantManager()

    class Meta:
        ordering = ["cms_list", "beneficiary", "identifier"]
        indexes = [models.Index(fields=["cms_list", "identifier"], name="cms_list_provider_id")]

    def __str__(self) -> str:
        return (
            f"{self.cms_list_id}: beneficiary {self.beneficiary_id} {self.kind} {self.identifier}"
        )
