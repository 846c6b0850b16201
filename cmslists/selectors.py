"""Reads of CMS's lists, scoped to a user (pages, API) or to an entity the caller has checked
(other apps: the roster of record in alignment.selectors, the engine's exclusions)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from cmslists.layouts import enrollment_flags
from cmslists.models import (
    ANNUAL_KINDS,
    REACH_KINDS,
    CmsList,
    CmsListBeneficiary,
    CmsListProvider,
    ExclusionReason,
    ListKind,
    Status,
)


def cms_list_list(*, user: Any, entity: Any = None) -> QuerySet[CmsList]:
    lists = CmsList.objects.for_user(user).select_related("entity", "loaded_by")
    return lists.filter(entity=entity) if entity is not None else lists


def cms_list_get(*, user: Any, list_id: int) -> CmsList:
    """One list the user may see; `CmsList.DoesNotExist` otherwise (a 404)."""
    return cms_list_list(user=user).get(pk=list_id)


def cms_list_covering(
    *, entity: Any, performance_year: int, period: int | None = None
) -> CmsList | None:
    """The CMS list that covers the entity's performance year and period, or None.

    `period` None asks for the year as it stands: the final (annual) list if CMS has sent it,
    else the latest-dated list of the year. A quarter (1-4) is covered by the final list, else
    by that quarter's list (the latest dated if CMS re-sent it), else by the year's prospective
    list. A quarterly list never covers another quarter.
    """
    lists = list(
        CmsList.objects.filter(entity=entity, performance_year=performance_year).order_by(
            "-list_date", "-id"
        )
    )
    final = [cms_list for cms_list in lists if cms_list.kind == ListKind.MSSP_FINAL]
    if final:
        return final[0]
    if not period:
        return lists[0] if lists else None
    quarterly = [x for x in lists if x.period == period and x.kind not in ANNUAL_KINDS]
    if quarterly:
        return quarterly[0]
    annual = [x for x in lists if x.kind in ANNUAL_KINDS]
    return annual[0] if annual else None


def cms_list_assigned(
    *, cms_list: CmsList, beneficiary_ids: list[int] | None = None
) -> list[tuple[int, str]]:
    """(beneficiary id, attributed TIN) of every assigned beneficiary of the list (of those of
    `beneficiary_ids` when given), by id. The TIN is the voluntary-alignment TIN if CMS gives
    one, else the participant TIN with the most primary care services in the list's TIN table
    (ties: the lowest TIN), else blank."""
    only = {} if beneficiary_ids is None else {"beneficiary_id__in": beneficiary_ids}
    rows = list(
        CmsListBeneficiary.objects.filter(cms_list=cms_list, status=Status.ASSIGNED, **only)
        .order_by("beneficiary_id")
        .values_list("beneficiary_id", "voluntary_tin")
    )
    best: dict[int, tuple[int, str]] = {}
    # The TIN tables (1-2, the REACH report's TIN), not Table 1-4's per-NPI counts.
    for bene, tin, count in (
        CmsListProvider.objects.filter(cms_list=cms_list, kind="tin", **only)
        .exclude(source_table="1-4")
        .values_list("beneficiary_id", "identifier", "service_count")
    ):
        current = best.get(bene)
        if current is None or (-count, tin) < (-current[0], current[1]):
            best[bene] = (count, tin)
    return [(bene, va_tin or best.get(bene, (0, ""))[1]) for bene, va_tin in rows]


def cms_list_assigned_npis(*, cms_list: CmsList) -> dict[int, str]:
    """Beneficiary id -> the clinician (NPI) each assigned beneficiary of the list is assigned
    through: the voluntary-alignment NPI if CMS gives one, else the NPI with the most primary
    care services in the list's TIN/NPI table (Table 1-4; the REACH report's NPI) under the
    beneficiary's attributed TIN (`cms_list_assigned`; ties: the lowest NPI), else blank."""
    tins = dict(cms_list_assigned(cms_list=cms_list))
    out = dict(
        CmsListBeneficiary.objects.filter(cms_list=cms_list, status=Status.ASSIGNED).values_list(
            "beneficiary_id", "voluntary_npi"
        )
    )
    best: dict[int, tuple[int, str]] = {}
    for bene, tin, npi, count in (
        CmsListProvider.objects.filter(cms_list=cms_list, kind="tin")
        .exclude(npi="")
        .values_list("beneficiary_id", "identifier", "npi", "service_count")
    ):
        if bene not in tins or tin != tins[bene]:
            continue
        current = best.get(bene)
        if current is None or (-count, npi) < (-current[0], current[1]):
            best[bene] = (count, npi)
    return {bene: npi or best.get(bene, (0, ""))[1] for bene, npi in out.items()}


