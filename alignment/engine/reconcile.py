"""Reconciliation of the platform's alignment run with CMS's own list, person by person.

Every person either side knows of falls in one of four groups: on both (CMS's list and aligned by
the run), CMS only, ours only, or neither. Each difference (CMS only, ours only) gets the most
likely cause the data at hand supports, tested in a fixed order so that the answer never depends
on row order:

CMS only (CMS aligns them, the run does not)
  1. data sharing: CMS withholds the person's data (a data-sharing opt-out, or suppression; the
     CCLF Information Packet, section 2.4, says the monthly files leave them out), or the person
     is in no delivered claims or beneficiary file;
  2. death or eligibility: the run's eligibility screen failed them (42 CFR 425.401(a); SLAAM
     section 2.1 Table 1 criteria A-D), or they died before the performance year;
  3. voluntary alignment: CMS's list flags a voluntary alignment the run did not apply
     (42 CFR 425.402(e); SLAAM section 2.2);
  4. participant-list change: the TIN CMS names, or the TIN that won the run's plurality, is on
     one list of participants and not the other;
  5. plurality margin: the run lost the plurality (or a tie) by no more than the stated amount;
  6. claims run-out or coverage: the run had no qualifying service or lost the plurality, and
     its claims end before the claims CMS's list used, or begin after its window does;
  7. unexplained.

Ours only (the run aligns them, CMS does not)
  1. Medicare Advantage or another initiative: CMS's excluded-beneficiary table says so
     (criteria B and C);
  2. death or eligibility: CMS's table gives death, Part A/B months or residence (criteria A and
     D), or either side records a death before the performance year;
  3. data sharing: the run aligned them on claims, and CMS withholds their data (a data-sharing
     opt-out or suppression): the deliveries after that date leave their claims out, which CMS
     still counts (CCLF Information Packet 2.4), so later services may have moved the plurality;
  4. voluntary alignment: the run aligned them by a designation CMS's list does not flag;
  5. participant-list change: the run's attributed TIN is not among the TINs of CMS's list;
  6. plurality margin: the run's plurality was won by no more than the stated amount;
  7. claims run-out or coverage: the service that aligns them is after the claims CMS's list
     used, or CMS's list used claims after the run's, or the run's window starts before its
     claims do (services CMS counts and the run cannot see may have moved the plurality);
  8. unexplained (CMS's own reason, when it gave one, is kept beside it).

The plurality margin is a reading aid, not a CMS rule: the caller states the amount and the page
says so. Pure pandas and numpy: the caller passes the dates, TIN lists and margin.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from alignment.engine import columns as c
from alignment.engine.vocabulary import Reason, Step


class Group(StrEnum):
    BOTH = "both"
    CMS_ONLY = "cms_only"
    OURS_ONLY = "ours_only"
    NEITHER = "neither"

    @property
    def label(self) -> str:
        return GROUP_LABELS[self]


GROUP_LABELS: dict[Group, str] = {
    Group.BOTH: "On CMS's list and aligned by the platform",
    Group.CMS_ONLY: "On CMS's list only",
    Group.OURS_ONLY: "Aligned by the platform only",
    Group.NEITHER: "Aligned by neither",
}


class Cause(StrEnum):
    """The most likely cause of a difference."""

    MA_OR_OTHER_INITIATIVE = "ma_or_other_initiative"
    DATA_SHARING = "data_sharing"
    VOLUNTARY = "voluntary"
    PLURALITY_MARGIN = "plurality_margin"
    CLAIMS_RUNOUT = "claims_runout"
    PARTICIPANT_LIST = "participant_list"
    DEATH_OR_ELIGIBILITY = "death_or_eligibility"
    UNEXPLAINED = "unexplained"

    @property
    def label(self) -> str:
        return CAUSE_LABELS[self]


CAUSE_LABELS: dict[Cause, str] = {
    Cause.MA_OR_OTHER_INITIATIVE: "Medicare Advantage or another shared-savings initiative",
    Cause.DATA_SHARING: "Data withheld by CMS (data-sharing preference or suppression)",
    Cause.VOLUNTARY: "Voluntary alignment",
    Cause.PLURALITY_MARGIN: "Plurality decided by a small margin",
    Cause.CLAIMS_RUNOUT: "Claims run-out or coverage (the two sides saw claims of different dates)",
    Cause.PARTICIPANT_LIST: "Participant list differs",
    Cause.DEATH_OR_ELIGIBILITY: "Death or eligibility",
    Cause.UNEXPLAINED: "No cause found in the data at hand",
}


class Exclusion(StrEnum):
    """CMS's reason for excluding a beneficiary, as the caller maps its list's reason codes."""

    MEDICARE_ADVANTAGE = "medicare_advantage"  # group health plan months (criterion B)
    OTHER_INITIATIVE = "other_initiative"  # another shared-savings initiative (criterion C)
    OUTSIDE_US = "outside_us"  # residence outside the US (criterion D)
    PART_A_B = "part_a_b"  # no month of Part A and B, or A-only / B-only months (criterion A)
    DECEASED = "deceased"
    PLURALITY = "plurality"  # the plurality went elsewhere
    NO_PRIMARY_CARE = "no_primary_care"  # no qualifying primary care service
    OTHER = "other"


_CMS_INELIGIBLE = {Exclusion.OUTSIDE_US, Exclusion.PART_A_B, Exclusion.DECEASED}
_CMS_MA_OTHER = {Exclusion.MEDICARE_ADVANTAGE, Exclusion.OTHER_INITIATIVE}
_NOT_ELIGIBLE = {r.value for r in Reason if r.value.startswith("not_eligible_")}
_LOST = {Reason.PLURALITY_LOST.value, Reason.TIE_LOST_MOST_RECENT.value, Reason.TIE_UNRESOLVED}
_NO_SERVICE = {Reason.NO_PRIMARY_CARE_SERVICE.value, Reason.NO_ENTITY_SERVICE.value}
_TIN_IN_LABEL = re.compile(r"TIN (\d{9})")


@dataclass(frozen=True)
class Context:
    """What the comparison is about and what each side saw.

    - `performance_year`: the list's performance year (a death before Jan 1 of it excludes).
    - `list_date`: the date of CMS's list.
    - `margin_cents`: the stated plurality margin, in cents.
    - `our_claims_through` / `cms_claims_through`: the last day of claims each side read (None
      when not known; the claims run-out test is then skipped).
    - `our_tins`: the participant TINs the run used; `cms_tins`: the TINs of CMS's list's TIN
      table (None when the list has none; the participant-list test then uses `CMS_TIN` only).
    - `our_claims_from`: the first day of the run's claims (None when not known);
      `window_start` / `expanded_window_start`: the first day of the run's assignment window
      and of its expanded window (step 3), None when not known or not used. A window that
      starts before the run's claims do holds services CMS counts and the run cannot see.
    """

    performance_year: int
    list_date: date
    margin_cents: int
    our_claims_through: date | None = None
    cms_claims_through: date | None = None
    our_tins: frozenset[str] = field(default_factory=frozenset)
    cms_tins: frozenset[str] | None = None
    our_claims_from: date | None = None
    window_start: date | None = None
    expanded_window_start: date | None = None


@dataclass(frozen=True)
class Summary:
    """Counts by group and by (group, cause), and the agreement rate: people both sides align
    as a share of those either side aligns (None when neither aligns anyone)."""

    total: int
    groups: dict[str, int]
    causes: dict[tuple[str, str], int]
    agreement_percent: Decimal | None


_OURS_DEFAULTS: dict[str, Any] = {
    c.PERSON: None,
    c.ALIGNED: False,
    c.STEP: "",
    c.REASON: "",
    c.ATTRIBUTED_TIN: "",
    c.ENTITY_ALLOWED_CENTS: 0,
    c.TOP_COMPETITOR: "",
    c.COMPETITOR_ALLOWED_CENTS: 0,
    c.ENTITY_LAST_SERVICE: pd.NaT,
    c.DEATH_DATE: pd.NaT,
    c.IN_DATA: True,
}
_CMS_DEFAULTS: dict[str, Any] = {
    c.PERSON: None,
    c.CMS_ASSIGNED: False,
    c.CMS_VOLUNTARY: False,
    c.CMS_TIN: "",
    c.CMS_EXCLUSION: "",
    c.CMS_EXCLUSION_TEXT: "",
    c.CMS_DEATH_DATE: pd.NaT,
}


def _with_columns(frame: pd.DataFrame, defaults: dict[str, Any]) -> pd.DataFrame:
    """The frame with every optional column present (an empty frame may have none at all)."""
    missing = {name: default for name, default in defaults.items() if name not in frame.columns}
    if not missing:
        return frame
    if c.PERSON in missing and len(frame):
        raise ValueError(f"The frame has no {c.PERSON!r} column.")
    return frame.assign(**{name: [default] * len(frame) for name, default in missing.items()})


def _filled(frame: pd.DataFrame, name: str, default: Any) -> pd.Series:
    """The column with its gaps (people the other side alone knows) set to the default."""
    column = _col(frame, name, default).astype(object)
    return column.where(column.notna(), default)


def _col(frame: pd.DataFrame, name: str, default: Any) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def _money(cents: int) -> str:
    return f"${Decimal(int(cents)).scaleb(-2):,.2f}"


def _day(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


def _tins(labels: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """The TIN in each competitor label ("TIN 123456789", "TIN 123456789 NPI ..."), or ""."""
    found = pd.Series(labels, dtype=object).astype(str).str.extract(_TIN_IN_LABEL, expand=False)
    return found.fillna("").to_numpy(dtype=object)


def reconcile(
    ours: pd.DataFrame,
    cms: pd.DataFrame,
    withheld: pd.DataFrame | None,
    context: Context,
) -> pd.DataFrame:
    """Compare the run with CMS's list.

    ours: one row per person in the run: PERSON, ALIGNED, STEP, REASON, ATTRIBUTED_TIN,
    ENTITY_ALLOWED_CENTS, TOP_COMPETITOR, COMPETITOR_ALLOWED_CENTS, ENTITY_LAST_SERVICE, and
    optionally DEATH_DATE and IN_DATA (False: the person is known only from CMS's list, no
    delivered beneficiary file carries them).
    cms: one row per person on CMS's list or its excluded table: PERSON, CMS_ASSIGNED, and
    optionally CMS_VOLUNTARY, CMS_TIN, CMS_EXCLUSION (an Exclusion value or ""),
    CMS_EXCLUSION_TEXT, CMS_DEATH_DATE.
    withheld: people whose data CMS withholds: PERSON and optionally WITHHELD_FROM (counted when
    it is on or before the later of the list date and the run's claims date). None when the
    data-sharing preferences are not known.

    Returns RECONCILE_COLUMNS, one row per person, ordered by group then person.
    """
    ours = _with_columns(ours, _OURS_DEFAULTS)
    cms = _with_columns(cms, _CMS_DEFAULTS)
    o = ours.set_index(c.PERSON)
    k = cms.set_index(c.PERSON)
    if o.index.has_duplicates or k.index.has_duplicates:
        raise ValueError("A person appears twice in one side's frame.")
    people = o.index.union(k.index)
    o = o.reindex(people)
    k = k.reindex(people)
    in_ours = people.isin(ours[c.PERSON])

    aligned = _filled(o, c.ALIGNED, False).to_numpy(dtype=bool)
    in_data = in_ours & _filled(o, c.IN_DATA, True).to_numpy(dtype=bool)
    assigned = _filled(k, c.CMS_ASSIGNED, False).to_numpy(dtype=bool)
    cms_voluntary = _filled(k, c.CMS_VOLUNTARY, False).to_numpy(dtype=bool)
    cms_tin = _filled(k, c.CMS_TIN, "").astype(str).to_numpy(dtype=object)
    exclusion = _filled(k, c.CMS_EXCLUSION, "").astype(str).to_numpy(dtype=object)
    exclusion_text = _filled(k, c.CMS_EXCLUSION_TEXT, "").astype(str).to_numpy(dtype=object)
    step = _filled(o, c.STEP, "").astype(str).to_numpy(dtype=object)
    reason = _filled(o, c.REASON, "").astype(str).to_numpy(dtype=object)
    our_tin = _filled(o, c.ATTRIBUTED_TIN, "").astype(str).to_numpy(dtype=object)
    entity_cents = _filled(o, c.ENTITY_ALLOWED_CENTS, 0).to_numpy(dtype=np.int64)
    competitor_cents = _filled(o, c.COMPETITOR_ALLOWED_CENTS, 0).to_numpy(dtype=np.int64)
    competitor = _filled(o, c.TOP_COMPETITOR, "").astype(str).to_numpy(dtype=object)
    last_service = pd.to_datetime(o[c.ENTITY_LAST_SERVICE]).to_numpy(dtype="datetime64[D]")
    py_start = np.datetime64(date(context.performance_year, 1, 1), "D")
    death = pd.to_datetime(_col(o, c.DEATH_DATE, pd.NaT)).to_numpy(dtype="datetime64[D]")
    cms_death = pd.to_datetime(_col(k, c.CMS_DEATH_DATE, pd.NaT)).to_numpy(dtype="datetime64[D]")
    died_before = ((death < py_start) & ~np.isnat(death)) | (
        (cms_death < py_start) & ~np.isnat(cms_death)
    )

    withheld_now = np.zeros(len(people), dtype=bool)
    withheld_day = np.full(len(people), np.datetime64("NaT"), dtype="datetime64[D]")
    if withheld is not None and not withheld.empty:
        w = withheld.copy()
        w[c.WITHHELD_FROM] = pd.to_datetime(_col(w, c.WITHHELD_FROM, pd.NaT))
        horizon = pd.Timestamp(max(context.list_date, context.our_claims_through or date.min))
        w = w[w[c.WITHHELD_FROM].isna() | (w[c.WITHHELD_FROM] <= horizon)]
        first = w.groupby(c.PERSON)[c.WITHHELD_FROM].min()
        withheld_now = people.isin(first.index)
        withheld_day = first.reindex(people).to_numpy(dtype="datetime64[D]")

    group = np.select(
        [assigned & aligned, assigned & ~aligned, ~assigned & aligned],
        [Group.BOTH.value, Group.CMS_ONLY.value, Group.OURS_ONLY.value],
        default=Group.NEITHER.value,
    ).astype(object)
    cms_only = group == Group.CMS_ONLY.value
    ours_only = group == Group.OURS_ONLY.value

    our_tins = context.our_tins
    cms_tins = context.cms_tins
    competitor_tin = _tins(competitor)
    margin = np.abs(entity_cents - competitor_cents) <= context.margin_cents
    cms_through = (
        np.datetime64(context.cms_claims_through, "D") if context.cms_claims_through else None
    )
    our_through = (
        np.datetime64(context.our_claims_through, "D") if context.our_claims_through else None
    )

    # The window each row was decided in (the expanded window for step 3 and the pre-step that
    # leads to it), and whether it starts before the run's claims do.
    starts_before_claims = np.zeros(len(people), dtype=bool)
    if context.our_claims_from is not None:
        first_claim = np.datetime64(context.our_claims_from, "D")
        wide = np.isin(step, [Step.STEP_3.value, Step.PRE_STEP.value])
        for starts, rows in (
            (context.window_start, ~wide),
            (context.expanded_window_start or context.window_start, wide),
        ):
            if starts is not None and np.datetime64(starts, "D") < first_claim:
                starts_before_claims |= rows
    window_start_of = np.where(
        np.isin(step, [Step.STEP_3.value, Step.PRE_STEP.value]),
        str(context.expanded_window_start or context.window_start or ""),
        str(context.window_start or ""),
    ).astype(object)

    # --- CMS only -------------------------------------------------------------------------
    lost = np.isin(reason, list(_LOST))
    ineligible = np.isin(reason, list(_NOT_ELIGIBLE))
    cms_tin_not_ours = (cms_tin != "") & ~np.isin(cms_tin, list(our_tins))
    competitor_on_cms = (
        np.isin(competitor_tin, list(cms_tins)) & ~np.isin(competitor_tin, list(our_tins))
        if cms_tins is not None
        else np.zeros(len(people), dtype=bool)
    )
    short_runout = (
        (our_through < cms_through)
        if (cms_through is not None and our_through is not None)
        else False
    )
    cms_only_cause = np.select(
        [
            withheld_now | ~in_data,
            ineligible | died_before,
            cms_voluntary & (step != Step.VOLUNTARY.value),
            cms_tin_not_ours | (lost & competitor_on_cms),
            lost & margin,
            (lost | np.isin(reason, list(_NO_SERVICE))) & (short_runout | starts_before_claims),
        ],
        [
            Cause.DATA_SHARING.value,
            Cause.DEATH_OR_ELIGIBILITY.value,
            Cause.VOLUNTARY.value,
            Cause.PARTICIPANT_LIST.value,
            Cause.PLURALITY_MARGIN.value,
            Cause.CLAIMS_RUNOUT.value,
        ],
        default=Cause.UNEXPLAINED.value,
    )

    # --- Ours only ------------------------------------------------------------------------
    by_claims = step != Step.VOLUNTARY.value
    tin_not_on_cms = (
        (our_tin != "") & ~np.isin(our_tin, list(cms_tins))
        if cms_tins is not None
        else np.zeros(len(people), dtype=bool)
    )
    after_cms_claims = (
        (last_service > cms_through) & ~np.isnat(last_service)
        if cms_through is not None
        else np.zeros(len(people), dtype=bool)
    )
    ours_only_cause = np.select(
        [
            np.isin(exclusion, list(_CMS_MA_OTHER)),
            np.isin(exclusion, list(_CMS_INELIGIBLE)) | died_before,
            by_claims & withheld_now & in_data,
            ~by_claims & ~cms_voluntary,
            tin_not_on_cms,
            by_claims & (competitor_cents > 0) & margin,
            by_claims & (after_cms_claims | short_runout | starts_before_claims),
        ],
        [
            Cause.MA_OR_OTHER_INITIATIVE.value,
            Cause.DEATH_OR_ELIGIBILITY.value,
            Cause.DATA_SHARING.value,
            Cause.VOLUNTARY.value,
            Cause.PARTICIPANT_LIST.value,
            Cause.PLURALITY_MARGIN.value,
            Cause.CLAIMS_RUNOUT.value,
        ],
        default=Cause.UNEXPLAINED.value,
    )

    cause = np.full(len(people), "", dtype=object)
    cause[cms_only] = cms_only_cause[cms_only]
    cause[ours_only] = ours_only_cause[ours_only]

    detail = np.full(len(people), "", dtype=object)
    for i in np.flatnonzero(cms_only | ours_only):
        detail[i] = _detail(
            Cause(cause[i]),
            cms_only=bool(cms_only[i]),
            in_ours=bool(in_data[i]),
            withheld_day=withheld_day[i],
            reason=reason[i],
            death=death[i] if not np.isnat(death[i]) else cms_death[i],
            cms_tin=cms_tin[i],
            our_tin=our_tin[i],
            competitor=competitor[i],
            entity_cents=int(entity_cents[i]),
            competitor_cents=int(competitor_cents[i]),
            last_service=last_service[i],
            exclusion_text=exclusion_text[i],
            context=context,
            window_start=str(window_start_of[i]) if starts_before_claims[i] else "",
        )
    for i in np.flatnonzero(~cms_only & ~ours_only & (exclusion_text != "")):
        detail[i] = f"CMS: {exclusion_text[i]}"

    order = {g.value: n for n, g in enumerate(Group)}
    out = pd.DataFrame(
        {
            c.PERSON: people.to_numpy(),
            c.GROUP: group,
            c.CAUSE: cause,
            c.DETAIL: detail,
            c.CMS_EXCLUSION: exclusion,
            c.CMS_EXCLUSION_TEXT: exclusion_text,
        },
        columns=list(c.RECONCILE_COLUMNS),
    )
    out["_order"] = out[c.GROUP].map(order)
    out = out.sort_values(["_order", c.PERSON], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def _detail(
    cause: Cause,
    *,
    cms_only: bool,
    in_ours: bool,
    withheld_day: np.datetime64,
    reason: str,
    death: np.datetime64,
    cms_tin: str,
    our_tin: str,
    competitor: str,
    entity_cents: int,
    competitor_cents: int,
    last_service: np.datetime64,
    exclusion_text: str,
    context: Context,
    window_start: str = "",
) -> str:
    """One sentence with the evidence for the cause. `window_start`: the start of the row's
    window when it is before the run's first claim (blank otherwise)."""
    cms_said = f" CMS: {exclusion_text}." if exclusion_text else ""
    if cause is Cause.DATA_SHARING:
        if not in_ours:
            return (
                "Not in the platform's claims or enrollment data: CMS leaves beneficiaries who "
                "declined data sharing, and those it suppresses, out of the claims files."
            )
        since = f" from {_day(withheld_day)}" if not np.isnat(withheld_day) else ""
        if not cms_only:
            return (
                f"CMS withholds this beneficiary's data{since}: the run aligned them on the "
                "claims delivered before, while CMS's list counts all their claims, which may "
                "have moved the plurality."
            )
        return f"CMS withholds this beneficiary's data{since}; the run could not see their claims."
    if cause is Cause.MA_OR_OTHER_INITIATIVE:
        return f"Excluded by CMS.{cms_said}"
    if cause is Cause.DEATH_OR_ELIGIBILITY:
        if not np.isnat(death) and death < np.datetime64(date(context.performance_year, 1, 1)):
            return f"Died on {_day(death)}, before the performance year.{cms_said}"
        if cms_only and reason:
            return f"The platform's eligibility screen: {Reason(reason).label}."
        return f"Excluded by CMS.{cms_said}"
    if cause is Cause.VOLUNTARY:
        if cms_only:
            return "CMS's list flags a voluntary alignment the platform has no designation for."
        return f"Aligned by a designation recorded here that CMS's list does not flag.{cms_said}"
    if cause is Cause.PARTICIPANT_LIST:
        if cms_only and cms_tin and cms_tin not in context.our_tins:
            return f"CMS assigns through TIN {cms_tin}, not on the participant list the run used."
        if cms_only:
            return f"The plurality went to {competitor}, a TIN on CMS's list but not on the run's."
        return f"Attributed to TIN {our_tin}, which is not among the TINs of CMS's list.{cms_said}"
    if cause is Cause.PLURALITY_MARGIN:
        return (
            f"The platform's plurality: {_money(entity_cents)} with the entity against "
            f"{_money(competitor_cents)} with {competitor or 'another entity'}, within the stated "
            f"margin of {_money(context.margin_cents)}.{cms_said}"
        )
    if cause is Cause.CLAIMS_RUNOUT:
        short = (
            context.our_claims_through is not None
            and context.cms_claims_through is not None
            and context.our_claims_through < context.cms_claims_through
        )
        late = not np.isnat(last_service) and context.cms_claims_through is not None
        after = late and last_service > np.datetime64(context.cms_claims_through, "D")
        if window_start and not short and not (after and not cms_only):
            return (
                f"The run's window starts on {window_start}, but its claims only from "
                f"{context.our_claims_from} (its first delivery): CMS's list counts the services "
                f"before, which may have moved the plurality.{cms_said}"
            )
        if cms_only:
            return (
                f"The platform's claims run through {context.our_claims_through}, CMS's list used "
                f"claims through {context.cms_claims_through}: {Reason(reason).label.lower()}."
            )
        if after:
            return (
                f"The service that aligns them ({_day(last_service)}) is after the claims "
                f"CMS's list used (through {context.cms_claims_through}).{cms_said}"
            )
        return (
            f"CMS's list used claims through {context.cms_claims_through}, the platform's run "
            f"claims through {context.our_claims_through}: services after the run's claims may "
            f"have moved the plurality.{cms_said}"
        )
    if cms_only and reason:
        return f"The platform's result: {Reason(reason).label}."
    return f"No cause found in the data at hand.{cms_said}".strip()


def summarize(frame: pd.DataFrame) -> Summary:
    """Counts of a `reconcile` result by group and by (group, cause), and the agreement rate
    rounded half up to one decimal of a percent."""
    groups = {g.value: 0 for g in Group}
    for name, n in frame[c.GROUP].value_counts().items():
        groups[str(name)] = int(n)
    diffs = frame[frame[c.CAUSE] != ""]
    causes = dict(
        Counter(
            (str(name), str(cause))
            for name, cause in zip(diffs[c.GROUP], diffs[c.CAUSE], strict=True)
        )
    )
    either = groups[Group.BOTH] + groups[Group.CMS_ONLY] + groups[Group.OURS_ONLY]
    rate = (
        (Decimal(100 * groups[Group.BOTH]) / Decimal(either)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        if either
        else None
    )
    return Summary(
        total=len(frame),
        groups={k: int(v) for k, v in groups.items()},
        causes=causes,
        agreement_percent=rate,
    )


def empty_withheld() -> pd.DataFrame:
    """A `withheld` frame with no one in it (the preferences are known and nobody opted out)."""
    return pd.DataFrame({c.PERSON: pd.Series([], dtype=object), c.WITHHELD_FROM: pd.NaT})


__all__ = [
    "CAUSE_LABELS",
    "GROUP_LABELS",
    "Cause",
    "Context",
    "Exclusion",
    "Group",
    "Summary",
    "empty_withheld",
    "reconcile",
    "summarize",
]
