"""care_refresh: care gaps, profiles and generated worklist items from stored claims."""

from __future__ import annotations

from datetime import date

import pytest

from care.models import CareGap, CareProfile, ItemKind, WorklistItem
from care.services import care_refresh, worklist_item_update

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)


def test_it_finds_gaps_discharges_and_ed_visits_from_claims_and_is_safe_to_repeat(
    entity_a, aco_coordinator, make_bene, add_inpatient, add_visit
):
    discharged = make_bene(entity_a, birth_date=date(1948, 3, 1), sex_code="1")
    followed = make_bene(entity_a, birth_date=date(1955, 3, 1), sex_code="1")
    add_inpatient(discharged, 101, date(2025, 6, 18), date(2025, 6, 22))
    add_inpatient(followed, 102, date(2025, 6, 10), date(2025, 6, 14))
    add_visit(followed, 201, date(2025, 6, 18), "99214", dx="E119")
    add_visit(followed, 202, date(2025, 2, 3), "G0439")
    add_visit(discharged, 203, date(2025, 6, 25), "99284")

    result = care_refresh(entity=entity_a, as_of=AS_OF)
    assert result["beneficiaries"] == 2

    kinds = set(WorklistItem.objects.filter(beneficiary=discharged).values_list("kind", flat=True))
    assert kinds == {ItemKind.DISCHARGE_FOLLOW_UP, ItemKind.ED_VISIT, ItemKind.AWV_DUE}
    assert not WorklistItem.objects.filter(
        beneficiary=followed, kind=ItemKind.DISCHARGE_FOLLOW_UP
    ).exists()
    assert not CareGap.objects.filter(beneficiary=followed, gap="awv").exists()
    # Diabetes on a claim this year and no HbA1c code: the HbA1c gap is open.
    assert CareGap.objects.filter(beneficiary=followed, gap="hba1c").exists()
    profile = CareProfile.objects.get(beneficiary=discharged)
    assert profile.last_inpatient_discharge == date(2025, 6, 22)
    assert profile.last_ed_visit == date(2025, 6, 25)

    item = WorklistItem.objects.get(beneficiary=discharged, kind=ItemKind.DISCHARGE_FOLLOW_UP)
    assert item.due_date == date(2025, 6, 24)
    worklist_item_update(item=item, acting_user=aco_coordinator, status="done")
    before = WorklistItem.objects.count()
    care_refresh(entity=entity_a, as_of=AS_OF)
    assert WorklistItem.objects.count() == before
    item.refresh_from_db()
    assert item.status == "done"


def test_it_touches_only_the_entity_it_refreshes(entity_a, entity_b, make_bene, add_visit):
    a = make_bene(entity_a)
    b = make_bene(entity_b)
    add_visit(b, 301, date(2025, 1, 1), "99213")
    care_refresh(entity=entity_b, as_of=AS_OF)
    care_refresh(entity=entity_a, as_of=AS_OF)
    assert CareProfile.objects.filter(beneficiary=b).exists()
    assert set(
        CareGap.objects.filter(entity=entity_a).values_list("beneficiary_id", flat=True)
    ) == {a.pk}


def test_a_refresh_asked_by_a_member_adds_hcc_recapture_tasks_once(
    entity_a, aco_coordinator, make_bene, make_risk_score
):
    bene = make_bene(entity_a)
    make_risk_score(bene, AS_OF.year, [("226", "Heart Failure"), ("38", "Diabetes")])
    make_risk_score(bene, AS_OF.year + 1, [("226", "Heart Failure")])
    care_refresh(entity=entity_a, as_of=AS_OF)
    assert not WorklistItem.objects.filter(kind=ItemKind.HCC_RECAPTURE).exists()
    care_refresh(entity=entity_a, as_of=AS_OF, acting_user=aco_coordinator)
    care_refresh(entity=entity_a, as_of=AS_OF, acting_user=aco_coordinator)
    items = WorklistItem.objects.filter(kind=ItemKind.HCC_RECAPTURE)
    assert [i.title for i in items] == ["HCC recapture: V28 38"]
    assert items[0].due_date == date(AS_OF.year, 12, 31)