def cms_list_rows(*, cms_list: CmsList, status: str = "") -> QuerySet[CmsListBeneficiary]:
    rows = CmsListBeneficiary.objects.filter(cms_list=cms_list).select_related("beneficiary")
    return rows.filter(status=status) if status else rows


def cms_exclusions(
    *, entity: Any, performance_year: int, on_or_before: dt.date | None = None
) -> dict[int, set[str]]:
    """Beneficiary id -> CMS's exclusion reasons for the performance year, from every list of
    the year dated on or before `on_or_before` (all of them when None): what the alignment
    engine cannot see in the claims (Medicare Advantage months, another shared savings
    initiative, residence outside the US). A reason stays once CMS has given it in the year."""
    rows = CmsListBeneficiary.objects.filter(
        cms_list__entity=entity,
        cms_list__performance_year=performance_year,
        status=Status.EXCLUDED,
    )
    if on_or_before is not None:
        rows = rows.filter(cms_list__list_date__lte=on_or_before)
    found: dict[int, set[str]] = defaultdict(set)
    for bene, reason in rows.values_list("beneficiary_id", "reason"):
        found[bene].add(reason)
    return dict(found)


REASON_LABELS = dict(ExclusionReason.choices)


def cms_list_latest_year(*, entity: Any) -> int | None:
    """The newest performance year the entity has a CMS list for."""
    return (
        CmsList.objects.filter(entity=entity)
        .order_by("-performance_year")
        .values_list("performance_year", flat=True)
        .first()
    )


def cms_list_member_rows(
    *, cms_list: CmsList, beneficiary_ids: list[int] | None = None
) -> list[tuple[int, str, str]]:
    """(beneficiary id, attributed TIN, NPI) of the list's assigned beneficiaries (of those of
    `beneficiary_ids` when given), by id: the TIN as `cms_list_assigned` chooses it, the NPI the
    list names for it (the voluntarily designated clinician, else the REACH report's aligning
    NPI or the Assignment List Report's Table 1-4 NPI with the most services), else blank."""
    only = {} if beneficiary_ids is None else {"beneficiary_id__in": beneficiary_ids}
    voluntary = dict(
        CmsListBeneficiary.objects.filter(cms_list=cms_list, status=Status.ASSIGNED, **only)
        .exclude(voluntary_npi="")
        .values_list("beneficiary_id", "voluntary_npi")
    )
    npis: dict[tuple[int, str], str] = {}
    # Of a TIN's NPIs (Table 1-4 gives one row per NPI), the one with the most primary care
    # services (ties: the lowest NPI).
    for bene, tin, npi in (
        CmsListProvider.objects.filter(cms_list=cms_list, kind="tin", **only)
        .exclude(npi="")
        .order_by("-service_count", "npi")
        .values_list("beneficiary_id", "identifier", "npi")
    ):
        npis.setdefault((bene, tin), npi)
    return [
        (bene, tin, voluntary.get(bene) or npis.get((bene, tin), ""))
        for bene, tin in cms_list_assigned(cms_list=cms_list, beneficiary_ids=beneficiary_ids)
    ]


def cms_list_previous(*, cms_list: CmsList) -> CmsList | None:
    """The entity's list of the same year before this one (by list date, then load order)."""
    return (
        CmsList.objects.filter(
            entity_id=cms_list.entity_id, performance_year=cms_list.performance_year
        )
        .filter(
            Q(list_date__lt=cms_list.list_date)
            | Q(list_date=cms_list.list_date, id__lt=cms_list.pk)
        )
        .order_by("-list_date", "-id")
        .first()
    )


def cms_lists_current(*, entity_ids: list[int]) -> dict[int, CmsList]:
    """Each entity's list of its newest listed year, as `cms_list_covering` picks it for the
    year as it stands (the final list, else the latest dated): one query for all of them."""
    newest: dict[int, list[CmsList]] = {}
    for cms_list in CmsList.objects.filter(entity_id__in=entity_ids).order_by(
        "entity_id", "-performance_year", "-list_date", "-id"
    ):
        year_lists = newest.setdefault(cms_list.entity_id, [])
        if not year_lists or year_lists[0].performance_year == cms_list.performance_year:
            year_lists.append(cms_list)
    return {
        entity_id: next((x for x in lists if x.kind == ListKind.MSSP_FINAL), lists[0])
        for entity_id, lists in newest.items()
    }


