"""Reconciliation of a run with CMS's list: the four groups, each cause of a difference from
hand-built evidence, the order in which causes are tried, and the counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from alignment.engine import columns as c
from alignment.engine.reconcile import (
    Cause,
    Context,
    Exclusion,
    Group,
    empty_withheld,
    reconcile,
    summarize,
)
from alignment.engine.vocabulary import Reason, Step

ACO_TIN = "100000001"
NEW_TIN = "100000009"  # on CMS's list, not on the participant list the run used
OTHER_TIN = "200000001"

CONTEXT = Context(
    performance_year=2025,
    list_date=date(2026, 4, 15),
    margin_cents=5_000,  # $50.00
    our_claims_through=date(2026, 3, 31),
    cms_claims_through=date(2026, 3, 31),
    our_tins=frozenset({ACO_TIN}),
    cms_tins=frozenset({ACO_TIN}),
)


def _ours(person: str, **kw: Any) -> dict[str, Any]:
    """A run row: aligned by plurality, $200 against a competitor's $0, unless told otherwise."""
    row: dict[str, Any] = {
        c.PERSON: person,
        c.ALIGNED: True,
        c.STEP: Step.STEP_1.value,
        c.REASON: Reason.ALIGNED_PLURALITY.value,
        c.ATTRIBUTED_TIN: ACO_TIN,
        c.ENTITY_ALLOWED_CENTS: 20_000,
        c.TOP_COMPETITOR: "",
        c.COMPETITOR_ALLOWED_CENTS: 0,
        c.ENTITY_LAST_SERVICE: pd.Timestamp(2025, 6, 1),
        c.DEATH_DATE: pd.NaT,
        c.IN_DATA: True,
    }
    row.update(kw)
    return row


def _lost(person: str, entity: int, competitor: int, label: str = f"TIN {OTHER_TIN}") -> Any:
    return _ours(
        person,
        aligned=False,
        reason=Reason.PLURALITY_LOST.value,
        attributed_tin="",
        entity_allowed_cents=entity,
        competitor_allowed_cents=competitor,
        top_competitor=label,
    )


def _cms(person: str, assigned: bool = True, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        c.PERSON: person,
        c.CMS_ASSIGNED: assigned,
        c.CMS_VOLUNTARY: False,
        c.CMS_TIN: "",
        c.CMS_EXCLUSION: "",
        c.CMS_EXCLUSION_TEXT: "",
        c.CMS_DEATH_DATE: pd.NaT,
    }
    row.update(kw)
    return row


def _run(
    ours: list[dict[str, Any]],
    cms: list[dict[str, Any]],
    withheld: pd.DataFrame | None = None,
    context: Context = CONTEXT,
) -> pd.DataFrame:
    frame = reconcile(
        pd.DataFrame(ours, columns=list(_ours("x"))),
        pd.DataFrame(cms, columns=list(_cms("x"))),
        withheld if withheld is not None else empty_withheld(),
        context,
    )
    return frame.set_index(c.PERSON)


def test_everyone_falls_in_one_of_four_groups() -> None:
    out = _run(
        [_ours("a"), _ours("b"), _lost("c", 100, 90_000), _lost("d", 100, 90_000)],
        [_cms("a"), _cms("c"), _cms("d", assigned=False)],
    )
    assert out[c.GROUP].to_dict() == {
        "a": Group.BOTH,
        "c": Group.CMS_ONLY,
        "b": Group.OURS_ONLY,
        "d": Group.NEITHER,
    }
    # Rows come group by group: both, CMS only, ours only, neither.
    assert list(out.index) == ["a", "c", "b", "d"]
    assert out.loc["a", c.CAUSE] == ""
    assert out.loc["d", c.CAUSE] == ""


# --- CMS only -------------------------------------------------------------------------------


def test_a_person_whose_data_cms_withholds_is_a_data_sharing_difference() -> None:
    withheld = pd.DataFrame({c.PERSON: ["a"], c.WITHHELD_FROM: [pd.Timestamp(2025, 2, 1)]})
    out = _run(
        [_ours("a", aligned=False, reason=Reason.NO_PRIMARY_CARE_SERVICE.value)],
        [_cms("a")],
        withheld,
    )
    assert out.loc["a", c.CAUSE] == Cause.DATA_SHARING
    assert "from 2025-02-01" in str(out.loc["a", c.DETAIL])


