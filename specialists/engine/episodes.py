"""Care episodes inside the population ("shadow bundles"): definitions as data (`episodes.json`
beside this module, or any file of its shape), the episodes built from the claims, their
MS-DRG-specific target prices from the entity's own history, and each one's managing specialist.

The rules, each stated with its source in `episodes.json` (CMS BPCI Advanced and CJR, 42 CFR part
510, for the structure; the numbers are the entity's choices):

1. **Trigger.** An inpatient stay (CLM_TYPE_CD 60/61) billed under one of a definition's MS-DRGs
   (CCLF1 DGNS_DRG_CD) opens an episode: the anchor runs from the admission (CLM_FROM_DT) to the
   discharge (CLM_THRU_DT), the post-anchor period `post_anchor_days` after the discharge.
2. **Overlap.** A stay that begins on or before the last day of an episode of the same
   beneficiary opens none: it belongs to the first episode.
3. **Spending.** Every Part A claim and Part B/DME line of the beneficiary starting from the
   admission to the end of the post-anchor period counts whole, at what Medicare paid, except an
   inpatient readmission under an excluded MS-DRG (kept apart as `excluded_cents`).
4. **Readmission.** An inpatient admission within `readmission_days` after the discharge, any
   cause.
5. **Period.** An episode is `baseline` when its discharge falls in the 12 months before the
   performance period, `performance` when it falls from the performance start through the
   claims date; it is `complete` when its post-anchor period ends by the claims date, else open.
6. **Target.** Per episode type and MS-DRG, the mean spending of the complete baseline episodes
   (at least `min_baseline_episodes` of them; else the type's mean over all its MS-DRGs; else no
   target), times (1 + annual trend) for the one year between the periods' midpoints, times (1 -
   discount); exact until it is rounded once to the cent.
7. **Managing specialist.** See `MANAGING_LABELS`.

Money is integer cents throughout (int64 columns); targets are computed as exact fractions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
from settlement.engine.rounding import round_to_cent, to_cents

from specialists.engine import columns as c

DEFAULT_PATH = Path(__file__).with_name("episodes.json")

# --- Input columns (one row per Part A claim or Part B/DME line) ------------------------------
SOURCE = "source"  # A, B, DME
CLAIM_TYPE = "claim_type"
START_DATE = "start_date"  # datetime64: CLM_FROM_DT (Part A) or the line's from date
DRG = "drg"  # MS-DRG of an inpatient claim (3 digits; CCLF1 holds 4 with a leading zero)
CCN = "ccn"
ATTENDING_NPI = "attending_npi"
POS = "pos"
PAID_CENTS = "paid_cents"

INPATIENT_TYPES = ("60", "61")
SNF_TYPES = ("20", "30")
HHA_TYPES = ("10",)
ED_HCPCS = ("99281", "99282", "99283", "99284", "99285")
ED_POS = "23"

# --- Output columns --------------------------------------------------------------------------
EPISODE = "episode"
ANCHOR_CLAIM = "anchor_claim_id"
ANCHOR_START = "anchor_start"
ANCHOR_END = "anchor_end"
WINDOW_END = "window_end"
PERIOD = "period"  # baseline, performance
COMPLETE = "complete"
ANCHOR_CENTS = "anchor_cents"
POST_CENTS = "post_cents"
EXCLUDED_CENTS = "excluded_cents"
ACTUAL_CENTS = "actual_cents"
TARGET_CENTS = "target_cents"  # -1 when there is no target
TARGET_BASIS = "target_basis"  # ms_drg, episode_type, none
READMISSIONS = "readmissions"
SNF_CLAIMS = "snf_claims"
HHA_CLAIMS = "hha_claims"
ED_VISITS = "ed_visits"
LOS_DAYS = "los_days"
MANAGING_TIN = "managing_tin"
MANAGING_NPI = "managing_npi"
MANAGING_SPECIALTY = "managing_specialty"
MANAGING_REASON = "managing_reason"

OUTPUT_COLUMNS = [
    c.BENE_ID,
    EPISODE,
    DRG,
    ANCHOR_CLAIM,
    CCN,
    ANCHOR_START,
    ANCHOR_END,
    WINDOW_END,
    PERIOD,
    COMPLETE,
    ANCHOR_CENTS,
    POST_CENTS,
    EXCLUDED_CENTS,
    ACTUAL_CENTS,
    TARGET_CENTS,
    TARGET_BASIS,
    READMISSIONS,
    SNF_CLAIMS,
    HHA_CLAIMS,
    ED_VISITS,
    LOS_DAYS,
    MANAGING_TIN,
    MANAGING_NPI,
    MANAGING_SPECIALTY,
    MANAGING_REASON,
]

BASELINE = "baseline"
PERFORMANCE = "performance"
NO_TARGET = -1

EPISODE_PLURALITY = "episode_plurality"
LEAD_SPECIALIST = "lead_specialist"
ATTENDING = "attending"
UNASSIGNED = "unassigned"
MANAGING_LABELS = {
    EPISODE_PLURALITY: "Largest allowed charges among the episode's specialist services",
    LEAD_SPECIALIST: "No specialist service in the episode: the beneficiary's lead specialist "
    "for the condition",
    ATTENDING: "No specialist service or lead: the attending physician of the anchor stay",
    UNASSIGNED: "No specialist service, lead or attending physician with a known TIN",
}
TARGET_BASIS_LABELS = {
    "ms_drg": "Mean of the MS-DRG's baseline episodes",
    "episode_type": "Mean of the episode type's baseline episodes (too few of this MS-DRG)",
    "none": "No baseline episode of this type: no target",
}


class EpisodeDefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class EpisodeType:
    code: str
    label: str
    trigger_drgs: tuple[str, ...]
    trigger_source: str
    post_anchor_days: int
    window_source: str
    condition: str  # a lead-specialist condition code, or ""
    specialty_codes: tuple[str, ...]
    specialty_source: str


@dataclass(frozen=True)
class EpisodeDefinitions:
    version: str
    note: str
    episodes: tuple[EpisodeType, ...]
    rules: Mapping[str, Any]
    excluded_readmission_drgs: frozenset[str]
    readmission_days: int
    min_baseline_episodes: int
    annual_trend: Decimal
    discount: Decimal

    def get(self, code: str) -> EpisodeType | None:
        return next((e for e in self.episodes if e.code == code), None)

    def by_drg(self) -> dict[str, EpisodeType]:
        return {drg: e for e in self.episodes for drg in e.trigger_drgs}

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "note": self.note,
            "episodes": [
                {
                    **e.__dict__,
                    "trigger_drgs": list(e.trigger_drgs),
                    "specialty_codes": list(e.specialty_codes),
                }
                for e in self.episodes
            ],
            "rules": dict(self.rules),
        }


def normal_drg(code: Any) -> str:
    """An MS-DRG as three digits: CCLF1 DGNS_DRG_CD is X(04) with a leading zero ("0291")."""
    text = str(code or "").strip()
    if not text.isdigit():
        return ""
    return text[-3:].zfill(3) if len(text) > 3 and text.startswith("0") else text.zfill(3)


_TEXT = ("code", "label", "trigger_source", "window_source", "specialty_source")


def _episode(raw: Any, index: int) -> EpisodeType:
    if not isinstance(raw, dict):
        raise EpisodeDefinitionError(f"episodes[{index}]: expected an object.")
    name = raw.get("code") or f"episodes[{index}]"
    for field in _TEXT:
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            raise EpisodeDefinitionError(f"{name}: {field} must be a non-empty text.")
    for field in ("trigger_drgs", "specialty_codes"):
        value = raw.get(field)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise EpisodeDefinitionError(f"{name}: {field} must be a non-empty list of codes.")
    drgs = tuple(normal_drg(d) for d in raw["trigger_drgs"])
    if not all(drgs):
        raise EpisodeDefinitionError(f"{name}: trigger_drgs must be MS-DRG numbers.")
    days = raw.get("post_anchor_days")
    if not isinstance(days, int) or not 0 <= days <= 365:
        raise EpisodeDefinitionError(f"{name}: post_anchor_days must be between 0 and 365.")
    condition = raw.get("condition", "")
    if not isinstance(condition, str):
        raise EpisodeDefinitionError(f"{name}: condition must be a condition code or empty.")
    return EpisodeType(
        **{f: raw[f].strip() for f in _TEXT},
        trigger_drgs=drgs,
        post_anchor_days=days,
        condition=condition.strip(),
        specialty_codes=tuple(s.strip().upper() for s in raw["specialty_codes"]),
    )


def _rate(rules: Mapping[str, Any], field: str, default: str) -> Decimal:
    try:
        value = Decimal(str(rules.get(field, default)))
    except InvalidOperation as exc:
        raise EpisodeDefinitionError(f"rules: {field} must be a decimal rate.") from exc
    if not Decimal("-0.5") <= value <= Decimal("0.5"):
        raise EpisodeDefinitionError(f"rules: {field} must be a rate between -0.5 and 0.5.")
    return value


def episode_definitions_from(data: Any) -> EpisodeDefinitions:
    """Definitions from their JSON shape (a dict); raises EpisodeDefinitionError naming the
    episode and field."""
    if not isinstance(data, dict) or not isinstance(data.get("episodes"), list):
        raise EpisodeDefinitionError("The definitions need an 'episodes' list.")
    episodes = tuple(_episode(raw, i) for i, raw in enumerate(data["episodes"]))
    codes = [e.code for e in episodes]
    if len(set(codes)) != len(codes):
        raise EpisodeDefinitionError("Two episode types share a code.")
    drgs = [d for e in episodes for d in e.trigger_drgs]
    if len(set(drgs)) != len(drgs):
        raise EpisodeDefinitionError("An MS-DRG triggers two episode types.")
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise EpisodeDefinitionError("rules must be an object.")
    if rules.get("baseline_months", 12) != 12:
        raise EpisodeDefinitionError("rules: baseline_months must be 12 (one year of history).")
    days = rules.get("readmission_days", 30)
    if not isinstance(days, int) or not 1 <= days <= 90:
        raise EpisodeDefinitionError("rules: readmission_days must be between 1 and 90.")
    minimum = rules.get("min_baseline_episodes", 5)
    if not isinstance(minimum, int) or minimum < 1:
        raise EpisodeDefinitionError("rules: min_baseline_episodes must be at least 1.")
    excluded = rules.get("excluded_readmission_drgs", [])
    if not isinstance(excluded, list):
        raise EpisodeDefinitionError("rules: excluded_readmission_drgs must be a list.")
    discount = _rate(rules, "discount", "0")
    if discount < 0:
        raise EpisodeDefinitionError("rules: discount must not be negative.")
    return EpisodeDefinitions(
        version=str(data.get("version") or "unversioned"),
        note=str(data.get("note") or ""),
        episodes=episodes,
        rules=rules,
        excluded_readmission_drgs=frozenset(normal_drg(d) for d in excluded),
        readmission_days=days,
        min_baseline_episodes=minimum,
        annual_trend=_rate(rules, "annual_trend", "0"),
        discount=discount,
    )


def load_episode_definitions(path: Path = DEFAULT_PATH) -> EpisodeDefinitions:
    return episode_definitions_from(json.loads(path.read_text(encoding="utf-8")))


def performance_start(as_of: dt.date) -> dt.date:
    """The performance period starts on January 1 of the claims date's year."""
    return dt.date(as_of.year, 1, 1)