def cms_list_assigned_ids(*, cms_list_ids: list[int]) -> dict[int, set[int]]:
    """List id -> the ids of its assigned beneficiaries (one query)."""
    out: dict[int, set[int]] = {pk: set() for pk in cms_list_ids}
    for list_id, bene in CmsListBeneficiary.objects.filter(
        cms_list_id__in=cms_list_ids, status=Status.ASSIGNED
    ).values_list("cms_list_id", "beneficiary_id"):
        out[list_id].add(bene)
    return out


#: Lists whose ENROLLFLAG1..12 months are January to December of the performance year: the
#: annual (final) list, and the fourth quarter's list, whose twelve-month assignment window is
#: the calendar year. The other lists' windows end before the year does.
ENROLLMENT_FLAG_WINDOW_IS_YEAR = ((ListKind.MSSP_FINAL, 0), (ListKind.MSSP_QUARTERLY, 4))


@dataclass(frozen=True)
class ListEnrollment:
    """What a list says of some beneficiaries' enrollment in its performance year.

    `months`: (beneficiary id, month 1-12, enrollment type) for each month CMS gives an
    enrollment type; `left_out`: (beneficiary id, why) for each beneficiary whose months the
    list cannot give (no flags, a code without a documented meaning, a list whose flags are
    another window's, a report with no flags at all)."""

    months: list[tuple[int, int, str]]
    left_out: list[tuple[int, str]]


def cms_list_enrollment(*, cms_list: CmsList, beneficiary_ids: list[int]) -> ListEnrollment:
    """The monthly enrollment type of the list's assigned `beneficiary_ids` in its performance
    year, from Table 1-1's ENROLLFLAG1..12 and the meanings of `layouts/enrollflag.csv`: for
    the people CCLF never described (no Medicare status code), so that they keep their place in
    the benchmark and settlement populations. Nothing is guessed: whoever the list cannot place
    is returned in `left_out` with the reason."""
    flags = enrollment_flags()
    rows = list(
        CmsListBeneficiary.objects.filter(
            cms_list=cms_list, status=Status.ASSIGNED, beneficiary_id__in=beneficiary_ids
        )
        .order_by("beneficiary_id")
        .values_list("beneficiary_id", "enrollment_months", "source_table", "source_line")
    )
    listed = {bene for bene, *_ in rows}
    months: list[tuple[int, int, str]] = []
    left_out: list[tuple[int, str]] = [
        (bene, f"not assigned on {cms_list.label}")
        for bene in sorted(set(beneficiary_ids) - listed)
    ]
    if cms_list.kind in REACH_KINDS:
        why = (
            "CMS's ACO REACH alignment report gives no monthly enrollment type, and CCLF never "
            "described the beneficiary (no Medicare status code)"
        )
        return ListEnrollment([], left_out + [(bene, why) for bene, *_ in rows])
    covers_year = (cms_list.kind, cms_list.period) in ENROLLMENT_FLAG_WINDOW_IS_YEAR
    for bene, flag_months, table, line in rows:
        where = f"Table {table} line {line}"
        if not covers_year:
            left_out.append(
                (
                    bene,
                    f"{where}: the enrollment flags of {cms_list.label} are its assignment "
                    "window's months, not January to December of the performance year (the "
                    "final list or the fourth quarter's list gives those)",
                )
            )
            continue
        if not flag_months:
            left_out.append((bene, f"{where}: no enrollment flags (ENROLLFLAG1..12)"))
            continue
        unknown = sorted({code for code in flag_months if code not in flags})
        if unknown:
            left_out.append(
                (
                    bene,
                    f"{where}: enrollment flag code {', '.join(unknown)} has no meaning in the "
                    "Assignment List Report data dictionary as the platform holds it",
                )
            )
            continue
        placed = [
            (bene, month, flags[code].enrollment_type)
            for month, code in enumerate(flag_months, start=1)
            if flags[code].enrollment_type
        ]
        if not placed:
            left_out.append((bene, f"{where}: not enrolled in Part A and Part B in any month"))
        months.extend(placed)
    return ListEnrollment(months, left_out)


def cms_list_of_record_on(*, entity: Any, performance_year: int, on: dt.date) -> CmsList | None:
    """The list of record of the performance year as it stood on `on`: of the lists dated on or
    before it, the final list, else the latest dated (a later list does not change what a run
    as of `on` saw)."""
    lists = list(
        CmsList.objects.filter(
            entity=entity, performance_year=performance_year, list_date__lte=on
        ).order_by("-list_date", "-id")
    )
    final = [x for x in lists if x.kind == ListKind.MSSP_FINAL]
    chosen = final or lists
    return chosen[0] if chosen else None