def test_a_person_on_cms_list_missing_from_our_data_is_a_data_sharing_difference() -> None:
    out = _run([_ours("a")], [_cms("a"), _cms("ghost")])
    assert out.loc["ghost", c.GROUP] == Group.CMS_ONLY
    assert out.loc["ghost", c.CAUSE] == Cause.DATA_SHARING
    assert "Not in the platform's claims" in str(out.loc["ghost", c.DETAIL])


def test_a_person_known_only_from_cms_list_is_a_data_sharing_difference() -> None:
    # In the run (with no claims, so not eligible) but in no delivered beneficiary file.
    out = _run(
        [
            _ours(
                "a",
                aligned=False,
                step=Step.ELIGIBILITY.value,
                reason=Reason.NOT_ELIGIBLE_NO_PART_A_AND_B.value,
                in_data=False,
            )
        ],
        [_cms("a")],
    )
    assert out.loc["a", c.CAUSE] == Cause.DATA_SHARING


def test_a_withholding_that_starts_after_the_list_and_the_claims_does_not_count() -> None:
    withheld = pd.DataFrame({c.PERSON: ["a"], c.WITHHELD_FROM: [pd.Timestamp(2026, 5, 1)]})
    out = _run(
        [_ours("a", aligned=False, reason=Reason.NO_PRIMARY_CARE_SERVICE.value)],
        [_cms("a")],
        withheld,
    )
    assert out.loc["a", c.CAUSE] == Cause.UNEXPLAINED


def test_our_eligibility_screen_failing_them_is_death_or_eligibility() -> None:
    out = _run(
        [
            _ours(
                "ma",
                aligned=False,
                step=Step.ELIGIBILITY.value,
                reason=Reason.NOT_ELIGIBLE_GROUP_HEALTH_PLAN.value,
            ),
            _ours(
                "dead",
                aligned=False,
                step=Step.ELIGIBILITY.value,
                reason=Reason.NOT_ELIGIBLE_DIED_BEFORE_PY.value,
                death_date=pd.Timestamp(2024, 11, 3),
            ),
        ],
        [_cms("ma"), _cms("dead")],
    )
    assert out.loc["ma", c.CAUSE] == Cause.DEATH_OR_ELIGIBILITY
    assert "Medicare Advantage" in str(out.loc["ma", c.DETAIL])
    assert out.loc["dead", c.CAUSE] == Cause.DEATH_OR_ELIGIBILITY
    assert str(out.loc["dead", c.DETAIL]).startswith("Died on 2024-11-03")


def test_a_voluntary_alignment_only_cms_knows_of() -> None:
    out = _run(
        [_ours("a", aligned=False, reason=Reason.NO_ENTITY_SERVICE.value)],
        [_cms("a", cms_voluntary=True)],
    )
    assert out.loc["a", c.CAUSE] == Cause.VOLUNTARY


def test_cms_assigning_through_a_tin_the_run_did_not_have_is_a_participant_list_change() -> None:
    out = _run(
        [_ours("a", aligned=False, reason=Reason.NO_ENTITY_SERVICE.value)],
        [_cms("a", cms_tin=NEW_TIN)],
    )
    assert out.loc["a", c.CAUSE] == Cause.PARTICIPANT_LIST
    assert NEW_TIN in str(out.loc["a", c.DETAIL])


def test_losing_to_a_tin_on_cms_list_but_not_ours_is_a_participant_list_change() -> None:
    context = Context(**{**CONTEXT.__dict__, "cms_tins": frozenset({ACO_TIN, NEW_TIN})})
    # Lost by far more than the margin: the TIN that won is the ACO's on CMS's list.
    out = _run([_lost("a", 1_000, 90_000, f"TIN {NEW_TIN}")], [_cms("a")], context=context)
    assert out.loc["a", c.CAUSE] == Cause.PARTICIPANT_LIST


def test_a_plurality_lost_within_the_margin() -> None:
    # $120.00 against $165.00: $45.00 apart, within $50.00; $120.00 against $170.01 is not.
    out = _run(
        [_lost("near", 12_000, 16_500), _lost("far", 12_000, 17_001)],
        [_cms("near"), _cms("far")],
    )
    assert out.loc["near", c.CAUSE] == Cause.PLURALITY_MARGIN
    assert "$120.00 with the entity against $165.00" in str(out.loc["near", c.DETAIL])
    assert "margin of $50.00" in str(out.loc["near", c.DETAIL])
    assert out.loc["far", c.CAUSE] == Cause.UNEXPLAINED


