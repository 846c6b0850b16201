"""The roster of record on the coordinator's overview: its source and date, and the program
minimum with its margin; another entity's user gets a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from cmslists.services import cms_list_load

pytestmark = pytest.mark.django_db

H11 = "BENE_MBI_ID,BENE_LAST_NAME,EXCLUDED,OTHER_SHARED_SAV_INIT"


def load_list(entity: Any, assigned: int, excluded: int = 0) -> Any:
    rows = [f"1AC0AC0AA{i:02d},X,0,0" for i in range(assigned)]
    rows += [f"1AC0AC0AC{i:02d},X,1,1" for i in range(excluded)]
    body = ("\n".join([H11, *rows]) + "\n").encode()
    return cms_list_load(
        entity=entity,
        kind="mssp_quarterly",
        performance_year=2025,
        period=4,
        list_date=dt.date(2025, 11, 14),
        files=[("P.A9001.ACO.QALR.2025Q4.D259999.T0200000_1-1.csv", body)],
    ).cms_list


def test_overview_labels_the_cms_list_and_warns_below_the_mssp_minimum(
    entity_a: Any, client_a: Any, client_b: Any
) -> None:
    url = reverse("care:overview", args=[entity_a.pk])
    page = client_a.get(url).content.decode()
    assert "Roster of record" not in page  # no list and no run yet
    load_list(entity_a, assigned=3, excluded=2)
    page = client_a.get(url).content.decode()
    assert 'data-source="cms_list"' in page
    assert "MSSP quarterly preliminary prospective assignment list PY2025 Q4 of 2025-11-14" in page
    assert "list date 2025-11-14" in page
    # 5,000 - 3 = 4,997 short (42 CFR 425.110).
    assert "short by 4,997" in page
    assert "42 CFR 425.110" in page
    assert client_b.get(url).status_code == 404


REACH_HEADER = "BENE_MBI_ID,ALGN_STATUS,EXCLUSION_REASON,VA_FLAG,VA_NPI"


def test_reach_minimum_by_entity_type_and_year(entity_b: Any) -> None:
    from alignment.selectors import program_minimum_check, roster_of_record
    from entities.models import EntityYear, Track

    body = (REACH_HEADER + "\n1AC0AC0AD01,A,,0,\n1AC0AC0AD02,A,,1,1234567893\n").encode()
    cms_list_load(
        entity=entity_b,
        kind="reach_prospective",
        performance_year=2025,
        list_date=dt.date(2025, 1, 10),
        files=[("P.D9002.BAR.2025.PROSPECTIVE.D259999.csv", body)],
    )
    roster = roster_of_record(entity=entity_b, performance_year=2025)
    unknown = program_minimum_check(entity=entity_b, roster=roster)
    assert unknown is not None
    assert unknown.minimum is None
    assert "entity type" in unknown.note
    EntityYear.objects.create(
        entity=entity_b,
        performance_year=2025,
        track=Track.objects.get(program=entity_b.program, code="global"),
        entity_type=Track.objects.get(program=entity_b.program, code="new_entrant"),
    )
    check = program_minimum_check(entity=entity_b, roster=roster)
    assert check is not None
    # domain.md 1.4: a New Entrant needs 4,000 aligned beneficiaries in PY2025; 2 are on the list.
    assert (check.minimum, check.count, check.margin, check.shortfall) == (4000, 2, -3998, 3998)
    assert check.below
    assert "5.03" in check.source


def test_entity_year_page_shows_the_roster_of_record_and_minimum(
    entity_a: Any, aco_analyst: Any, other_entity_user: Any, login_client: Any
) -> None:
    load_list(entity_a, assigned=4)
    url = reverse("settlement:entity_year", args=[entity_a.pk, 2025])
    page = login_client(aco_analyst).get(url).content.decode()
    assert 'data-source="cms_list"' in page
    assert "4 assigned beneficiaries on CMS's list" in page
    assert "list date 2025-11-14" in page
    assert "short by 4,996" in page  # 5,000 - 4
    assert login_client(other_entity_user).get(url).status_code == 404
