"""One place for the rows the tests build by hand: a beneficiary (with its MBI link when the test
needs claims), drawing its MBI from `synthetic.identifiers`, as the demo and the benches do, and
a Part B claim line.

The app fixtures (`make_bene` in tests/care, `make_beneficiary` in tests/partners, the
benchmarks' `ClaimsBuilder`) keep their own defaults (names, dates) and call this, so a change
to how a beneficiary is stored is made here once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from beneficiaries.models import Beneficiary, BeneficiaryMbi
from claims.models import PartBPhysicianLine
from entities.models import Entity
from synthetic.identifiers import mbi as synthetic_mbi


def beneficiary(
    entity: Entity, *, serial: int, first_seen_on: date | None = None, **fields: Any
) -> Beneficiary:
    """A beneficiary of `entity` with the synthetic MBI of `serial`; with `first_seen_on`, also
    the MBI's row (what a CCLF8 load leaves, and what claims rows point at) as `bene.mbi_row`."""
    mbi = synthetic_mbi(serial)
    bene = Beneficiary.objects.create(entity=entity, current_mbi=mbi, **fields)
    if first_seen_on is not None:
        bene.mbi_row = BeneficiaryMbi.objects.create(  # type: ignore[attr-defined]
            entity=entity, mbi=mbi, beneficiary=bene, first_seen_on=first_seen_on
        )
    return bene


def part_b_line(
    *, lineage: dict[str, Any], claim_id: int, day: date, hcpcs: str, paid: Decimal, **fields: Any
) -> PartBPhysicianLine:
    """A final-action CCLF5 line (claim type 71, line 1, original claim, allowed) on one day;
    `lineage` names the entity, delivery, file, line and MBI row; `fields` add or override."""
    values: dict[str, Any] = {
        "cur_clm_uniq_id": claim_id,
        "clm_line_num": 1,
        "clm_type_cd": "71",
        "clm_from_dt": day,
        "clm_thru_dt": day,
        "clm_line_from_dt": day,
        "clm_line_thru_dt": day,
        "clm_line_hcpcs_cd": hcpcs,
        "clm_line_cvrd_pd_amt": paid,
        "clm_carr_pmt_dnl_cd": "1",
        "clm_adjsmt_type_cd": "0",
        **fields,
    }
    return PartBPhysicianLine.objects.create(**lineage, **values)
