"""Finding a person from the header of every page: by MBI (in full, or its last characters
with a name or a date of birth), or by name and date of birth.

The terms arrive in a POST body and go nowhere else: not into a URL, a log or the access record
(which keeps only whom the search showed). Results link by the internal id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from beneficiaries.models import Beneficiary, BeneficiaryMbi
from core.logging import MBI_PATTERN

RESULT_LIMIT = 50
# The fewest trailing MBI characters a partial search takes (with a name or date of birth).
MIN_MBI_TAIL = 4


class SearchError(ValueError):
    """The terms cannot make a search (said to the user as is)."""


@dataclass(frozen=True)
class SearchTerms:
    mbi: str = ""
    mbi_tail: str = ""
    last_name: str = ""
    first_name: str = ""
    birth_date: date | None = None


def parse_terms(text: str, birth_date: date | None) -> SearchTerms:
    """Split what was typed into an MBI (a token of 11 characters in the MBI format), the last
    characters of one (a token with a digit), and a name ("Last", "Last, First" or
    "First Last"). Names hold no digits, MBIs end in two, so the two never mix up."""
    cleaned = text.replace("-", "").strip()
    if "," in cleaned:
        last, _, first = cleaned.partition(",")
        words = [*last.split(), *first.split()]
        order = "last_first"
    else:
        words = cleaned.split()
        order = "first_last"
    mbi = tail = ""
    names: list[str] = []
    for word in words:
        if any(ch.isdigit() for ch in word):
            if MBI_PATTERN.fullmatch(word):
                mbi = word.upper()
            elif word.isalnum() and MIN_MBI_TAIL <= len(word) < 11:
                tail = word.upper()
            else:
                raise SearchError(
                    f"An MBI is 11 characters; a partial MBI is its last {MIN_MBI_TAIL} to 10."
                )
        else:
            names.append(word)
    first = last = ""
    if len(names) == 1:
        last = names[0]
    elif names:
        if order == "last_first":
            last, first = names[0], " ".join(names[1:])
        else:
            first, last = names[0], " ".join(names[1:])
    terms = SearchTerms(
        mbi=mbi, mbi_tail=tail, last_name=last, first_name=first, birth_date=birth_date
    )
    if tail and not (last or birth_date):
        raise SearchError(
            "The last characters of an MBI find a person only with their name or date of birth."
        )
    if not (mbi or last or birth_date):
        raise SearchError("Type an MBI, a name or a date of birth.")
    return terms


def beneficiary_search(*, user: Any, terms: SearchTerms) -> list[Beneficiary]:
    """The people of the user's entities matching every given term, by name, at most
    RESULT_LIMIT. A full MBI matches any MBI the entity received for the person (a replaced one
    too, through the CCLF9 crosswalk)."""
    qs: QuerySet[Beneficiary] = Beneficiary.objects.for_user(user).filter(merged_into__isnull=True)
    if terms.mbi:
        held = BeneficiaryMbi.objects.for_user(user).filter(mbi=terms.mbi)
        qs = qs.filter(Q(current_mbi=terms.mbi) | Q(pk__in=held.values("beneficiary_id")))
    if terms.mbi_tail:
        qs = qs.filter(current_mbi__endswith=terms.mbi_tail)
    if terms.last_name:
        qs = qs.filter(last_name__istartswith=terms.last_name)
    if terms.first_name:
        qs = qs.filter(first_name__istartswith=terms.first_name)
    if terms.birth_date:
        qs = qs.filter(birth_date=terms.birth_date)
    return list(
        qs.select_related("entity", "care").order_by("last_name", "first_name", "id")[:RESULT_LIMIT]
    )
