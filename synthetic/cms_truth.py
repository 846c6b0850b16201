"""The generator's ground truth for CMS's lists: who CMS would assign or align, computed by the
alignment engine's own rules from every claim the synthetic deliveries draw.

CMS runs assignment on the claims it holds, which include the claims it withholds from CCLF
(beneficiaries who declined data sharing). The generator knows those claims: it draws each
year's delivery again from the same seed (`synthetic.cclf.draw_blocks`, the exact records
`generate_delivery` writes, before any withholding), reads them back by their CCLF layouts, keeps
the final action of each claim as the claims app does (cancellations and replacements, denials;
FQHC/RHC revenue lines with their paid amount) and runs the engine over them with the windows of
the list. A synthetic list built on this truth differs from the platform's run only where a
cause is planted (synthetic.cms_lists), so that every difference a reconciliation finds has a
cause in the data.

Not modelled (the platform's run does not see them either): group health plan months, other
initiatives, inpatient and SNF stays (no drawn primary care code is excluded by a stay).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from alignment.engine import (
    AssignmentMethod,
    ListKind,
    ParticipantList,
    align_reach,
    assign_mssp,
    mssp_parameters,
    reach_parameters,
)
from alignment.engine import columns as c
from alignment.engine import mssp as mssp_engine
from alignment.engine import reach as reach_engine
from alignment.engine.eligibility import enrollment_months
from alignment.engine.windows import MsspWindows, ReachWindows
from cclf.layouts import layout
from synthetic.cclf import GeneratorConfig, Provider, delivery_participants, draw_blocks

#: The participants of the entity in a year (the delivery of that year was drawn with them).
ParticipantsFor = Callable[[int], tuple[Sequence[Provider], Sequence[str]]]


@dataclass(frozen=True)
class Truth:
    """The engine's result for every beneficiary of the delivery, by position in the delivery
    (BENE_ID is the position), and the participant list it used."""

    result: pd.DataFrame  # alignment.engine.columns.RESULT_COLUMNS
    participants: ParticipantList


def _fields(code: str, data: bytes, names: Sequence[str]) -> pd.DataFrame:
    """The named fields of a file's records, as stripped text."""
    lay = layout(code)
    width = lay.record_length + 1
    if not data:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    matrix = np.frombuffer(data, dtype=np.uint8).reshape(-1, width)
    out = {}
    for name in names:
        f = lay.field(name)
        raw = np.ascontiguousarray(matrix[:, f.start : f.end]).view(f"S{f.width}").ravel()
        out[name] = pd.Series(np.char.strip(raw).astype(str), dtype=object)
    return pd.DataFrame(out)


def _cents(values: pd.Series) -> np.ndarray:
    """Amounts as CCLF writes them (sign, digits, two decimals) in cents."""
    dollars = pd.to_numeric(values.replace("", "0"))
    return (dollars * 100).round().astype(np.int64).to_numpy()


def _days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), errors="coerce")


