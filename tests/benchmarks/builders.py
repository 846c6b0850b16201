"""Synthetic CCLF rows for the benchmark tests, written straight into the claims tables.

The rows are what a loaded delivery leaves behind (claims app, issue 4): a delivery per year,
beneficiaries with a CCLF8 row, Part A headers with diagnoses and revenue lines, Part B lines,
and CCLFA/CCLFB reduction amounts. The benchmark reads them only through the claims app's
selectors, as in production.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from beneficiaries.models import Beneficiary, BeneficiaryDemographics
from claims.models import (
    Delivery,
    DeliveryFile,
    PartABeDemo,
    PartAClaimHeader,
    PartADiagnosis,
    PartARevenueCenter,
    PartBBeDemo,
)
from synthetic.identifiers import mbi as synthetic_mbi
from synthetic.identifiers import npi as synthetic_npi
from tests import builders

_claim_ids = itertools.count(10_000_000)
_mbi_numbers = itertools.count(1)


class ClaimsBuilder:
    """Part B lines are billed by the entity's clinician (`participant`) unless told otherwise,
    so the alignment engine finds the benchmark-year populations."""

    def __init__(self, entity: Any) -> None:
        self.entity = entity
        self._deliveries: dict[int, tuple[Delivery, dict[str, DeliveryFile]]] = {}
        self._lines = itertools.count(1)
        self.tin, self.npi = "", ""

    def participant(
        self, *, tin: str, serial: int, start: date, specialty: str = "08"
    ) -> tuple[str, str]:
        """Put a primary care clinician (specialty 08, family practice) on the participant list
        from `start`; later Part B lines default to that TIN and NPI."""
        from entities.services.participations import participation_add

        npi = synthetic_npi(serial)
        participation_add(
            entity=self.entity,
            tin=tin,
            npi=npi,
            specialty_code=specialty,
            start_date=start,
            tin_legal_name=f"Practice {tin}",
            provider_name=f"Clinician, Synthetic {serial}",
        )
        self.tin, self.npi = tin, npi
        return tin, npi

    def delivery(self, year: int) -> tuple[Delivery, dict[str, DeliveryFile]]:
        if year not in self._deliveries:
            delivery = Delivery.objects.create(
                entity=self.entity,
                name=f"P.{self.entity.cms_id}.ACO.ZCY{year % 100:02d}.D{year % 100:02d}1231.T0000000",
                program_prefix=self.entity.cms_id[0],
                kind="regular",
                performance_year=year,
                delivered_at=datetime(year, 12, 31, 12, 0, tzinfo=UTC),
                sha256=f"{year:064d}",
                status="loaded",
            )
            files = {
                code: DeliveryFile.objects.create(
                    delivery=delivery, file_code=code, name=f"{code}.txt"
                )
                for code in ("CCLF1", "CCLF2", "CCLF4", "CCLF5", "CCLF8", "CCLFA", "CCLFB")
            }
            self._deliveries[year] = (delivery, files)
        return self._deliveries[year]

    def _lineage(self, year: int, code: str) -> dict[str, Any]:
        delivery, files = self.delivery(year)
        return {
            "entity": self.entity,
            "delivery": delivery,
            "source_file": files[code],
            "source_line": next(self._lines),
            "delivered_on": delivery.delivered_at.date(),
        }

    def beneficiary(
        self,
        *,
        years: list[int],
        birth: date = date(1950, 6, 1),
        sex: str = "2",
        status: str = "10",
        dual: str = "NA",
        orec: str = "0",
        death: date | None = None,
        part_b_start: date | None = date(2000, 1, 1),
    ) -> Beneficiary:
        serial = next(_mbi_numbers)
        bene = builders.beneficiary(
            self.entity,
            serial=serial,
            first_seen_on=date(min(years), 1, 1),
            first_name="Syn",
            last_name=f"Thetic{synthetic_mbi(serial)[-4:]}",
            birth_date=birth,
            sex_code=sex,
            death_date=death,
            medicare_status_code=status,
            dual_status_code=dual,
            original_entitlement_code=orec,
            part_a_start=part_b_start,
            part_b_start=part_b_start,
        )
        for year in years:
            BeneficiaryDemographics.objects.create(
                **self._lineage(year, "CCLF8"), mbi=bene.mbi_row, beneficiary=bene
            )
        return bene

    def part_a(
        self,
        bene: Beneficiary,
        *,
        thru: date,
        paid: str,
        claim_type: str = "60",
        bill: str = "111",
        ime: str = "0",
        dsh: str = "0",
        uc: str = "0",
        reduction: str | None = None,
        dx: tuple[str, ...] = (),
        hcpcs: tuple[str, ...] = (),
    ) -> int:
        claim_id = next(_claim_ids)
        lineage = self._lineage(thru.year, "CCLF1")
        PartAClaimHeader.objects.create(
            **lineage,
            mbi=bene.mbi_row,
            cur_clm_uniq_id=claim_id,
            clm_type_cd=claim_type,
            clm_from_dt=thru,
            clm_thru_dt=thru,
            clm_bill_fac_type_cd=bill[0],
            clm_bill_clsfctn_cd=bill[1],
            clm_bill_freq_cd=bill[2],
            clm_pmt_amt=Decimal(paid),
            clm_oprtnl_ime_amt=Decimal(ime),
            clm_oprtnl_dsprprtnt_amt=Decimal(dsh),
            clm_hipps_uncompd_care_amt=Decimal(uc),
            clm_adjsmt_type_cd="0",
            clm_blg_prvdr_oscar_num="110001",
            prncpl_dgns_cd=dx[0] if dx else "",
            clm_idr_ld_dt=thru,
        )
        for i, code in enumerate(dx, start=1):
            PartADiagnosis.objects.create(
                **self._lineage(thru.year, "CCLF4"),
                mbi=bene.mbi_row,
                cur_clm_uniq_id=claim_id,
                clm_prod_type_cd="P" if i == 1 else "D",
                clm_val_sqnc_num=i,
                clm_dgns_cd=code,
                clm_thru_dt=thru,
            )
        for i, code in enumerate(hcpcs, start=1):
            PartARevenueCenter.objects.create(
                **self._lineage(thru.year, "CCLF2"),
                mbi=bene.mbi_row,
                cur_clm_uniq_id=claim_id,
                clm_line_num=i,
                clm_line_hcpcs_cd=code,
                clm_thru_dt=thru,
                clm_line_from_dt=thru,
            )
        if reduction is not None:
            PartABeDemo.objects.create(
                **self._lineage(thru.year, "CCLFA"),
                mbi=bene.mbi_row,
                cur_clm_uniq_id=claim_id,
                row_seq=1,
                clm_pbp_rdctn_amt=Decimal(reduction),
            )
        return claim_id

    def part_b(
        self,
        bene: Beneficiary,
        *,
        thru: date,
        paid: str,
        hcpcs: str = "99214",
        dx: tuple[str, ...] = (),
        reduction: str | None = None,
        tin: str | None = None,
        npi: str | None = None,
        specialty: str = "08",
    ) -> int:
        claim_id = next(_claim_ids)
        dx_fields = {f"clm_dgns_{i}_cd": code for i, code in enumerate(dx, start=1)}
        builders.part_b_line(
            lineage={**self._lineage(thru.year, "CCLF5"), "mbi": bene.mbi_row},
            claim_id=claim_id,
            day=thru,
            hcpcs=hcpcs,
            paid=Decimal(paid),
            clm_cntl_num=f"CN{claim_id}",
            clm_line_alowd_chrg_amt=Decimal(paid),
            clm_line_dgns_cd=dx[0] if dx else "",
            clm_idr_ld_dt=thru,
            clm_rndrg_prvdr_tax_num=self.tin if tin is None else tin,
            rndrg_prvdr_npi_num=self.npi if npi is None else npi,
            clm_prvdr_spclty_cd=specialty,
            clm_pos_cd="11",
            **dx_fields,
        )
        if reduction is not None:
            PartBBeDemo.objects.create(
                **self._lineage(thru.year, "CCLFB"),
                mbi=bene.mbi_row,
                cur_clm_uniq_id=claim_id,
                clm_line_num=1,
                clm_pbp_rdctn_amt=Decimal(reduction),
            )
        return claim_id