def test_the_margin_edge_is_inclusive() -> None:
    out = _run([_lost("a", 12_000, 17_000)], [_cms("a")])
    assert out.loc["a", c.CAUSE] == Cause.PLURALITY_MARGIN


def test_claims_that_end_before_cms_claims_are_claims_run_out() -> None:
    context = Context(**{**CONTEXT.__dict__, "our_claims_through": date(2026, 1, 31)})
    out = _run(
        [
            _ours("none", aligned=False, reason=Reason.NO_ENTITY_SERVICE.value),
            _lost("lost", 1_000, 90_000),
            _ours(
                "ineligible",
                aligned=False,
                reason=Reason.NOT_ELIGIBLE_OUTSIDE_US.value,
                step=Step.ELIGIBILITY.value,
            ),
        ],
        [_cms("none"), _cms("lost"), _cms("ineligible")],
        context=context,
    )
    assert out.loc["none", c.CAUSE] == Cause.CLAIMS_RUNOUT
    assert "2026-01-31" in str(out.loc["none", c.DETAIL])
    assert out.loc["lost", c.CAUSE] == Cause.CLAIMS_RUNOUT
    # Eligibility is tried before run-out.
    assert out.loc["ineligible", c.CAUSE] == Cause.DEATH_OR_ELIGIBILITY


def test_same_claims_dates_and_no_other_evidence_is_unexplained() -> None:
    out = _run([_ours("a", aligned=False, reason=Reason.NO_ENTITY_SERVICE.value)], [_cms("a")])
    assert out.loc["a", c.CAUSE] == Cause.UNEXPLAINED
    assert "No qualifying primary care service" in str(out.loc["a", c.DETAIL])


def test_withholding_is_tried_before_voluntary_alignment() -> None:
    withheld = pd.DataFrame({c.PERSON: ["a"], c.WITHHELD_FROM: [pd.NaT]})
    out = _run(
        [_ours("a", aligned=False, reason=Reason.NO_PRIMARY_CARE_SERVICE.value)],
        [_cms("a", cms_voluntary=True)],
        withheld,
    )
    assert out.loc["a", c.CAUSE] == Cause.DATA_SHARING


# --- Ours only ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exclusion", "cause"),
    [
        (Exclusion.MEDICARE_ADVANTAGE, Cause.MA_OR_OTHER_INITIATIVE),
        (Exclusion.OTHER_INITIATIVE, Cause.MA_OR_OTHER_INITIATIVE),
        (Exclusion.OUTSIDE_US, Cause.DEATH_OR_ELIGIBILITY),
        (Exclusion.PART_A_B, Cause.DEATH_OR_ELIGIBILITY),
        (Exclusion.DECEASED, Cause.DEATH_OR_ELIGIBILITY),
    ],
)
def test_cms_excluded_table_gives_the_cause(exclusion: Exclusion, cause: Cause) -> None:
    out = _run(
        [_ours("a")],
        [
            _cms(
                "a",
                assigned=False,
                cms_exclusion=exclusion.value,
                cms_exclusion_text="CMS's words",
            )
        ],
    )
    assert out.loc["a", c.GROUP] == Group.OURS_ONLY
    assert out.loc["a", c.CAUSE] == cause
    assert "CMS: CMS's words" in str(out.loc["a", c.DETAIL])


def test_a_death_before_the_year_on_cms_side_explains_ours_only() -> None:
    out = _run([_ours("a")], [_cms("a", assigned=False, cms_death_date=pd.Timestamp(2024, 12, 31))])
    assert out.loc["a", c.CAUSE] == Cause.DEATH_OR_ELIGIBILITY
    assert "2024-12-31" in str(out.loc["a", c.DETAIL])


def test_a_death_during_the_year_explains_nothing() -> None:
    # Beneficiaries who die during the year stay assigned: a death on Jan 1 is not a cause.
    out = _run([_ours("a")], [_cms("a", assigned=False, cms_death_date=pd.Timestamp(2025, 1, 1))])
    assert out.loc["a", c.CAUSE] == Cause.UNEXPLAINED


