"""The synthetic Tuva CCLF records (CCLF1, 5, 8, 9 of four monthly deliveries), converted to real
fixed-width files, loaded delivery by delivery, give the final-action claims the CCLF IP rules
call for: cancellations, adjustments, re-deliveries, denials and MBI changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from beneficiaries.models import Beneficiary, BeneficiaryDemographics, BeneficiaryMbi
from claims.selectors import final_action_claims
from claims.services import cclf_delivery_load
from entities.models import Entity
from tests.claims.cclf import tuva_deliveries


@pytest.fixture
def loaded(tuva_entity: Entity, cclf_dir: Path) -> pd.DataFrame:
    for path in tuva_deliveries(cclf_dir):
        cclf_delivery_load(path=path)
    return final_action_claims(entity=tuva_entity)


def person(mbi: str) -> int:
    return BeneficiaryMbi.objects.get(mbi=f"9TT0FK0XX{mbi}").beneficiary_id


def claims_of(frame: pd.DataFrame, mbi: str) -> dict[int, Decimal]:
    rows = frame[frame.beneficiary_id == person(mbi)]
    return {int(k): v for k, v in rows.groupby("claim_id").paid_amount.sum().items()}


def test_originals_pass_through(loaded: pd.DataFrame) -> None:
    assert set(claims_of(loaded, "01")) == {1001, 1002, 1003, 1004, 1005}


SCENARIOS = {
    "02": {1010: Decimal("325.50")},  # original, then cancel + adjustment later
    "03": {
        1012: Decimal("190.00")
    },  # cancel and adjustment share a date: the cancel takes the original
    "05": {1021: Decimal("9850.10"), 1022: Decimal("1215.40")},  # two originals
    "06": {1024: Decimal("95.00")},  # two originals, one cancelled
    "07": {},  # original + cancellation
    "08": {1029: Decimal("6650.00")},  # original predates the files; a lone cancellation
    "09": {1031: Decimal("2210.75")},  # a lone adjustment
    "10": {
        1034: Decimal("7480.00")
    },  # through date corrected: the adjustment has a new natural key
    "11": {1039: Decimal("505.00")},  # 0, 1, 2, 1, 2 over three deliveries
    "13": {},  # denied: Part A non-payment reason, Part B claim and line denials
    "23": {1066: Decimal("707.00")},  # the IP Table 6 pattern in Part B
    "24": {1070: Decimal("149.34")},  # Part B cancellation + adjustment
    "25": {},  # Part B original + cancellation delivered in the next year
}


def test_cancellations_adjustments_and_denials_leave_the_final_action_claims(
    loaded: pd.DataFrame,
) -> None:
    found = {mbi: claims_of(loaded, mbi) for mbi in SCENARIOS}
    assert found == SCENARIOS


def test_the_ip_table_4_pattern_keeps_claims_4_and_7_and_one_of_2_or_5(
    loaded: pd.DataFrame,
) -> None:
    claims = claims_of(loaded, "04")
    assert {1017, 1020} <= set(claims)
    assert len(set(claims) & {1015, 1018}) == 1
    assert len(claims) == 3
    assert sum(claims.values()) == Decimal("260.00")


def test_a_redelivered_claim_is_counted_once_from_the_latest_delivery(loaded: pd.DataFrame) -> None:
    rows = loaded[loaded.beneficiary_id == person("12")]
    assert sorted(zip(rows.claim_id, rows.line_num, strict=True)) == [
        (1040, 0),
        (1041, 0),
        (1042, 1),
        (1042, 2),
    ]
    assert sum(rows.paid_amount) == Decimal("133.20") + Decimal("61.15") + Decimal("76.67")
    delivered = {int(c): d.date() for c, d in zip(rows.claim_id, rows.delivered_on, strict=True)}
    assert delivered[1040] == date(2025, 12, 8)
    assert delivered[1041] == date(2026, 1, 12)


def test_claims_under_previous_mbis_belong_to_the_current_mbis_person(loaded: pd.DataFrame) -> None:
    # S14: original under XX80, cancel + adjustment under XX14; the crosswalk came a month later.
    assert claims_of(loaded, "14") == {1049: Decimal("260.00"), 1052: Decimal("101.40")}
    assert person("80") == person("14")
    # S15: a two-hop chain XX81 -> XX82 -> XX15.
    assert person("81") == person("82") == person("15")
    assert set(claims_of(loaded, "15")) == {1053, 1054}
    # S16: a row mapping an MBI to itself changes nothing.
    assert claims_of(loaded, "16") == {1056: Decimal("120.50")}
    # S17: XX83 first crosswalked to XX84, later to XX17: the latest delivery wins, and XX84 stays
    # a person of its own (never merged without the crosswalk saying so).
    assert person("83") == person("17")
    assert person("84") != person("17")
    assert set(claims_of(loaded, "17")) == {1057}
    # S18: one person, two previous MBIs, claims under all three.
    assert person("85") == person("86") == person("18")
    assert set(claims_of(loaded, "18")) == {1058, 1059, 1060}
    # No final-action claim is left with a person whose current MBI is an old one.
    current = set(
        Beneficiary.objects.filter(pk__in=loaded.beneficiary_id.unique()).values_list(
            "current_mbi", flat=True
        )
    )
    assert not {m for m in current if m[-2:] in {"80", "81", "82", "83", "85", "86", "87"}}


def test_run_out_cut_off_and_service_period_filter(
    tuva_entity: Entity, loaded: pd.DataFrame
) -> None:
    # The cancellation of 1026 was loaded into the IDR on 2026-01-11: by a 2025 cut-off, 1026 stands.
    cut = final_action_claims(entity=tuva_entity, idr_load_cutoff=date(2025, 12, 31))
    assert set(claims_of(cut, "07")) == {1026}
    assert 1064 not in set(cut.claim_id)  # loaded in 2026
    in_2025 = final_action_claims(
        entity=tuva_entity, thru_from=date(2025, 1, 1), thru_to=date(2025, 12, 31)
    )
    assert 1064 not in set(in_2025.claim_id)  # a 2026 service
    assert 1029 not in set(in_2025.claim_id)  # a 2024 stay
    assert set(in_2025.claim_id) < set(loaded.claim_id)


def test_demographics_are_kept_per_delivery_with_the_latest_on_the_beneficiary(
    loaded: pd.DataFrame,
) -> None:
    alpha = Beneficiary.objects.get(pk=person("01"))
    assert BeneficiaryDemographics.objects.filter(beneficiary=alpha).count() == 4
    assert alpha.demographics_as_of == date(2026, 2, 9)
    assert (alpha.first_name, alpha.birth_date, alpha.medicare_status_code) == (
        "SYNALPHA",
        date(1945, 6, 12),
        "10",
    )
    assert alpha.dual_status_code == "NA"
    died = Beneficiary.objects.get(pk=person("20"))
    assert died.death_date == date(2025, 11, 18)
    dual = Beneficiary.objects.get(pk=person("22"))
    assert dual.dual_status_code == "02"


def test_reads_inside_read_once_match_reads_of_their_own(
    tuva_entity: Entity, loaded: pd.DataFrame
) -> None:
    """Inside final_action_claims_read_once each call gets the rows, order and types a query of
    its own returns (spans, a cut-off, some beneficiaries, an empty span), from one read."""
    from claims import selectors

    spans: list[dict[str, Any]] = [
        {},
        {"thru_from": date(2025, 1, 1), "thru_to": date(2025, 12, 31)},
        {"thru_from": date(2025, 6, 1)},
        {"thru_to": date(2024, 12, 31)},
        {"thru_from": date(2040, 1, 1)},  # nothing
        {"idr_load_cutoff": date(2025, 12, 31)},
    ]
    calls: list[tuple[Any, dict[str, Any]]] = [
        (read, span)
        for read in (
            selectors.final_action_claims,
            selectors.final_action_revenue_lines,
            selectors.final_action_diagnoses,
        )
        for span in spans
    ]
    calls.append((selectors.final_action_claims, {"beneficiary_ids": [person("07")], **spans[1]}))
    own = [read(entity=tuva_entity, **span) for read, span in calls]
    with selectors.final_action_claims_read_once():
        shared = [read(entity=tuva_entity, **span) for read, span in calls]
        # One read per kind and cut-off, kept until the block ends.
        assert len(selectors._memo or {}) == 6
    assert selectors._memo is None
    assert any(len(frame) for frame in own)
    assert any(frame.empty for frame in own)
    for (read, span), mine, theirs in zip(calls, own, shared, strict=True):
        pd.testing.assert_frame_equal(theirs, mine, obj=f"{read.__name__}({span})")


def test_the_query_of_some_sources_gives_the_rows_of_those_sources(
    loaded: pd.DataFrame, tuva_entity: Entity
) -> None:
    """`final_action_sql(sources=...)` keeps the branches asked for, with the rows the whole
    query has for them; a set without Part A (whose branch names the columns) is refused."""
    from django.db import connection

    from claims.final_action import final_action_sql

    def rows(query: str) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({query}) fa", {"entity_id": tuva_entity.pk})  # noqa: S608 - our own SQL
            return sorted(cursor.fetchall(), key=repr)

    everything = rows(final_action_sql())
    assert {row[4] for row in everything} == {"A", "B"}  # the fixtures have no DME lines
    for sources in (("A",), ("A", "B"), ("A", "B", "DME")):
        wanted = [row for row in everything if row[4] in sources]
        assert rows(final_action_sql(sources=sources)) == wanted
    with pytest.raises(ValueError, match="sources"):
        final_action_sql(sources=("B",))
