"""Lead-specialist attribution: for each beneficiary of the population and each condition of the
definitions (`conditions.json`), whether the claims show the condition and which specialist
TIN/NPI leads its care, with the reason.

The rule (its parts are the entity's configurable choices; see `conditions.json` for sources):

1. The window is the `window_months` months of claims through `as_of`.
2. A condition is met when its trigger diagnoses appear on claims of at least `min_claims`
   distinct dates in the window (any diagnosis position, Part A or Part B).
3. Its lead is the TIN/NPI, among lines billed under one of the condition's specialty codes for
   one of its qualifying services in the window, with the largest allowed charges. A tie goes to
   the most recent service, then to the lower NPI (so that a run is repeatable).
4. A condition met without any such service has no lead (`no_specialist_service`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from specialists.engine import columns as c
from specialists.engine.conditions import Condition, Definitions

PLURALITY = "plurality"
TIE_MOST_RECENT = "tie_most_recent"
TIE_LOWEST_NPI = "tie_lowest_npi"
NO_SPECIALIST_SERVICE = "no_specialist_service"

REASON_LABELS = {
    PLURALITY: "Largest allowed charges for the condition's qualifying specialist services",
    TIE_MOST_RECENT: "Tied on allowed charges; the most recent service decides",
    TIE_LOWEST_NPI: "Tied on allowed charges and last service; the lower NPI decides",
    NO_SPECIALIST_SERVICE: "Condition met, but no qualifying service by its specialists",
}

ADDED = "added"
CHANGED = "changed"
DROPPED = "dropped"


def window(as_of: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the `months` months of claims through `as_of`."""
    start = (pd.Timestamp(as_of) - pd.DateOffset(months=months) + pd.Timedelta(days=1)).date()
    return (start, as_of)


def _in_window(frame: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    dates = pd.to_datetime(frame[c.SERVICE_DATE])
    return frame[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))]


def _matching(codes: pd.Series, test: Callable[[str], bool]) -> pd.Series:
    """Which of the codes pass `test`, asked once per distinct code (a few thousand) rather than
    once per claim line (hundreds of thousands)."""
    return codes.isin([code for code in codes.unique() if test(code)])


def _condition_met(condition: Condition, diagnoses: pd.DataFrame) -> pd.DataFrame:
    """Per beneficiary meeting the condition: trigger_code, trigger_claims, last_trigger."""
    hits = diagnoses[_matching(diagnoses[c.DX_CODE], condition.triggers)]
    if hits.empty:
        return pd.DataFrame(columns=[c.BENE_ID, c.TRIGGER_CODE, c.TRIGGER_CLAIMS, c.LAST_TRIGGER])
    dates = hits.groupby(c.BENE_ID)[c.SERVICE_DATE].agg(["nunique", "max"])
    met = dates[dates["nunique"] >= condition.min_claims]
    if met.empty:
        return pd.DataFrame(columns=[c.BENE_ID, c.TRIGGER_CODE, c.TRIGGER_CLAIMS, c.LAST_TRIGGER])
    codes = (
        hits[hits[c.BENE_ID].isin(met.index)]
        .groupby([c.BENE_ID, c.DX_CODE])[c.SERVICE_DATE]
        .agg(["nunique", "max"])
        .reset_index()
        .sort_values([c.BENE_ID, "nunique", "max", c.DX_CODE], ascending=[True, False, False, True])
        .drop_duplicates(c.BENE_ID)
        .set_index(c.BENE_ID)[c.DX_CODE]
    )
    return pd.DataFrame(
        {
            c.BENE_ID: met.index.astype("int64"),
            c.TRIGGER_CODE: codes.reindex(met.index).to_numpy(),
            c.TRIGGER_CLAIMS: met["nunique"].astype("int64").to_numpy(),
            c.LAST_TRIGGER: met["max"].to_numpy(),
        }
    )


