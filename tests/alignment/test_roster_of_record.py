"""The roster of record: CMS's list where one covers the period, else the platform's run,
labelled with its source and date; and CMS's exclusions feeding the next run's screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alignment.models import AlignmentResult
from alignment.selectors import CMS_LIST, PLATFORM_PROJECTION, roster_of_record
from beneficiaries.models import Beneficiary
from cmslists.services import cms_list_load
from datasharing.services import data_sharing_file_load

STEM = "P.A9001.ACO.QALR.2025Q2.D259999.T0200000"
H11 = "BENE_MBI_ID,BENE_LAST_NAME,EXCLUDED,GHP_EXCLUDED"


def _list(entity: Any, assigned: list[str], excluded: list[str], **kw: Any) -> Any:
    rows = [f"{m},X,0,0" for m in assigned] + [f"{m},X,1,1" for m in excluded]
    body = ("\n".join([H11, *rows]) + "\n").encode()
    args: dict[str, Any] = {
        "kind": "mssp_quarterly",
        "performance_year": 2025,
        "period": 2,
        "list_date": dt.date(2025, 5, 15),
    }
    args.update(kw)
    period = args["period"]
    stem = STEM.replace("Q2", f"Q{period}") if period else "P.A9001.ACO.AALR.Y2025.D269999.T0200000"
    return cms_list_load(entity=entity, files=[(f"{stem}_1-1.csv", body)], **args).cms_list


def test_platform_projection_until_a_cms_list_covers_the_period(
    entity_a: Any, population_a: Any, run_alignment: Any
) -> None:
    run = run_alignment(entity_a)
    roster = roster_of_record(entity=entity_a, performance_year=2025)
    assert roster.source == PLATFORM_PROJECTION
    assert roster.as_of == run.as_of
    assert roster.count == run.aligned_count > 0
    # The card reads "alignment run A9001 PY2025 final list v1 (as of ...)": the label names the
    # list once, not with the choice's "(as of the run date)" beside the date.
    assert roster.label == f"{entity_a.cms_id} PY2025 {run.list_kind} list v{run.version}"
    assert "as of" not in roster.label
    aligned = list(
        AlignmentResult.objects.filter(run=run, aligned=True)
        .order_by("beneficiary_id")
        .values_list("beneficiary__current_mbi", flat=True)
    )
    dropped = list(
        AlignmentResult.objects.filter(run=run, aligned=False, reason="no_primary_care_service")
        .order_by("beneficiary_id")
        .values_list("beneficiary__current_mbi", flat=True)[:3]
    )
    declined, shares, unlisted = dropped
    # CMS assigns the first two the run aligned, plus someone CCLF never carried; it excludes
    # the third for a Medicare health plan month. It also assigns two the run found no service
    # for: one who declined data sharing (CMS counts the claims CCLF leaves out), one who did not.
    cms_list = _list(
        entity_a, [aligned[0], aligned[1], "1AC0AC0AA99", declined, shares], [aligned[2]]
    )
    q2 = roster_of_record(entity=entity_a, performance_year=2025, period=2)
    year = roster_of_record(entity=entity_a, performance_year=2025)
    q3 = roster_of_record(entity=entity_a, performance_year=2025, period=3)
    assert (q2.source, q2.as_of, q2.count) == (CMS_LIST, dt.date(2025, 5, 15), 5)
    assert q2.cms_list == cms_list
    assert year.source == CMS_LIST
    assert "quarterly" in q2.label
    assert "Q2" in q2.label
    # A quarterly list never covers another quarter.
    assert (q3.source, q3.count) == (PLATFORM_PROJECTION, run.aligned_count)
    ids = set(q2.beneficiary_ids)
    assert Beneficiary.objects.get(current_mbi="1AC0AC0AA99").pk in ids
    assert q2.as_api()["source"] == "cms_list"
    assert q2.as_api()["as_of"] == "2025-05-15"
    # A final list covers every quarter.
    _list(entity_a, [aligned[0]], [], kind="mssp_final", period=0, list_date=dt.date(2026, 4, 1))
    final_q3 = roster_of_record(entity=entity_a, performance_year=2025, period=3)
    assert (final_q3.source, final_q3.count, final_q3.as_of) == (CMS_LIST, 1, dt.date(2026, 4, 1))

    # CMS's exclusion feeds the next run (dated after the list): the third is screened out for
    # a Medicare health plan month, which no CCLF file shows.
    third = Beneficiary.objects.get(entity=entity_a, current_mbi=aligned[2])
    body = "MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT\n" + "".join(
        f"{m},N,,2025-02-01\n" for m in (declined, "1AC0AC0AA99", unlisted)
    )
    data_sharing_file_load(
        entity=entity_a,
        kind="mssp_status",
        content=body.encode(),
        name="P.A9001.ACO.BDSS.D250515.csv",
        file_date=dt.date(2025, 5, 15),
    )
    rerun = run_alignment(entity_a)
    result = AlignmentResult.objects.get(run=rerun, beneficiary=third)
    assert not result.aligned
    assert result.reason == "not_eligible_group_health_plan"
    # Whom CMS withholds the claims of, assigned on the list of record as it stood on the run's
    # date (the Q2 list: the final list is dated after the run), is kept as the list assigns
    # them, without charges; the engine's finding stands for one who shares their data, and
    # for a withheld person no list assigns.
    rows = {
        r.beneficiary.current_mbi: r
        for r in AlignmentResult.objects.filter(
            run=rerun, beneficiary__current_mbi__in=[declined, shares, unlisted, "1AC0AC0AA99"]
        ).select_related("beneficiary")
    }
    for mbi in (declined, "1AC0AC0AA99"):
        kept = rows[mbi]
        assert (kept.aligned, kept.step, kept.entity_allowed) == (True, "cms_list", 0)
        assert kept.get_reason_display() == (
            "Aligned by CMS's list of record: declined data sharing, claims withheld"
        )
    assert not rows[shares].aligned
    assert not rows[unlisted].aligned
    assert rerun.aligned_count == run.aligned_count - 1 + 2
    # A run dated before the list does not see it, nor keep anyone by it.
    early = run_alignment(entity_a, list_kind="quarterly", as_of=dt.date(2025, 3, 31))
    assert AlignmentResult.objects.get(run=early, beneficiary=third).reason != (
        "not_eligible_group_health_plan"
    )
    assert not AlignmentResult.objects.get(run=early, beneficiary__current_mbi=declined).aligned