def test_aligned_on_claims_delivered_before_cms_withheld_them_is_a_data_sharing_difference() -> (
    None
):
    # Declined data sharing on 20 October: the later deliveries leave their claims out, the run
    # aligned them on what came before, CMS's list counts every claim. A voluntary alignment
    # does not hang on claims, so withholding does not explain it.
    withheld = pd.DataFrame(
        {c.PERSON: ["a", "v"], c.WITHHELD_FROM: [pd.Timestamp(2025, 10, 20)] * 2}
    )
    out = _run(
        [_ours("a"), _ours("v", step=Step.VOLUNTARY.value, reason=Reason.ALIGNED_VOLUNTARY.value)],
        [],
        withheld,
    )
    assert out.loc["a", c.CAUSE] == Cause.DATA_SHARING
    assert str(out.loc["a", c.DETAIL]).startswith(
        "CMS withholds this beneficiary's data from 2025-10-20: the run aligned them on the "
        "claims delivered before"
    )
    assert out.loc["v", c.CAUSE] == Cause.VOLUNTARY


def test_a_designation_recorded_here_that_cms_does_not_flag() -> None:
    out = _run([_ours("a", step=Step.VOLUNTARY.value, reason=Reason.ALIGNED_VOLUNTARY.value)], [])
    assert out.loc["a", c.GROUP] == Group.OURS_ONLY
    assert out.loc["a", c.CAUSE] == Cause.VOLUNTARY


def test_attributed_to_a_tin_cms_list_does_not_have() -> None:
    context = Context(**{**CONTEXT.__dict__, "our_tins": frozenset({ACO_TIN, NEW_TIN})})
    out = _run([_ours("a", attributed_tin=NEW_TIN)], [], context=context)
    assert out.loc["a", c.CAUSE] == Cause.PARTICIPANT_LIST
    assert NEW_TIN in str(out.loc["a", c.DETAIL])


def test_without_cms_tin_table_the_attributed_tin_is_not_tested() -> None:
    context = Context(**{**CONTEXT.__dict__, "cms_tins": None})
    out = _run([_ours("a", attributed_tin=NEW_TIN)], [], context=context)
    assert out.loc["a", c.CAUSE] == Cause.UNEXPLAINED


def test_a_plurality_won_within_the_margin() -> None:
    out = _run(
        [
            _ours("near", entity_allowed_cents=20_000, competitor_allowed_cents=15_000,
                  top_competitor=f"TIN {OTHER_TIN}"),
            _ours("far", entity_allowed_cents=20_000, competitor_allowed_cents=14_999,
                  top_competitor=f"TIN {OTHER_TIN}"),
        ],
        [],
    )  # fmt: skip
    assert out.loc["near", c.CAUSE] == Cause.PLURALITY_MARGIN
    assert out.loc["far", c.CAUSE] == Cause.UNEXPLAINED


def test_a_service_after_cms_claims_is_claims_run_out() -> None:
    context = Context(**{**CONTEXT.__dict__, "cms_claims_through": date(2025, 9, 30)})
    out = _run(
        [
            _ours("late", entity_last_service=pd.Timestamp(2025, 10, 2)),
            _ours("early", entity_last_service=pd.Timestamp(2025, 9, 30)),
        ],
        [],
        context=context,
    )
    assert out.loc["late", c.CAUSE] == Cause.CLAIMS_RUNOUT
    assert "2025-10-02" in str(out.loc["late", c.DETAIL])
    assert out.loc["early", c.CAUSE] == Cause.UNEXPLAINED


def test_aligned_by_a_run_whose_claims_end_before_cms_claims_is_claims_run_out() -> None:
    """CMS's list read claims the run did not have: later services may have moved the
    plurality away (the run was won by more than the margin, its service before CMS's date)."""
    context = Context(**{**CONTEXT.__dict__, "our_claims_through": date(2025, 9, 30)})
    out = _run(
        [_ours("won", entity_allowed_cents=20_000, competitor_allowed_cents=1_000,
               top_competitor=f"TIN {OTHER_TIN}", entity_last_service=pd.Timestamp(2025, 9, 2))],
        [],
        context=context,
    )  # fmt: skip
    assert out.loc["won", c.CAUSE] == Cause.CLAIMS_RUNOUT
    assert "services after the run's claims" in str(out.loc["won", c.DETAIL])