def _leads(condition: Condition, services: pd.DataFrame) -> pd.DataFrame:
    """Per beneficiary with qualifying specialist services: the lead and the runner-up."""
    lines = services[
        services[c.SPECIALTY].isin(condition.specialty_codes)
        & _matching(services[c.HCPCS], condition.qualifies_service)
        & (services[c.NPI] != "")
    ]
    if lines.empty:
        return pd.DataFrame(columns=c.OUTPUT_COLUMNS)
    per = (
        lines.groupby([c.BENE_ID, c.TIN, c.NPI])
        .agg(
            allowed=(c.ALLOWED_CENTS, "sum"),
            services=(c.HCPCS, "size"),
            last=(c.SERVICE_DATE, "max"),
            specialty=(c.SPECIALTY, "last"),
        )
        .reset_index()
        .sort_values(
            [c.BENE_ID, "allowed", "last", c.NPI, c.TIN], ascending=[True, False, False, True, True]
        )
    )
    rows = []
    for bene_id, group in per.groupby(c.BENE_ID, sort=True):
        lead = group.iloc[0]
        second = group.iloc[1] if len(group) > 1 else None
        reason = PLURALITY
        if second is not None and second["allowed"] == lead["allowed"]:
            reason = TIE_MOST_RECENT if second["last"] != lead["last"] else TIE_LOWEST_NPI
        rows.append(
            {
                c.BENE_ID: int(bene_id),  # type: ignore[arg-type]
                c.LEAD_TIN: lead[c.TIN],
                c.LEAD_NPI: lead[c.NPI],
                c.LEAD_SPECIALTY: lead["specialty"],
                c.LEAD_ALLOWED: int(lead["allowed"]),
                c.SPECIALTY_ALLOWED: int(group["allowed"].sum()),
                c.LEAD_SERVICES: int(lead["services"]),
                c.LAST_SERVICE: lead["last"],
                c.RUNNER_UP_TIN: second[c.TIN] if second is not None else "",
                c.RUNNER_UP_NPI: second[c.NPI] if second is not None else "",
                c.RUNNER_UP_ALLOWED: int(second["allowed"]) if second is not None else 0,
                c.REASON: reason,
            }
        )
    return pd.DataFrame(rows)


def attribute_leads(
    *,
    definitions: Definitions,
    population: Iterable[int],
    diagnoses: pd.DataFrame,
    services: pd.DataFrame,
    as_of: dt.date,
) -> pd.DataFrame:
    """Lead specialists of the population, one row per beneficiary and condition met.

    `diagnoses`: bene_id, service_date, dx_code (one row per claim and code).
    `services`: bene_id, service_date, hcpcs, specialty, tin, npi, allowed_cents (Part B lines).
    Returns `columns.OUTPUT_COLUMNS`, sorted by beneficiary and condition order; a beneficiary
    outside `population` or without any condition met has no row.
    """
    people = {int(b) for b in population}
    start, end = window(as_of, definitions.window_months)
    dx = _in_window(diagnoses[diagnoses[c.BENE_ID].isin(people)], start, end)
    lines = _in_window(services[services[c.BENE_ID].isin(people)], start, end)
    frames = []
    for order, condition in enumerate(definitions.conditions):
        met = _condition_met(condition, dx)
        if met.empty:
            continue
        leads = _leads(condition, lines[lines[c.BENE_ID].isin(met[c.BENE_ID])])
        lead_columns = [col for col in c.OUTPUT_COLUMNS if col not in met.columns]
        frame = met.merge(
            leads[[c.BENE_ID, *[x for x in lead_columns if x != c.CONDITION]]],
            on=c.BENE_ID,
            how="left",
        )
        frame[c.CONDITION] = condition.code
        frame["_order"] = order
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=c.OUTPUT_COLUMNS)
    out = pd.concat(frames, ignore_index=True).sort_values([c.BENE_ID, "_order"])
    for col in (c.LEAD_TIN, c.LEAD_NPI, c.LEAD_SPECIALTY, c.RUNNER_UP_TIN, c.RUNNER_UP_NPI):
        out[col] = out[col].fillna("")
    for col in (c.LEAD_ALLOWED, c.SPECIALTY_ALLOWED, c.LEAD_SERVICES, c.RUNNER_UP_ALLOWED):
        out[col] = out[col].fillna(0).astype("int64")
    out[c.REASON] = out[c.REASON].fillna(NO_SPECIALIST_SERVICE)
    return out[c.OUTPUT_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class Change:
    bene_id: int
    condition: str
    kind: str  # added, changed, dropped
    previous_tin: str
    previous_npi: str
    lead_tin: str
    lead_npi: str


def lead_changes(
    previous: dict[tuple[int, str], tuple[str, str]],
    current: dict[tuple[int, str], tuple[str, str]],
) -> list[Change]:
    """What changed from one run to the next, per (beneficiary, condition) -> (TIN, NPI) of the
    lead ("" when the condition is met without a lead): a lead that appears is `added`, one that
    moves to another TIN/NPI `changed`, one that goes `dropped`. Unchanged pairs are left out."""
    changes = []
    for key in sorted(set(previous) | set(current)):
        before = previous.get(key, ("", ""))
        after = current.get(key, ("", ""))
        if before == after:
            continue
        if not any(before):
            kind = ADDED
        elif not any(after):
            kind = DROPPED
        else:
            kind = CHANGED
        changes.append(Change(key[0], key[1], kind, *before, *after))
    return changes
