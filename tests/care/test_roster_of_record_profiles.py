"""The care refresh takes who is aligned, and to which TIN, from CMS's list when it is the
roster of record; the run's projection stays behind it."""

from __future__ import annotations

import datetime as dt

from care.models import OPEN_STATUSES, CareProfile, WorklistItem
from care.services import care_refresh
from cmslists.services import cms_list_load

TIN_A, TIN_L = "111111111", "222222222"


def test_profiles_follow_the_cms_list(entity_a, make_bene, make_alignment_run) -> None:
    abbott, baker, carter = (make_bene(entity_a) for _ in range(3))
    make_alignment_run(
        entity_a,
        as_of=dt.date(2025, 3, 31),
        results=[
            (abbott, True, "aligned_plurality", TIN_A, "1234567893", ""),
            (baker, False, "no_primary_care_service", "", "", ""),
            (carter, True, "aligned_plurality", TIN_A, "1234567893", ""),
        ],
    )
    stem = "P.A9001.ACO.QALR.2025Q2.D259999.T0200000"
    t11 = f"BENE_MBI_ID,EXCLUDED\n{abbott.current_mbi},0\n{baker.current_mbi},0\n"
    t12 = f"BENE_MBI_ID,MASTER_ID,B_EM_LINE_CNT_T\n{baker.current_mbi},{TIN_L},4\n"
    cms_list_load(
        entity=entity_a,
        kind="mssp_quarterly",
        performance_year=2025,
        period=2,
        list_date=dt.date(2025, 5, 15),
        files=[(f"{stem}_1-1.csv", t11.encode()), (f"{stem}_1-2.csv", t12.encode())],
    )
    care_refresh(entity=entity_a, as_of=dt.date(2025, 7, 1))
    profiles = {
        p.beneficiary_id: (p.aligned, p.attributed_tin, p.attributed_npi)
        for p in CareProfile.objects.filter(entity=entity_a)
    }
    # Abbott: on both, the list gives no TIN: the run's TIN and NPI stay. Baker: only CMS
    # assigns him, to TIN_L. Carter: the run aligned him, CMS did not.
    assert profiles[abbott.pk] == (True, TIN_A, "1234567893")
    assert profiles[baker.pk] == (True, TIN_L, "")
    assert profiles[carter.pk] == (False, "", "")
    # Care work follows the same roster: Carter, off CMS's list, gets none; Baker, on it, may.
    reasons = dict(
        CareProfile.objects.filter(entity=entity_a).values_list(
            "beneficiary_id", "no_care_work_reason"
        )
    )
    assert reasons[carter.pk] == "not_in_population"
    assert reasons[baker.pk] == ""
    assert not WorklistItem.objects.filter(beneficiary=carter, status__in=OPEN_STATUSES).exists()
