"""The header search: by MBI (in full, or its last characters with a name or date of birth),
by name and date of birth; a POST whose terms reach no URL, log or access record."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from beneficiaries.models import BeneficiaryMbi
from care.search import SearchError, SearchTerms, parse_terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(entity_a, entity_b, make_bene, aco_coordinator, login_client):
    abbott = make_bene(entity_a, last_name="Abbott", first_name="Ann", birth_date=date(1948, 3, 9))
    abbey = make_bene(entity_a, last_name="Abbey", first_name="Bo", birth_date=date(1951, 6, 1))
    other = make_bene(entity_b, last_name="Abbott", first_name="Ann", birth_date=date(1948, 3, 9))
    return {
        "abbott": abbott,
        "abbey": abbey,
        "other": other,
        "client": login_client(aco_coordinator),
    }


URL = reverse("care:search")


@pytest.mark.parametrize(
    ("text", "dob", "terms"),
    [
        ("1eg4-te5-mk73", None, SearchTerms(mbi="1EG4TE5MK73")),
        ("mk73 Abbott", None, SearchTerms(mbi_tail="MK73", last_name="Abbott")),
        ("Abbott, Ann", None, SearchTerms(last_name="Abbott", first_name="Ann")),
        ("Ann Abbott", None, SearchTerms(last_name="Abbott", first_name="Ann")),
        ("", date(1948, 3, 9), SearchTerms(birth_date=date(1948, 3, 9))),
    ],
)
def test_what_was_typed_is_read_as_an_mbi_its_tail_or_a_name(text, dob, terms):
    assert parse_terms(text, dob) == terms


@pytest.mark.parametrize("text", ["", "MK73", "1EG4", "12AB-"])
def test_a_tail_alone_or_nothing_is_refused_with_the_reason(text):
    with pytest.raises(SearchError):
        parse_terms(text, None)


def test_a_full_mbi_opens_the_persons_page_and_the_search_is_recorded(
    people, entity_a, aco_coordinator, caplog
):
    caplog.set_level(logging.DEBUG)
    bene = people["abbott"]
    response = people["client"].post(URL, {"q": bene.current_mbi, "dob": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("care:beneficiary", args=[entity_a.pk, bene.pk])
    record = AccessRecord.objects.get(user=aco_coordinator, purpose="search")
    assert record.beneficiary_ids == [bene.pk]
    assert record.route == "care:search"
    assert bene.current_mbi not in "\n".join(r.getMessage() for r in caplog.records)


def test_a_replaced_mbi_finds_the_person_through_the_crosswalk(people, entity_a):
    bene = people["abbey"]
    BeneficiaryMbi.objects.create(
        entity=entity_a, mbi="9AA9AA9AA99", beneficiary=bene, first_seen_on=date(2024, 1, 1)
    )
    response = people["client"].post(URL, {"q": "9AA9AA9AA99"})
    assert response["Location"].endswith(f"/beneficiaries/{bene.pk}/")


def test_the_last_characters_with_a_name_or_birth_date_and_names_list_several(people):
    client, bene = people["client"], people["abbott"]
    tail = bene.current_mbi[-4:]
    assert client.post(URL, {"q": f"{tail} abb"}).status_code == 302
    assert client.post(URL, {"q": tail, "dob": "1948-03-09"}).status_code == 302
    response = client.post(URL, {"q": "Abb"})
    assert [b.pk for b in response.context["results"]] == [people["abbey"].pk, bene.pk]
    body = response.content.decode()
    assert bene.current_mbi not in body
    assert bene.masked_mbi in body
    refused = client.post(URL, {"q": tail}).content.decode()
    assert "only with their name or date of birth" in refused


def test_another_entitys_people_are_never_found(people):
    other = people["other"]
    response = people["client"].post(URL, {"q": other.current_mbi})
    assert response.status_code == 200
    assert response.context["results"] == []
    names = people["client"].post(URL, {"q": "Abbott, Ann", "dob": "1948-03-09"})
    assert names.status_code == 302
    assert names["Location"].endswith(f"/beneficiaries/{people['abbott'].pk}/")


def test_a_get_never_searches_and_the_header_form_posts_on_every_page(people):
    client, bene = people["client"], people["abbott"]
    response = client.get(URL, {"q": bene.current_mbi})
    assert response.status_code == 200
    assert response.context["results"] == []
    home = client.get(reverse("care:today")).content.decode()
    assert f'action="{URL}"' in home
    assert 'class="header-search" method="post"' in home


def test_the_search_needs_the_second_factor(entity_a, aco_coordinator):
    from tests.login import password_only_client

    response = password_only_client(aco_coordinator).post(URL, {"q": "Abbott"})
    assert response.status_code == 302
    assert "totp" in response["Location"]