def _anchors(defs: EpisodeDefinitions, claims: pd.DataFrame) -> list[dict[str, Any]]:
    """Rules 1 and 2: the anchor stays, in admission order per beneficiary."""
    by_drg = defs.by_drg()
    stays = claims[(claims[SOURCE] == "A") & claims[CLAIM_TYPE].isin(INPATIENT_TYPES)]
    stays = stays.sort_values([c.BENE_ID, START_DATE, c.SERVICE_DATE, c.CLAIM_ID])
    anchors: list[dict[str, Any]] = []
    last_end: dict[int, pd.Timestamp] = {}
    for row in stays.to_dict("records"):
        bene = int(row[c.BENE_ID])
        start = pd.Timestamp(row[START_DATE])
        if bene in last_end and start <= last_end[bene]:
            continue  # rule 2: inside an earlier episode
        kind = by_drg.get(normal_drg(row[DRG]))
        if kind is None:
            continue
        end = pd.Timestamp(row[c.SERVICE_DATE])
        window_end = end + pd.Timedelta(days=kind.post_anchor_days)
        last_end[bene] = window_end
        anchors.append(
            {
                c.BENE_ID: bene,
                EPISODE: kind.code,
                DRG: normal_drg(row[DRG]),
                ANCHOR_CLAIM: str(row[c.CLAIM_ID]),
                CCN: str(row.get(CCN, "") or ""),
                ANCHOR_START: start,
                ANCHOR_END: end,
                WINDOW_END: window_end,
                ATTENDING_NPI: str(row.get(ATTENDING_NPI, "") or ""),
            }
        )
    return anchors


