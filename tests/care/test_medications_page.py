"""The medication panel of a beneficiary page: Part D fills (CCLF7) named, their last fill and
days' supply, refill gaps and the proportion of days covered; nothing for a person whose claims
CMS withholds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from care.services import care_refresh
from tests.care.test_data_sharing import decline

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)
STATIN = "67877051290"  # atorvastatin 20 mg, 90 tablets (core/data/part_d_drugs.csv)
APIXABAN = "00003089421"


def test_the_page_lists_fills_with_refill_gaps_and_leaves_out_a_withheld_person(
    entity_a, make_bene, add_visit, add_fill, aco_coordinator, login_client
):
    bene, out = make_bene(entity_a), make_bene(entity_a)
    for person, base in ((bene, 0), (out, 100)):
        add_visit(person, 9200 + base, AS_OF - timedelta(days=3), "99213", dx="I4891")
        # The statin every 90 days from 2 January; apixaban 30 days from 1 March, not covered
        # from 30 April to 20 May, and nothing after 19 June.
        add_fill(person, 9300 + base, date(2025, 1, 2), STATIN, 90)
        add_fill(person, 9301 + base, date(2025, 4, 2), STATIN, 90)
        add_fill(person, 9302 + base, date(2025, 3, 1), APIXABAN, 30)
        add_fill(person, 9303 + base, date(2025, 3, 31), APIXABAN, 30)
        add_fill(person, 9304 + base, date(2025, 5, 21), APIXABAN, 30)
    decline(entity_a, out)
    care_refresh(entity=entity_a, as_of=AS_OF)
    client = login_client(aco_coordinator)
    page = client.get(reverse("care:beneficiary", args=[entity_a.pk, bene.pk]))
    rows = {r["ndc"]: r for r in page.context["medications"]["rows"]}
    statin, doac = rows["67877-0512-90"], rows["00003-0894-21"]
    assert (statin["last_fill"], statin["days_supply"], statin["gap_days"]) == (
        date(2025, 4, 2), 90, 0,
    )  # fmt: skip
    # Apixaban: 1 March to 30 June is 122 days; 30 April-20 May and 20-30 June not covered.
    assert (doac["pdc_percent"], doac["gap_days"], doac["adherent"]) == (74, 32, False)
    assert doac["without_supply"] == 11  # supply ran out on 19 June
    body = page.content.decode()
    assert "Apixaban 5 mg tablet (Eliquis)" in body
    assert "NDC 00003-0894-21" in body
    assert "74% of days covered</strong> (below 80%)" in body
    assert "Out of supply since 2025-06-19" in body
    # Declined data sharing: no fill of theirs reaches the page.
    page = client.get(reverse("care:beneficiary", args=[entity_a.pk, out.pk]))
    assert page.context["medications"] is None
    body = page.content.decode()
    assert "Atorvastatin" not in body
    assert "Not shown: CMS does not share this person" in body