def test_a_window_that_starts_before_the_runs_claims_is_claims_coverage() -> None:
    # The run's claims start with its 2024 delivery; step 3's expanded window starts on
    # 2023-10-01, so CMS counts three months of services the run cannot see. Step 1's window
    # (from 2024-10-01) is covered: nothing to say there.
    context = Context(
        **{
            **CONTEXT.__dict__,
            "our_claims_from": date(2024, 1, 1),
            "window_start": date(2024, 10, 1),
            "expanded_window_start": date(2023, 10, 1),
        }
    )
    out = _run(
        [
            _ours("wide", step=Step.STEP_3.value, entity_allowed_cents=29_726,
                  competitor_allowed_cents=20_878, top_competitor="CCN 130108"),
            _ours("narrow"),
            _lost("lost3", 100, 200_000) | {c.STEP: Step.STEP_3.value},
        ],
        [_cms("lost3")],
        context=context,
    )  # fmt: skip
    assert out.loc["wide", c.CAUSE] == Cause.CLAIMS_RUNOUT
    assert str(out.loc["wide", c.DETAIL]).startswith(
        "The run's window starts on 2023-10-01, but its claims only from 2024-01-01"
    )
    assert out.loc["narrow", c.CAUSE] == Cause.UNEXPLAINED
    assert out.loc["lost3", c.CAUSE] == Cause.CLAIMS_RUNOUT


def test_cms_reason_comes_before_our_own_evidence() -> None:
    # CMS says Medicare Advantage; the run also won only narrowly: CMS's stated reason wins.
    out = _run(
        [_ours("a", competitor_allowed_cents=19_000, top_competitor=f"TIN {OTHER_TIN}")],
        [_cms("a", assigned=False, cms_exclusion=Exclusion.MEDICARE_ADVANTAGE.value)],
    )
    assert out.loc["a", c.CAUSE] == Cause.MA_OR_OTHER_INITIATIVE


def test_neither_keeps_cms_words_without_a_cause() -> None:
    out = _run(
        [_lost("a", 100, 90_000)],
        [
            _cms(
                "a",
                assigned=False,
                cms_exclusion=Exclusion.PLURALITY.value,
                cms_exclusion_text="Plurality elsewhere",
            ),
            _cms("b", assigned=False, cms_exclusion=Exclusion.MEDICARE_ADVANTAGE.value),
        ],
    )
    assert out.loc["a", c.GROUP] == Group.NEITHER
    assert out.loc["a", c.CAUSE] == ""
    assert str(out.loc["a", c.DETAIL]) == "CMS: Plurality elsewhere"
    assert out.loc["b", c.GROUP] == Group.NEITHER


# --- Counts ----------------------------------------------------------------------------------


def test_counts_and_agreement_rate() -> None:
    # 5 on both, 2 CMS only (one missing from our data, one lost narrowly), 1 ours only (MA),
    # 3 neither: agreement 5 / (5 + 2 + 1) = 62.5 %.
    ours = [_ours(f"both{i}") for i in range(5)]
    ours += [_lost("near", 12_000, 12_500), _ours("ma")]
    ours += [_lost(f"n{i}", 10, 90_000) for i in range(3)]
    cms = [_cms(f"both{i}") for i in range(5)]
    cms += [_cms("ghost"), _cms("near")]
    cms += [_cms("ma", assigned=False, cms_exclusion=Exclusion.MEDICARE_ADVANTAGE.value)]
    summary = summarize(reconcile(pd.DataFrame(ours), pd.DataFrame(cms), None, CONTEXT))
    assert summary.total == 11
    assert summary.groups == {"both": 5, "cms_only": 2, "ours_only": 1, "neither": 3}
    assert summary.causes == {
        ("cms_only", "data_sharing"): 1,
        ("cms_only", "plurality_margin"): 1,
        ("ours_only", "ma_or_other_initiative"): 1,
    }
    assert summary.agreement_percent == Decimal("62.5")


def test_agreement_rate_rounds_half_up_and_is_none_when_nobody_is_aligned() -> None:
    # 2 of 3: 66.666... -> 66.7.
    ours = [_ours("a"), _ours("b"), _ours("c")]
    cms = [_cms("a"), _cms("b")]
    assert summarize(
        reconcile(pd.DataFrame(ours), pd.DataFrame(cms), None, CONTEXT)
    ).agreement_percent == Decimal("66.7")
    nobody = summarize(reconcile(pd.DataFrame([_lost("a", 1, 2)]), pd.DataFrame(), None, CONTEXT))
    assert nobody.agreement_percent is None
    assert nobody.groups["neither"] == 1


def test_a_person_twice_on_one_side_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        reconcile(pd.DataFrame([_ours("a"), _ours("a")]), pd.DataFrame(), None, CONTEXT)