def _managing(
    definitions: EpisodeDefinitions,
    anchors: pd.DataFrame,
    inside: pd.DataFrame,
    leads: Mapping[tuple[int, str], tuple[str, str, str]],
    npi_tins: Mapping[str, str],
) -> pd.DataFrame:
    """Rule 7, per episode (`_ep` index): managing tin, npi, specialty and reason."""
    pairs = pd.DataFrame(
        [(e.code, s) for e in definitions.episodes for s in e.specialty_codes],
        columns=[EPISODE, c.SPECIALTY],
    )
    own = inside[(inside[SOURCE] == "B") & (inside[c.NPI] != "")].merge(
        pairs, on=[EPISODE, c.SPECIALTY]
    )
    best: dict[int, tuple[str, str, str, str]] = {}
    if not own.empty:
        ranked = (
            own.groupby(["_ep", c.TIN, c.NPI])
            .agg(
                allowed=(c.ALLOWED_CENTS, "sum"),
                last=(c.SERVICE_DATE, "max"),
                specialty=(c.SPECIALTY, "last"),
            )
            .reset_index()
            .sort_values(
                ["_ep", "allowed", "last", c.NPI, c.TIN],
                ascending=[True, False, False, True, True],
            )
            .drop_duplicates("_ep")
        )
        best = {
            int(r["_ep"]): (str(r[c.TIN]), str(r[c.NPI]), str(r["specialty"]), EPISODE_PLURALITY)
            for r in ranked.to_dict("records")
        }
    rows = []
    for a in anchors.to_dict("records"):
        key = int(a["_ep"])
        kind = definitions.get(a[EPISODE])
        bene = int(a[c.BENE_ID])
        if key in best:
            found = best[key]
        elif kind and kind.condition and leads.get((bene, kind.condition), ("", "", ""))[1]:
            tin, npi, specialty = leads[(bene, kind.condition)]
            found = (tin, npi, specialty, LEAD_SPECIALIST)
        elif a[ATTENDING_NPI] and npi_tins.get(a[ATTENDING_NPI]):
            found = (npi_tins[a[ATTENDING_NPI]], a[ATTENDING_NPI], "", ATTENDING)
        else:
            found = ("", "", "", UNASSIGNED)
        rows.append((key, *found))
    return pd.DataFrame(
        rows, columns=["_ep", MANAGING_TIN, MANAGING_NPI, MANAGING_SPECIALTY, MANAGING_REASON]
    ).set_index("_ep")


