"""People are linked across MBIs only through the CCLF9 crosswalk, and keep their surrogate id."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from beneficiaries.models import Beneficiary, BeneficiaryDemographics, BeneficiaryMbi
from claims.services import cclf_delivery_load
from entities.models import Entity
from tests.claims.cclf import make_delivery

OLD, NEW, OTHER = "1EG4TE5MK73", "6U50TE7GG18", "3AC5DE9FG21"


def _load(out: Path, day: int, demographics: list[str], xref: list[tuple[str, str]] = ()) -> None:
    records = {
        "CCLF8": [{"BENE_MBI_ID": m, "BENE_SEX_CD": "2", "BENE_1ST_NAME": f"P{m[:3]}"} for m in demographics],
        "CCLF9": [{"HICN_MBI_XREF_IND": "M", "CRNT_NUM": c, "PRVS_NUM": p, "PRVS_ID_EFCTV_DT": "2020-01-01"} for c, p in xref],
    }  # fmt: skip
    when = datetime(2025, 5, day, 12)  # noqa: DTZ001 - CMS names carry local times
    cclf_delivery_load(
        path=make_delivery(out, entity_id="A9001", delivered_at=when, records=records)
    )


def person(mbi: str) -> int:
    return BeneficiaryMbi.objects.get(mbi=mbi).beneficiary_id


def test_two_mbis_are_two_people_without_a_crosswalk(entity_a: Entity, tmp_path: Path) -> None:
    _load(tmp_path, 1, [OLD, NEW])
    assert person(OLD) != person(NEW)
    assert Beneficiary.objects.count() == 2


def test_a_later_crosswalk_links_the_old_mbi_and_the_person_keeps_its_id(
    entity_a: Entity, tmp_path: Path
) -> None:
    _load(tmp_path, 1, [OLD])
    first = person(OLD)
    _load(tmp_path, 2, [NEW], [(NEW, OLD)])
    assert person(NEW) == person(OLD) == first
    bene = Beneficiary.objects.get(pk=first)
    assert bene.current_mbi == NEW
    assert Beneficiary.objects.filter(merged_into__isnull=True).count() == 1
    # Both deliveries' demographics belong to the one person.
    assert BeneficiaryDemographics.objects.filter(beneficiary=bene).count() == 2


def test_a_person_known_under_both_mbis_is_merged_into_the_current_one(
    entity_a: Entity, tmp_path: Path
) -> None:
    _load(tmp_path, 1, [OLD, NEW, OTHER])
    old_id, new_id = person(OLD), person(NEW)
    _load(tmp_path, 2, [NEW, OTHER], [(NEW, OLD)])
    assert person(OLD) == person(NEW) == new_id
    assert Beneficiary.objects.get(pk=old_id).merged_into_id == new_id
    assert person(OTHER) not in (old_id, new_id)


def test_a_crosswalk_that_changes_its_mind_moves_only_the_mbi_it_names(
    entity_a: Entity, tmp_path: Path
) -> None:
    _load(tmp_path, 1, [NEW, OTHER], [(NEW, OLD)])
    assert person(OLD) == person(NEW)
    # A later delivery says OLD was OTHER's, not NEW's: the latest delivery wins, NEW stays apart.
    _load(tmp_path, 2, [NEW, OTHER], [(OTHER, OLD)])
    assert person(OLD) == person(OTHER)
    assert person(NEW) != person(OTHER)
