"""Hospital stays, transfers and the Planned Readmission Algorithm, from final-action claims.

Inputs are the frames `claims.selectors` returns (see `inputs` for the columns each measure
reads). Claim type codes are CCLF1 CLM_TYPE_CD: 60/61 inpatient, 20/30 SNF, 40 outpatient,
50 hospice (CCLF IP v38.0 Appendix A).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd

from quality.engine.population import day_index, records
from quality.engine.valuesets import code_set, normalise, starts_with_any

INPATIENT = {"60", "61"}
SNF = {"20", "30"}
OUTPATIENT = {"40"}
HOSPICE = {"50"}

# BENE_PTNT_STUS_CD (UB-04 patient discharge status): died 20, 40-42; left against medical
# advice 07; transferred to a short-term acute hospital 02, 82 (with a planned readmission), and
# to a critical access hospital 66 (NUBC UB-04 form locator 17).
DIED = {"20", "40", "41", "42"}
AGAINST_ADVICE = {"07"}
TRANSFER_ACUTE = {"02", "66", "82"}

STAY_COLUMNS = [
    "beneficiary_id",
    "claim_id",
    "admit",
    "discharge",
    "principal_dx",
    "discharge_status",
    "facility_ccn",
    "facility_npi",
    "acute",
]


def _code(value: object) -> str:
    return normalise(value)


def is_acute_ccn(ccn: object) -> bool:
    """A CCN of a short-term acute care or critical access hospital (State Operations Manual
    2779A1); a claim without a CCN is taken as acute (the inpatient claim types are hospitals)."""
    text = normalise(ccn)
    if len(text) != 6 or not text[2:].isdigit():
        return True
    tail = text[2:]
    return any(lo <= tail <= hi for lo, hi in code_set("acute_hospital_ccn")["ranges"])


def inpatient_stays(claims: pd.DataFrame) -> pd.DataFrame:
    """One row per final-action inpatient claim (claim types 60/61), with the discharge status."""
    frame = claims[(claims["source"] == "A") & claims["claim_type_cd"].isin(INPATIENT)]
    if frame.empty:
        return pd.DataFrame(columns=STAY_COLUMNS)
    status = frame.get("discharge_status", "")
    stays = pd.DataFrame(
        {
            "beneficiary_id": frame["beneficiary_id"].astype(int),
            "claim_id": frame["claim_id"].astype(str),
            "admit": pd.to_datetime(frame["from_date"]),
            "discharge": pd.to_datetime(frame["thru_date"]),
            "principal_dx": frame["principal_dx"].map(_code),
            "discharge_status": pd.Series(status, index=frame.index).map(_code),
            "facility_ccn": frame["ccn"].fillna("").astype(str),
            "facility_npi": frame.get("facility_npi", pd.Series("", index=frame.index))
            .fillna("")
            .astype(str),
        }
    )
    stays["acute"] = stays["facility_ccn"].map(is_acute_ccn)
    return stays.drop_duplicates("claim_id").sort_values(["beneficiary_id", "admit", "discharge"])


def chain_transfers(stays: pd.DataFrame) -> pd.DataFrame:
    """Acute stays joined into hospitalisations: a stay that begins on the day the previous one
    ends, or the day after when the previous was discharged as a transfer to an acute hospital,
    continues it (the transfer chain of the CMS readmission measures: the last hospital's
    discharge ends the chain, HWR Measure Methodology, cohort definition).

    Returns one row per chain: first claim's admission, last claim's discharge, status and
    diagnosis, `claims` (ids in order) and `first_claim_id`/`first_dx` (the admission's).
    """
    acute = stays[stays["acute"].astype(bool)].sort_values(["beneficiary_id", "admit", "discharge"])
    rows: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for stay in records(acute):
        if current is not None and current["beneficiary_id"] == stay["beneficiary_id"]:
            gap = day_index(stay["admit"], current["discharge"])
            linked = gap <= 0 or (gap == 1 and current["discharge_status"] in TRANSFER_ACUTE)
            if linked:
                current["discharge"] = max(stay["discharge"], current["discharge"])
                for key in ("discharge_status", "principal_dx", "claim_id"):
                    current[key] = stay[key]
                current["facility_ccn"] = stay["facility_ccn"]
                current["facility_npi"] = stay["facility_npi"]
                current["claims"] = [*current["claims"], stay["claim_id"]]
                continue
        if current is not None:
            rows.append(current)
        current = {
            **{k: stay[k] for k in STAY_COLUMNS if k != "acute"},
            "first_claim_id": stay["claim_id"],
            "first_dx": stay["principal_dx"],
            "claims": [stay["claim_id"]],
        }
    if current is not None:
        rows.append(current)
    columns = [
        "beneficiary_id",
        "claim_id",
        "first_claim_id",
        "admit",
        "discharge",
        "principal_dx",
        "first_dx",
        "discharge_status",
        "facility_ccn",
        "facility_npi",
        "claims",
    ]
    return pd.DataFrame(rows, columns=columns)


def procedures_by_claim(procedures: pd.DataFrame | None) -> dict[str, list[str]]:
    if procedures is None or procedures.empty:
        return {}
    grouped: dict[str, list[str]] = {}
    for claim_id, code in zip(procedures["claim_id"], procedures["px_code"], strict=True):
        grouped.setdefault(str(claim_id), []).append(normalise(code))
    return grouped


def is_planned(principal_dx: str, px_codes: list[str]) -> bool:
    """The Planned Readmission Algorithm v4.0 (Horwitz et al. 2015; HWR specifications report,
    Appendix E): an admission is planned when (1) it has an always-planned procedure or an
    always-planned principal diagnosis, or (2) it has a potentially planned procedure and its
    principal diagnosis is not acute or a complication of care."""
    if starts_with_any(principal_dx, code_set("planned_always_dx")["dx_prefixes"]):
        return True
    if any(starts_with_any(px, code_set("planned_always_px")["px_prefixes"]) for px in px_codes):
        return True
    potential = any(
        starts_with_any(px, code_set("planned_potential_px")["px_prefixes"]) for px in px_codes
    )
    return potential and not starts_with_any(principal_dx, code_set("acute_dx")["dx_prefixes"])


def facility_intervals(claims: pd.DataFrame) -> pd.DataFrame:
    """Days in any inpatient facility (acute, psychiatric, rehabilitation, long-term care
    hospital: claim types 60/61) or SNF (20/30): beneficiary_id, start, end, kind."""
    frame = claims[(claims["source"] == "A") & claims["claim_type_cd"].isin(INPATIENT | SNF)]
    return pd.DataFrame(
        {
            "beneficiary_id": frame["beneficiary_id"].astype(int),
            "start": pd.to_datetime(frame["from_date"]),
            "end": pd.to_datetime(frame["thru_date"]),
            "kind": frame["claim_type_cd"].map(lambda t: "SNF" if t in SNF else "inpatient"),
            "claim_id": frame["claim_id"].astype(str),
        }
    )


def hospice_starts(claims: pd.DataFrame) -> dict[int, pd.Timestamp]:
    """The first hospice claim date (claim type 50) of each beneficiary."""
    frame = claims[(claims["source"] == "A") & claims["claim_type_cd"].isin(HOSPICE)]
    if frame.empty:
        return {}
    first = frame.groupby("beneficiary_id")["from_date"].min()
    return {int(str(b)): pd.Timestamp(d) for b, d in first.items()}


def ed_and_observation(claims: pd.DataFrame, revenue: pd.DataFrame | None) -> pd.DataFrame:
    """Outpatient claims (type 40) that are an ED visit or an observation stay, by their revenue
    centers (0450-0459, 0981 ED; 0762 or HCPCS G0378 observation). An observation stay that
    began in the ED is an observation stay. Columns: beneficiary_id, claim_id, start, end,
    principal_dx, kind ("ED" | "observation"), facility_ccn, facility_npi."""
    columns = ["beneficiary_id", "claim_id", "start", "end", "principal_dx", "kind"]
    columns += ["facility_ccn", "facility_npi"]
    outpatient = claims[(claims["source"] == "A") & claims["claim_type_cd"].isin(OUTPATIENT)]
    if outpatient.empty or revenue is None or revenue.empty:
        return pd.DataFrame(columns=columns)
    ed_prefixes = code_set("ed_visit")["revenue_prefixes"]
    obs = code_set("observation_stay")
    kinds: dict[str, str] = {}
    for claim_id, rev, hcpcs in zip(
        revenue["claim_id"].astype(str), revenue["revenue_cd"], revenue["hcpcs_cd"], strict=True
    ):
        if starts_with_any(rev, obs["revenue_prefixes"]) or normalise(hcpcs) in obs["hcpcs"]:
            kinds[claim_id] = "observation"
        elif starts_with_any(rev, ed_prefixes):
            kinds.setdefault(claim_id, "ED")
    frame = outpatient[outpatient["claim_id"].astype(str).isin(kinds)]
    return pd.DataFrame(
        {
            "beneficiary_id": frame["beneficiary_id"].astype(int),
            "claim_id": frame["claim_id"].astype(str),
            "start": pd.to_datetime(frame["from_date"]),
            "end": pd.to_datetime(frame["thru_date"]),
            "principal_dx": frame["principal_dx"].map(_code),
            "kind": frame["claim_id"].astype(str).map(kinds),
            "facility_ccn": frame["ccn"].fillna("").astype(str),
            "facility_npi": frame.get("facility_npi", pd.Series("", index=frame.index))
            .fillna("")
            .astype(str),
        },
        columns=columns,
    ).drop_duplicates("claim_id")


ONE_DAY = timedelta(days=1)

# The columns of the final-action claims frame the measures read (`claims.selectors`).
CLAIM_COLUMNS = [
    "beneficiary_id",
    "claim_id",
    "source",
    "claim_type_cd",
    "from_date",
    "thru_date",
    "line_from_date",
    "principal_dx",
    "discharge_status",
    "ccn",
    "facility_npi",
    "hcpcs_cd",
    "rendering_npi",
]


def with_claim_columns(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims frame with every column the measures read (an empty frame, too)."""
    missing = [c for c in CLAIM_COLUMNS if c not in claims.columns]
    if not missing:
        return claims
    frame = claims.copy()
    for col in missing:
        frame[col] = pd.Series(dtype="datetime64[ns]" if col.endswith("date") else "object")
    return frame