def build_episodes(
    *,
    definitions: EpisodeDefinitions,
    claims: pd.DataFrame,
    as_of: dt.date,
    leads: Mapping[tuple[int, str], tuple[str, str, str]] | None = None,
    npi_tins: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The episodes of the beneficiaries in `claims`, with spending, utilisation, period, target
    and managing specialist (rules 1-7 of the module docstring).

    `claims` columns: bene_id, claim_id, source, claim_type, start_date, service_date, drg, ccn,
    attending_npi, tin, npi, specialty, pos, hcpcs, paid_cents, allowed_cents (one row per Part A
    claim and per Part B/DME line). `leads`: (bene_id, condition) -> (tin, npi, specialty) of the
    lead specialist. `npi_tins`: NPI -> TIN for the attending physician. Returns OUTPUT_COLUMNS;
    episodes before the baseline year are left out.
    """
    leads = leads or {}
    npi_tins = npi_tins or {}
    perf_start = pd.Timestamp(performance_start(as_of))
    base_start = perf_start - pd.DateOffset(months=12)
    claims_end = pd.Timestamp(as_of)
    anchors = pd.DataFrame(
        [a for a in _anchors(definitions, claims) if base_start <= a[ANCHOR_END] <= claims_end]
    )
    if anchors.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    anchors["_ep"] = range(len(anchors))
    # Every claim of the episode's beneficiary that starts inside its window (rule 3).
    inside = claims.drop(columns=[CCN, DRG]).merge(
        anchors[["_ep", c.BENE_ID, EPISODE, DRG, ANCHOR_CLAIM, ANCHOR_START, ANCHOR_END,
                 WINDOW_END]],
        on=c.BENE_ID,
    )  # fmt: skip
    starts = pd.to_datetime(inside[START_DATE])
    inside = inside[(starts >= inside[ANCHOR_START]) & (starts <= inside[WINDOW_END])]
    part_a = inside[SOURCE] == "A"
    is_anchor = part_a & (inside[c.CLAIM_ID].astype(str) == inside[ANCHOR_CLAIM])
    inpatient = part_a & inside[CLAIM_TYPE].isin(INPATIENT_TYPES) & ~is_anchor
    starts = pd.to_datetime(inside[START_DATE])
    readmitted = (
        inpatient
        & (starts > inside[ANCHOR_END])
        & (starts <= inside[ANCHOR_END] + pd.Timedelta(days=definitions.readmission_days))
    )
    ed = (inside[SOURCE] == "B") & ((inside[POS] == ED_POS) | inside[c.HCPCS].isin(ED_HCPCS))
    paid = inside[PAID_CENTS]
    figures = (
        inside.assign(
            _anchor=paid.where(is_anchor, 0),
            _readmit=readmitted.astype("int64"),
            _snf=(part_a & inside[CLAIM_TYPE].isin(SNF_TYPES)).astype("int64"),
            _hha=(part_a & inside[CLAIM_TYPE].isin(HHA_TYPES)).astype("int64"),
            _ed_day=inside[c.SERVICE_DATE].where(ed),
            _inpatient=inpatient,
        )
        .groupby("_ep")
        .agg(
            anchor=("_anchor", "sum"),
            readmissions=("_readmit", "sum"),
            snf=("_snf", "sum"),
            hha=("_hha", "sum"),
            ed=("_ed_day", "nunique"),
        )
    )
    excluded_claims = inside[inpatient][[c.CLAIM_ID, "_ep", PAID_CENTS]]
    excluded_drg = excluded_claims[c.CLAIM_ID].astype(str).map(_drg_of(claims)).map(normal_drg)
    excluded = (
        excluded_claims[excluded_drg.isin(definitions.excluded_readmission_drgs)]
        .groupby("_ep")[PAID_CENTS]
        .sum()
    )
    total = inside.groupby("_ep")[PAID_CENTS].sum()
    managing = _managing(definitions, anchors, inside, leads, npi_tins)
    out = anchors.set_index("_ep")
    out[ANCHOR_CENTS] = figures["anchor"].reindex(out.index, fill_value=0).astype("int64")
    out[EXCLUDED_CENTS] = excluded.reindex(out.index, fill_value=0).astype("int64")
    out[ACTUAL_CENTS] = total.reindex(out.index, fill_value=0).astype("int64") - out[EXCLUDED_CENTS]
    out[POST_CENTS] = out[ACTUAL_CENTS] - out[ANCHOR_CENTS]
    for column, name in ((READMISSIONS, "readmissions"), (SNF_CLAIMS, "snf"),
                         (HHA_CLAIMS, "hha"), (ED_VISITS, "ed")):  # fmt: skip
        out[column] = figures[name].reindex(out.index, fill_value=0).astype("int64")
    out[PERIOD] = [BASELINE if end < perf_start else PERFORMANCE for end in out[ANCHOR_END]]
    out[COMPLETE] = out[WINDOW_END] <= claims_end
    # Medicare counts a stay's days from admission to discharge, at least one.
    out[LOS_DAYS] = (out[ANCHOR_END] - out[ANCHOR_START]).dt.days.clip(lower=1).astype("int64")
    out = out.join(managing)
    targets = target_prices(definitions, out)
    keys = list(zip(out[EPISODE], out[DRG], strict=True))
    out[TARGET_CENTS] = [targets.get(k, (NO_TARGET, "none"))[0] for k in keys]
    out[TARGET_BASIS] = [targets.get(k, (NO_TARGET, "none"))[1] for k in keys]
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


def _drg_of(claims: pd.DataFrame) -> dict[str, str]:
    """Claim id -> MS-DRG of the inpatient claims."""
    stays = claims[(claims[SOURCE] == "A") & claims[CLAIM_TYPE].isin(INPATIENT_TYPES)]
    return dict(zip(stays[c.CLAIM_ID].astype(str), stays[DRG].astype(str), strict=True))


def target_prices(
    definitions: EpisodeDefinitions, episodes: pd.DataFrame
) -> dict[tuple[str, str], tuple[int, str]]:
    """Rule 6: (episode type, MS-DRG) -> (target in cents, basis) for every pair among
    `episodes`, from its complete baseline episodes."""
    base = episodes[(episodes[PERIOD] == BASELINE) & episodes[COMPLETE]]
    factor = (1 + Fraction(definitions.annual_trend)) * (1 - Fraction(definitions.discount))
    out: dict[tuple[str, str], tuple[int, str]] = {}
    for kind, drg in sorted(set(zip(episodes[EPISODE], episodes[DRG], strict=True))):
        same_drg = base[(base[EPISODE] == kind) & (base[DRG] == drg)]
        same_type = base[base[EPISODE] == kind]
        if len(same_drg) >= definitions.min_baseline_episodes:
            pool, basis = same_drg, "ms_drg"
        elif len(same_type):
            pool, basis = same_type, "episode_type"
        else:
            out[(kind, drg)] = (NO_TARGET, "none")
            continue
        mean = Fraction(int(pool[ACTUAL_CENTS].sum()), len(pool)) / 100
        # One rounding, to the cent, of the trended and discounted mean (the settlement
        # engine's convention: settlement.engine.rounding).
        out[(kind, drg)] = (to_cents(round_to_cent(mean * factor)), basis)
    return out


@dataclass(frozen=True)
class Scorecard:
    """One managing specialist TIN's complete performance episodes."""

    tin: str
    episodes: int
    actual_cents: int
    target_cents: int  # of the episodes with a target
    targeted_actual_cents: int  # actual spending of those same episodes
    untargeted: int
    readmitted_episodes: int
    readmissions: int
    snf_episodes: int
    ed_visits: int
    los_days: int
    by_episode: Mapping[str, int]
    patients: int = 0
    patient_paid_cents: int = 0
    patient_in_network_cents: int = 0

    @property
    def variance_cents(self) -> int:
        """Target minus actual over the targeted episodes: positive is spending below target."""
        return self.target_cents - self.targeted_actual_cents

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "by_episode": dict(self.by_episode)}