def _final(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """The last version of each claim by effective date (an adjustment after its cancellation);
    a claim whose last version is a cancellation is gone."""
    ordered = frame.assign(_eff=_days(frame["CLM_EFCTV_DT"])).sort_values(
        [*key, "_eff", "CLM_ADJSMT_TYPE_CD"], kind="stable"
    )
    last = ordered.drop_duplicates(key, keep="last")
    return last[last["CLM_ADJSMT_TYPE_CD"] != "1"].drop(columns="_eff")


def _part_b_lines(data: bytes) -> pd.DataFrame:
    """Final-action, allowed Part B lines (the engine keeps those with a listed HCPCS)."""
    names = [
        "CLM_CNTL_NUM", "CLM_LINE_NUM", "BENE_MBI_ID", "CLM_ADJSMT_TYPE_CD", "CLM_EFCTV_DT",
        "CLM_LINE_FROM_DT", "CLM_FROM_DT", "CLM_LINE_HCPCS_CD", "CLM_LINE_ALOWD_CHRG_AMT",
        "CLM_RNDRG_PRVDR_TAX_NUM", "RNDRG_PRVDR_NPI_NUM", "CLM_RNDRG_PRVDR_NPI_NUM",
        "CLM_PRVDR_SPCLTY_CD", "CLM_POS_CD", "CLM_CARR_PMT_DNL_CD", "CLM_PRCSG_IND_CD",
    ]  # fmt: skip
    f = _final(_fields("CCLF5", data, names), ["CLM_CNTL_NUM", "CLM_LINE_NUM"])
    allowed = (f["CLM_CARR_PMT_DNL_CD"] != "0") & (
        (f["CLM_PRCSG_IND_CD"] == "") | f["CLM_PRCSG_IND_CD"].isin(["A", "R", "S"])
    )
    f = f[allowed]
    line_from = _days(f["CLM_LINE_FROM_DT"])
    return pd.DataFrame(
        {
            "mbi": f["BENE_MBI_ID"].to_numpy(),
            c.SERVICE_DATE: line_from.fillna(_days(f["CLM_FROM_DT"])).to_numpy(),
            c.HCPCS: f["CLM_LINE_HCPCS_CD"].to_numpy(),
            c.ALLOWED_CENTS: _cents(f["CLM_LINE_ALOWD_CHRG_AMT"]),
            c.TIN: f["CLM_RNDRG_PRVDR_TAX_NUM"].str.zfill(9).to_numpy(),
            c.NPI: f["RNDRG_PRVDR_NPI_NUM"]
            .where(f["RNDRG_PRVDR_NPI_NUM"] != "", f["CLM_RNDRG_PRVDR_NPI_NUM"])
            .to_numpy(),
            c.CCN: "",
            c.SPECIALTY: f["CLM_PRVDR_SPCLTY_CD"].to_numpy(),
            c.POS: f["CLM_POS_CD"].to_numpy(),
            c.FQHC_RHC: False,
        }
    )


def _fqhc_rhc_lines(headers: bytes, revenue: bytes) -> pd.DataFrame:
    """FQHC and RHC revenue lines of final-action claims: paid amount for allowed, the
    attending NPI, the facility's CCN (as the platform's claims snapshot reads them)."""
    key = ["BENE_MBI_ID", "PRVDR_OSCAR_NUM", "CLM_TYPE_CD", "CLM_FROM_DT", "CLM_THRU_DT"]
    h = _fields(
        "CCLF1",
        headers,
        [*key, "CUR_CLM_UNIQ_ID", "CLM_ADJSMT_TYPE_CD", "CLM_EFCTV_DT", "CLM_BILL_FAC_TYPE_CD",
         "CLM_BILL_CLSFCTN_CD", "CLM_MDCR_NPMT_RSN_CD", "ATNDG_PRVDR_NPI_NUM"],
    )  # fmt: skip
    h = _final(h, key)
    bill = h["CLM_BILL_FAC_TYPE_CD"] + h["CLM_BILL_CLSFCTN_CD"]
    h = h[bill.isin(["71", "77"]) & (h["CLM_MDCR_NPMT_RSN_CD"] == "")]
    r = _fields(
        "CCLF2",
        revenue,
        ["CUR_CLM_UNIQ_ID", "CLM_LINE_FROM_DT", "CLM_LINE_HCPCS_CD", "CLM_LINE_CVRD_PD_AMT"],
    )
    r = r.merge(h, on="CUR_CLM_UNIQ_ID")
    return pd.DataFrame(
        {
            "mbi": r["BENE_MBI_ID"].to_numpy(),
            c.SERVICE_DATE: _days(r["CLM_LINE_FROM_DT"]).fillna(_days(r["CLM_FROM_DT"])).to_numpy(),
            c.HCPCS: r["CLM_LINE_HCPCS_CD"].to_numpy(),
            c.ALLOWED_CENTS: _cents(r["CLM_LINE_CVRD_PD_AMT"]),
            c.TIN: "",
            c.NPI: r["ATNDG_PRVDR_NPI_NUM"].to_numpy(),
            c.CCN: r["PRVDR_OSCAR_NUM"].to_numpy(),
            c.SPECIALTY: "",
            c.POS: "",
            c.FQHC_RHC: True,
        }
    )


def _years(windows: MsspWindows | ReachWindows, last: int) -> range:
    if isinstance(windows, MsspWindows):
        first = (windows.expanded or windows.assignment).start.year
    else:
        first = windows.year_1.start.year
    return range(first, last + 1)


def cms_truth(
    cfg: GeneratorConfig,
    *,
    program: str,
    list_kind: ListKind,
    method: AssignmentMethod,
    list_date: date,
    participants_for: ParticipantsFor,
    voluntary: pd.DataFrame | None = None,
) -> Truth:
    """Run the engine as CMS would for the list of `list_date`, over every claim the entity's
    deliveries of the window's years draw (each year drawn with that year's participants).
    `voluntary`: designations CMS holds (BENE_ID as position, VA_TIN, VA_NPI, SIGNATURE_DATE)."""
    if program == "mssp":
        params = mssp_parameters(cfg.year, method)
        windows: MsspWindows | ReachWindows = mssp_engine.windows_for(
            params, list_kind=list_kind, as_of=list_date
        )
    else:
        rparams = reach_parameters(cfg.year)
        windows = reach_engine.windows_for(rparams, list_kind=list_kind, as_of=list_date)
    frames, people = [], None
    providers_now, ccns_now = participants_for(cfg.year)
    for year in _years(windows, cfg.year):
        providers, ccns = participants_for(year)
        year_cfg = replace(
            cfg, year=year, participants=list(providers), facilities=list(ccns), runout=False
        )
        pop, blocks = draw_blocks(year_cfg)
        parts: dict[str, list[bytes]] = {"CCLF1": [], "CCLF2": [], "CCLF5": [], "CCLF8": []}
        for block in blocks:
            for code, chunks in parts.items():
                chunks.append(block[code])
        frames.append(_part_b_lines(b"".join(parts["CCLF5"])))
        frames.append(_fqhc_rhc_lines(b"".join(parts["CCLF1"]), b"".join(parts["CCLF2"])))
        if year == cfg.year or people is None:
            people = (pop, b"".join(parts["CCLF8"]))
    assert people is not None
    pop, demographics = people
    position = {bytes(m).decode(): i for i, m in enumerate(pop.previous_mbi)}
    position.update({bytes(m).decode(): i for i, m in enumerate(pop.mbi)})
    lines = pd.concat(frames, ignore_index=True)
    lines.insert(0, c.BENE_ID, lines.pop("mbi").map(position).astype(np.int64))
    lines[c.SERVICE_DATE] = pd.to_datetime(lines[c.SERVICE_DATE])
    d = _fields(
        "CCLF8",
        demographics,
        ["BENE_MBI_ID", "BENE_DEATH_DT", "BENE_PART_A_ENRLMT_BGN_DT", "BENE_PART_B_ENRLMT_BGN_DT",
         "BENE_FIPS_STATE_CD"],
    )  # fmt: skip
    benes = pd.DataFrame(
        {
            c.BENE_ID: d["BENE_MBI_ID"].map(position).astype(np.int64),
            c.DEATH_DATE: _days(d["BENE_DEATH_DT"]),
            "part_a_start": _days(d["BENE_PART_A_ENRLMT_BGN_DT"]),
            "part_b_start": _days(d["BENE_PART_B_ENRLMT_BGN_DT"]),
            "state_fips": d["BENE_FIPS_STATE_CD"],
        }
    ).sort_values(c.BENE_ID, ignore_index=True)
    enrollment = enrollment_months(benes, windows.eligibility)
    benes = benes[[c.BENE_ID, c.DEATH_DATE]].assign(**{c.OTHER_INITIATIVE: False})
    # The entity's own list when it has one (a delivery drawn for it still sends some claims to
    # the generator's stand-in facilities, which are then not the entity's); else the synthetic
    # list the delivery was drawn with, facilities included.
    providers, ccns = (
        (list(providers_now), list(ccns_now))
        if providers_now
        else delivery_participants(replace(cfg, participants=[], facilities=list(ccns_now)))
    )
    pairs = frozenset((p.tin, p.npi) for p in providers)
    inputs = {"beneficiaries": benes, "enrollment": enrollment, "lines": lines}
    if program == "mssp":
        plist = ParticipantList(
            tins=frozenset(p.tin for p in providers), ccns=frozenset(ccns), providers=pairs
        )
        result = assign_mssp(
            **inputs, participants=plist, params=params, windows=windows, voluntary=voluntary
        )
    else:
        plist = ParticipantList(providers=pairs, ccns=frozenset(ccns))
        result = align_reach(
            **inputs, participants=plist, params=rparams, windows=windows, voluntary=voluntary
        )
    return Truth(result=result.set_index(c.BENE_ID, drop=False), participants=plist)
