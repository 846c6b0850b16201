"""Synthetic CMS lists that match a synthetic CCLF delivery (synthetic.cclf): the same people,
drawn from the same seed and entity, as CMS would list them for the performance year.

* MSSP: an Assignment List Report's tables 1-1 (assigned beneficiaries, and excluded ones with
  their exclusion flags), 1-2 (beneficiaries by participant TIN), 1-4 (by TIN and NPI) and 1-5
  (turnover), one CSV per table, named as CMS names ALR files (`P.A9901.ACO.QALR.2025Q4.D259999.T0200000_1-1.csv`).
* ACO REACH: one alignment-report CSV (cmslists/layouts/reach_bar.csv).

Who is on it comes from the generator's ground truth (synthetic.cms_truth): the alignment
engine's rules over every claim the deliveries draw, including those CMS withholds from CCLF,
and the voluntary alignments CMS holds (every 25th beneficiary). On that truth, by the
beneficiary's position i in the delivery, the causes a reconciliation must find are planted:
i % 10 == 7, excluded for a Medicare health plan month; i % 10 == 8, another shared savings
initiative; i % 20 == 9, outside the US; people who died before the year, assigned by the window's claims or with services at the
entity, excluded (deceased). People who declined data sharing stay assigned where the truth
assigns them, and `opted_out` more people the delivery does not carry at all are assigned on the
list. Column names come from the layouts (cmslists.layouts); files are written through
core.csvfiles.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from alignment.engine import AssignmentMethod, ListKind
from alignment.engine import columns as col
from alignment.engine.vocabulary import Step
from benchmarks.engine.expenditures import DEFAULT_DUAL_CODES
from cmslists.layouts import MSSP_ALR, REACH_BAR, layout
from core import csvfiles
from synthetic.cclf import (
    FIRST_NAMES,
    LAST_NAMES,
    GeneratorConfig,
    Provider,
    _Population,
    delivery_participants,
)
from synthetic.cms_truth import ParticipantsFor, Truth, cms_truth
from synthetic.identifiers import random_mbis

MA, OTHER, OUTSIDE = 7, 8, 9
VOLUNTARY_EVERY = 25


@dataclass(frozen=True)
class SyntheticList:
    kind: str
    performance_year: int
    period: int
    list_date: date
    files: list[tuple[str, bytes]]
    assigned: int
    excluded: int
    opted_out: list[str]


def _csv(report: str, table: str, rows: list[dict[str, str]]) -> bytes:
    columns = [c.name for c in layout(report)[table]]
    out = io.StringIO()
    writer = csvfiles.dict_writer(out, columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode()


def _designations(cfg: GeneratorConfig, participants: list[Provider]) -> pd.DataFrame:
    """The voluntary alignments CMS holds and the platform does not (Medicare.gov designations,
    every 25th beneficiary of the delivery, to a participant provider, signed in June before the
    performance year): BENE_ID is the position in the delivery."""
    picked = np.arange(0, cfg.beneficiaries, VOLUNTARY_EVERY)
    return pd.DataFrame(
        {
            col.BENE_ID: picked.astype(np.int64),
            col.VA_TIN: [participants[i % len(participants)].tin for i in picked],
            col.VA_NPI: [participants[i % len(participants)].npi for i in picked],
            col.SIGNATURE_DATE: pd.Timestamp(date(cfg.year - 1, 6, 3)),
        }
    )


def _planted(i: int) -> str:
    """The exclusion CMS sees and the claims cannot show, planted on assigned beneficiaries."""
    if i % 10 == MA:
        return "medicare_advantage"
    if i % 10 == OTHER:
        return "other_initiative"
    if i % 20 == OUTSIDE:
        return "outside_us"
    return ""


def _enrollment_flags(status: str, dual: str, death: np.datetime64, year: int) -> str:
    """Table 1-1's ENROLLFLAG1..12 of a list whose window is the calendar year, from the
    generator's CCLF8 truth: 1 ESRD, 2 disabled, 3 aged/dual, 4 aged/non-dual (the meanings of
    cmslists/layouts/enrollflag.csv), 0 for the months after death."""
    if status in ("11", "21", "31"):
        code = "1"
    elif status == "20":
        code = "2"
    else:
        code = "3" if dual in DEFAULT_DUAL_CODES else "4"
    months = 12
    if not np.isnat(death) and death.astype("datetime64[Y]").astype(int) + 1970 == year:
        months = int(death.astype("datetime64[M]").astype(int) % 12) + 1
    elif not np.isnat(death) and death < np.datetime64(f"{year}-01-01"):
        months = 0
    return code * months + "0" * (12 - months)


def _people(
    cfg: GeneratorConfig,
    list_date: date,
    opted_out: int,
    truth: Truth,
    participants: list[Provider],
) -> list[dict[str, str]]:
    """CMS's list on the ground truth: everyone the engine assigns on every claim (including
    those CMS withholds from CCLF) and the voluntary alignments CMS holds; on that, the planted
    exclusions (Medicare Advantage, another initiative, outside the US); people who died before
    the year (assigned by the window's claims or with services at the entity) excluded as
    deceased, never assigned; and `opted_out` assigned people
    no delivery carries (they declined data sharing before the first one)."""
    pop = _Population(cfg, np.random.default_rng([cfg.seed, zlib.crc32(cfg.entity_id.encode())]))
    current, _ = pop.current_mbi(np.datetime64(list_date))
    start = np.datetime64(f"{cfg.year}-01-01")
    result = truth.result
    people = []
    for i in range(pop.n):
        row = result.loc[i]
        dead_before = not np.isnat(pop.death[i]) and pop.death[i] < start
        if dead_before and (bool(row[col.ALIGNED]) or row[col.ENTITY_ALLOWED_CENTS] > 0):
            # Nobody is assigned for a performance year they did not live in (42 CFR
            # 425.401(a): Medicare fee-for-service beneficiaries of the year), even where a
            # quarterly list's rolling window still holds their services of the year before.
            reason = "deceased"
        elif bool(row[col.ALIGNED]):
            reason = _planted(i)
        else:
            continue
        voluntary = row[col.STEP] == Step.VOLUNTARY.value
        provider = participants[i % len(participants)]
        people.append(
            {
                "i": str(i),
                "mbi": current[i].decode(),
                "first": str(pop.first_name[i]),
                "last": str(pop.last_name[i]),
                "sex": str(pop.sex[i]),
                "dob": str(pop.dob[i]),
                "death": "" if np.isnat(pop.death[i]) else str(pop.death[i]),
                "reason": reason,
                "opted_out": "",
                "voluntary": "1" if voluntary and not reason else "",
                "enrollment": _enrollment_flags(
                    str(pop.status[i]), str(pop.dual[i]), pop.death[i], cfg.year
                ),
                "tin": provider.tin if voluntary else str(row[col.ATTRIBUTED_TIN] or ""),
                "npi": provider.npi if voluntary else str(row[col.ATTRIBUTED_NPI] or ""),
                "ccn": "" if voluntary else str(row[col.ATTRIBUTED_CCN] or ""),
            }
        )
    extra = random_mbis(
        np.random.default_rng([cfg.seed, 4242, zlib.crc32(cfg.entity_id.encode())]), opted_out
    )
    known = {m.decode() for m in current} | {m.decode() for m in pop.previous_mbi}
    for k, mbi in enumerate(m.decode() for m in extra):
        if mbi in known:
            continue
        provider = participants[(pop.n + k) % len(participants)]
        people.append(
            {
                "i": str(pop.n + k),
                "mbi": mbi,
                "first": FIRST_NAMES[(k * 7) % len(FIRST_NAMES)],
                "last": LAST_NAMES[(k * 3) % len(LAST_NAMES)],
                "sex": "2" if k % 2 else "1",
                "dob": f"{cfg.year - 72 - k % 15}-0{1 + k % 9}-1{k % 9}",
                "death": "",
                "reason": "",
                "opted_out": "1",
                "voluntary": "",
                "enrollment": "4" * 12,  # aged (72 and over), not dual
                "tin": provider.tin,
                "npi": provider.npi,
                "ccn": "",
            }
        )
    return people


REASON_FLAG = {
    "deceased": "DECEASED_EXCLUDED",
    "medicare_advantage": "GHP_EXCLUDED",
    "other_initiative": "OTHER_SHARED_SAV_INIT",
    "outside_us": "OUTSIDE_US_EXCLUDED",
}
REACH_CODE = {
    "deceased": "DECEASED",
    "medicare_advantage": "GHP",
    "other_initiative": "OTHER_INIT",
    "outside_us": "OUTSIDE_US",
}


def generate_cms_list(
    cfg: GeneratorConfig,
    out: str | Path,
    *,
    kind: str,
    list_date: date,
    period: int = 0,
    opted_out: int | None = None,
    participants_for: ParticipantsFor | None = None,
) -> SyntheticList:
    """Write the list report for the delivery `cfg` describes into `out`; returns what was
    written. `opted_out` (default: 2% of the delivery, at least 2) assigned people are not in
    the delivery. `participants_for(year)`: the participants and CCNs each year's delivery was
    drawn with (default: `cfg`'s for every year)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    opted_out = max(2, cfg.beneficiaries // 50) if opted_out is None else opted_out
    participants, _ = delivery_participants(cfg)
    truth = cms_truth(
        cfg,
        program="mssp" if kind.startswith("mssp") else "reach",
        list_kind=ListKind.QUARTERLY if kind.endswith("quarterly") else ListKind.FINAL,
        method=AssignmentMethod.PROSPECTIVE
        if kind == "mssp_prospective"
        else AssignmentMethod.PPWRR,
        list_date=list_date,
        participants_for=participants_for or (lambda _year: (cfg.participants, cfg.facilities)),
        voluntary=_designations(cfg, participants),
    )
    people = _people(cfg, list_date, opted_out, truth, participants)
    assigned = [p for p in people if not p["reason"]]
    excluded = [p for p in people if p["reason"]]
    yy = f"{list_date.year % 100:02d}"
    files: list[tuple[str, bytes]] = []
    if kind.startswith("mssp"):
        code = "QALR" if kind == "mssp_quarterly" else "AALR"
        when = f"{cfg.year}Q{period}" if period else f"Y{cfg.year}"
        stem = f"P.{cfg.entity_id}.ACO.{code}.{when}.D{yy}9999.T0200000"
        t11, t12, t14 = [], [], []
        for p in people:
            row = {
                "BENE_MBI_ID": p["mbi"],
                "BENE_1ST_NAME": p["first"],
                "BENE_LAST_NAME": p["last"],
                "BENE_SEX_CD": p["sex"],
                "BENE_BRTH_DT": p["dob"],
                "BENE_DEATH_DT": p["death"],
                "CBA_FLAG": "0" if p["reason"] else "1",
                "IN_VA_MAX": "1" if p["voluntary"] else "0",
                "EXCLUDED": "1" if p["reason"] else "0",
            }
            if p["voluntary"]:
                row.update(VA_TIN=p["tin"], VA_NPI=p["npi"])
            if p["reason"]:
                row[REASON_FLAG[p["reason"]]] = "1"
            else:
                row["ASSIGNMENT_TYPE"] = "1"
                row.update(
                    {f"ENROLLFLAG{m}": code for m, code in enumerate(p["enrollment"], start=1)}
                )
                t12.append(
                    {
                        "BENE_MBI_ID": p["mbi"],
                        "MASTER_ID": p["tin"] or p["ccn"],
                        "B_EM_LINE_CNT_T": str(2 + int(p["i"]) % 5),
                    }
                )
                if p["tin"] and p["npi"]:
                    t14.append(
                        {
                            "BENE_MBI_ID": p["mbi"],
                            "MASTER_ID": p["tin"],
                            "NPI_USED": p["npi"],
                            "PCS_COUNT": str(2 + int(p["i"]) % 5),
                        }
                    )
            t11.append(row)
        files = [
            (f"{stem}_1-1.csv", _csv(MSSP_ALR, "1-1", t11)),
            (f"{stem}_1-2.csv", _csv(MSSP_ALR, "1-2", t12)),
            (f"{stem}_1-4.csv", _csv(MSSP_ALR, "1-4", t14)),
            (f"{stem}_1-5.csv", _csv(MSSP_ALR, "1-5", [])),
        ]
    else:
        rows = []
        for p in people:
            voluntary = bool(p["voluntary"])
            rows.append(
                {
                    "BENE_MBI_ID": p["mbi"],
                    "BENE_1ST_NAME": p["first"],
                    "BENE_LAST_NAME": p["last"],
                    "BENE_SEX_CD": p["sex"],
                    "BENE_BRTH_DT": p["dob"],
                    "BENE_DEATH_DT": p["death"],
                    "ALGN_STATUS": "E" if p["reason"] else "A",
                    "EXCLUSION_REASON": REACH_CODE.get(p["reason"], ""),
                    "VA_FLAG": "1" if voluntary else "0",
                    "VA_TIN": p["tin"] if voluntary else "",
                    "VA_NPI": p["npi"] if voluntary else "",
                    "ALGN_TIN": "" if p["reason"] else p["tin"],
                    "ALGN_NPI": "" if p["reason"] else p["npi"],
                    "ALGN_EFCTV_DT": "" if p["reason"] else f"{cfg.year}-01-01",
                }
            )
        label = "PROSPECTIVE" if not period else f"Q{period}"
        files = [
            (
                f"P.{cfg.entity_id}.BAR.{cfg.year}.{label}.D{yy}9999.csv",
                _csv(REACH_BAR, "BAR", rows),
            )
        ]
    for name, content in files:
        (out / name).write_bytes(content)
    return SyntheticList(
        kind=kind,
        performance_year=cfg.year,
        period=period,
        list_date=list_date,
        files=files,
        assigned=len(assigned),
        excluded=len(excluded),
        opted_out=[p["mbi"] for p in people if p["opted_out"]],
    )
