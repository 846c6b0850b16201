"""A beneficiary who declined data sharing on the care side: the refresh derives nothing from
their claims from the date CMS gives, and the beneficiary page says so (42 CFR 425.708)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from care.models import CareGap, CareProfile, ClaimEvent, ItemKind, WorklistItem
from care.services import care_refresh, worklist_item_create
from datasharing.services import data_sharing_file_load

pytestmark = pytest.mark.django_db
OPTED_OUT = date(2025, 6, 1)


def decline(entity, *benes, effective: date = OPTED_OUT, on: date = date(2025, 6, 30)) -> None:
    rows = "".join(f"{b.current_mbi},N,,{effective:%Y-%m-%d}\n" for b in benes)
    data_sharing_file_load(
        entity=entity,
        kind="mssp_status",
        content=("MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT\n" + rows).encode(),
        name=f"status-{on:%Y%m%d}.csv",
        file_date=on,
    )


@pytest.fixture
def two(entity_a, make_bene, add_inpatient, add_visit):
    """Two people with the same claims: a stay without follow-up, an ED visit, diabetes without
    HbA1c, no wellness visit. The first declined data sharing from 1 June 2025."""
    people = [make_bene(entity_a, birth_date=date(1948, 3, 1), sex_code="1") for _ in range(2)]
    for n, bene in enumerate(people):
        add_inpatient(bene, 500 + n, date(2025, 6, 18), date(2025, 6, 22))
        add_visit(bene, 600 + n, date(2025, 6, 25), "99284", dx="E119")
    decline(entity_a, people[0])
    return people


def derived(bene) -> tuple[int, int, int]:
    return (
        CareGap.objects.filter(beneficiary=bene).count(),
        WorklistItem.objects.filter(beneficiary=bene).exclude(source_key="").count(),
        ClaimEvent.objects.filter(beneficiary=bene).count(),
    )


def test_nothing_is_derived_from_their_claims_after_the_date_cms_gives(entity_a, two):
    out, shared = two
    care_refresh(entity=entity_a, as_of=date(2025, 6, 30))
    assert derived(out) == (0, 0, 0)
    _, _, events = derived(shared)
    assert "awv" in set(CareGap.objects.filter(beneficiary=shared).values_list("gap", flat=True))
    assert set(WorklistItem.objects.filter(beneficiary=shared).values_list("kind", flat=True)) == {
        ItemKind.DISCHARGE_FOLLOW_UP, ItemKind.ED_VISIT, ItemKind.AWV_DUE,
    }  # fmt: skip
    assert events == 2
    # They keep their place on the roster: a profile, with nothing from claims in it.
    profile = CareProfile.objects.get(beneficiary=out)
    assert (profile.last_inpatient_discharge, profile.last_ed_visit, profile.open_gap_count) == (
        None,
        None,
        0,
    )
    assert profile.spend_this_year is None
    assert CareProfile.objects.get(beneficiary=shared).last_inpatient_discharge == date(2025, 6, 22)


def test_the_effective_date_decides_and_open_tasks_from_their_claims_are_dismissed(
    entity_a, aco_coordinator, make_bene, add_inpatient, add_visit
):
    bene = make_bene(entity_a)
    add_inpatient(bene, 700, date(2025, 5, 10), date(2025, 5, 14))
    decline(entity_a, bene, effective=date(2025, 6, 1), on=date(2025, 5, 31))
    # As of 20 May the preference is not in force yet: the refresh sees their claims.
    care_refresh(entity=entity_a, as_of=date(2025, 5, 20))
    follow_up = WorklistItem.objects.get(beneficiary=bene, kind=ItemKind.DISCHARGE_FOLLOW_UP)
    assert CareGap.objects.filter(beneficiary=bene).exists()
    by_hand = worklist_item_create(
        entity=entity_a, beneficiary=bene, title="Arrange transport", acting_user=aco_coordinator
    )
    # As of 30 June it is: nothing new, the open task from claims dismissed with the reason,
    # the task added by hand kept.
    care_refresh(entity=entity_a, as_of=date(2025, 6, 30))
    assert derived(bene)[0::2] == (0, 0)
    follow_up.refresh_from_db()
    assert follow_up.status == "dismissed"
    assert "declined data sharing" in follow_up.dismissed_reason
    assert "2025-06-01" in follow_up.dismissed_reason
    assert follow_up.notes.get().status_to == "dismissed"
    by_hand.refresh_from_db()
    assert by_hand.status == "open"


def test_the_beneficiary_page_says_declined_data_sharing_and_what_the_team_may_do(
    entity_a, two, client_a, client_b
):
    out, shared = two
    # A refresh from before the file: the page still shows nothing from their claims.
    care_refresh(entity=entity_a, as_of=date(2025, 5, 31))
    care_refresh(entity=entity_a, as_of=date(2025, 6, 30))
    page = client_a.get(reverse("care:beneficiary", args=[entity_a.pk, out.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Declined data sharing" in html
    assert "effective 2025-06-01" in html
    assert "Monthly Beneficiary Data Sharing Status file of 2025-06-30" in html
    assert "42 CFR 425.708" in html
    assert "What the care team may still do" in html
    assert "99284" not in html  # no claim on the timeline
    assert "Not shown: CMS does not share this person" in html
    other = client_a.get(
        reverse("care:beneficiary", args=[entity_a.pk, shared.pk])
    ).content.decode()
    assert "Declined data sharing" not in other
    assert "99284" in other
    roster = client_a.get(reverse("care:roster", args=[entity_a.pk])).content.decode()
    # One row says so in each column read from claims (care.roster_columns).
    from care.roster_columns import COLUMNS, WITHHELD

    assert roster.count(WITHHELD) == sum(c.from_claims for c in COLUMNS)
    # Another entity's user: a 404, whatever the data-sharing state.
    assert client_b.get(reverse("care:beneficiary", args=[entity_a.pk, out.pk])).status_code == 404