def scorecards(
    episodes: pd.DataFrame,
    *,
    patients: Mapping[str, set[int]] | None = None,
    classified: pd.DataFrame | None = None,
) -> list[Scorecard]:
    """Per managing TIN, over its complete performance episodes: count, spending against target,
    readmissions, post-acute and ED use, days in the anchor stays, episodes by type; and the share
    of its patients' spending paid inside the network.

    `patients`: TIN -> beneficiaries whose care it manages (its episodes' and its lead roster's).
    `classified`: paid lines as `specialists.engine.leakage.classify` returns them (bene_id,
    paid_cents, role). Sorted by episodes, then TIN."""
    scored = episodes[
        (episodes[PERIOD] == PERFORMANCE) & episodes[COMPLETE] & (episodes[MANAGING_TIN] != "")
    ]
    cards = []
    patients = patients or {}
    for tin, group in scored.groupby(MANAGING_TIN, sort=True):
        targeted = group[group[TARGET_CENTS] != NO_TARGET]
        people = patients.get(str(tin), set()) | {int(b) for b in group[c.BENE_ID]}
        paid = in_network = 0
        if classified is not None and not classified.empty:
            theirs = classified[classified[c.BENE_ID].isin(people)]
            paid = int(theirs[PAID_CENTS].sum())
            in_network = int(theirs.loc[theirs["role"] != "", PAID_CENTS].sum())
        cards.append(
            Scorecard(
                tin=str(tin),
                episodes=len(group),
                actual_cents=int(group[ACTUAL_CENTS].sum()),
                target_cents=int(targeted[TARGET_CENTS].sum()),
                targeted_actual_cents=int(targeted[ACTUAL_CENTS].sum()),
                untargeted=len(group) - len(targeted),
                readmitted_episodes=int((group[READMISSIONS] > 0).sum()),
                readmissions=int(group[READMISSIONS].sum()),
                snf_episodes=int((group[SNF_CLAIMS] > 0).sum()),
                ed_visits=int(group[ED_VISITS].sum()),
                los_days=int(group[LOS_DAYS].sum()),
                by_episode={str(k): int(v) for k, v in group[EPISODE].value_counts().items()},
                patients=len(people),
                patient_paid_cents=paid,
                patient_in_network_cents=in_network,
            )
        )
    return sorted(cards, key=lambda card: (-card.episodes, card.tin))
