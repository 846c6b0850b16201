"""Synthetic CMS lists that match a synthetic CCLF delivery (synthetic.cclf): the same people,
drawn from the same seed and entity, as CMS would list them for the performance year.

* MSSP: an Assignment List Report's tables 1-1 (assigned beneficiaries, and excluded ones with
  their exclusion flags), 1-2 (beneficiaries by participant TIN) and 1-5 (turnover), one CSV per
  table, named as CMS names ALR files (`P.A9901.ACO.QALR.2025Q4.D259999.T0200000_1-1.csv`).
* ACO REACH: one alignment-report CSV (cmslists/layouts/reach_bar.csv).

Who is where, by the beneficiary's position i in the delivery: died before the year, excluded
(deceased); i % 10 == 7, excluded for a Medicare health plan month; i % 10 == 8, another shared
savings initiative; i % 20 == 9, outside the US; the others assigned, every 25th voluntarily.
And `opted_out` people the delivery does not carry at all (CMS leaves those who declined data
sharing out of CCLF) are assigned on the list. Column names come from the layouts
(cmslists.layouts); files are written through core.csvfiles.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from cmslists.layouts import MSSP_ALR, REACH_BAR, layout
from core import csvfiles
from synthetic.cclf import (
    FIRST_NAMES,
    LAST_NAMES,
    GeneratorConfig,
    _Population,
    default_participants,
)
from synthetic.identifiers import random_mbis

MA, OTHER, OUTSIDE = 7, 8, 9


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


def _people(cfg: GeneratorConfig, list_date: date, opted_out: int) -> list[dict[str, str]]:
    pop = _Population(cfg, np.random.default_rng([cfg.seed, zlib.crc32(cfg.entity_id.encode())]))
    current, _ = pop.current_mbi(np.datetime64(list_date))
    start = np.datetime64(f"{cfg.year}-01-01")
    people = []
    for i in range(pop.n):
        dead_before = not np.isnat(pop.death[i]) and pop.death[i] < start
        reason = (
            "deceased"
            if dead_before
            else "medicare_advantage"
            if i % 10 == MA
            else "other_initiative"
            if i % 10 == OTHER
            else "outside_us"
            if i % 20 == OUTSIDE
            else ""
        )
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
            }
        )
    extra = random_mbis(
        np.random.default_rng([cfg.seed, 4242, zlib.crc32(cfg.entity_id.encode())]), opted_out
    )
    known = {p["mbi"] for p in people} | {m.decode() for m in pop.previous_mbi}
    for k, mbi in enumerate(m.decode() for m in extra):
        if mbi in known:
            continue
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
) -> SyntheticList:
    """Write the list report for the delivery `cfg` describes into `out`; returns what was
    written. `opted_out` (default: 2% of the delivery, at least 2) assigned people are not in
    the delivery."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    opted_out = max(2, cfg.beneficiaries // 50) if opted_out is None else opted_out
    people = _people(cfg, list_date, opted_out)
    participants = list(cfg.participants) or default_participants(np.random.default_rng(cfg.seed))
    assigned = [p for p in people if not p["reason"]]
    excluded = [p for p in people if p["reason"]]
    yy = f"{list_date.year % 100:02d}"
    files: list[tuple[str, bytes]] = []
    if kind.startswith("mssp"):
        code = "QALR" if kind == "mssp_quarterly" else "AALR"
        when = f"{cfg.year}Q{period}" if period else f"Y{cfg.year}"
        stem = f"P.{cfg.entity_id}.ACO.{code}.{when}.D{yy}9999.T0200000"
        t11, t12 = [], []
        for p in people:
            i = int(p["i"])
            provider = participants[i % len(participants)]
            row = {
                "BENE_MBI_ID": p["mbi"],
                "BENE_1ST_NAME": p["first"],
                "BENE_LAST_NAME": p["last"],
                "BENE_SEX_CD": p["sex"],
                "BENE_BRTH_DT": p["dob"],
                "BENE_DEATH_DT": p["death"],
                "CBA_FLAG": "0" if p["reason"] else "1",
                "IN_VA_MAX": "1" if not p["reason"] and i % 25 == 0 else "0",
                "EXCLUDED": "1" if p["reason"] else "0",
            }
            if row["IN_VA_MAX"] == "1":
                row.update(VA_TIN=provider.tin, VA_NPI=provider.npi)
            if p["reason"]:
                row[REASON_FLAG[p["reason"]]] = "1"
            else:
                row["ASSIGNMENT_TYPE"] = "1"
                row.update({f"ENROLLFLAG{m}": "1" for m in range(1, 13)})
                t12.append(
                    {
                        "BENE_MBI_ID": p["mbi"],
                        "MASTER_ID": provider.tin,
                        "B_EM_LINE_CNT_T": str(2 + i % 5),
                    }
                )
            t11.append(row)
        files = [
            (f"{stem}_1-1.csv", _csv(MSSP_ALR, "1-1", t11)),
            (f"{stem}_1-2.csv", _csv(MSSP_ALR, "1-2", t12)),
            (f"{stem}_1-5.csv", _csv(MSSP_ALR, "1-5", [])),
        ]
    else:
        rows = []
        for p in people:
            i = int(p["i"])
            provider = participants[i % len(participants)]
            voluntary = not p["reason"] and i % 25 == 0
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
                    "VA_TIN": provider.tin if voluntary else "",
                    "VA_NPI": provider.npi if voluntary else "",
                    "ALGN_TIN": "" if p["reason"] else provider.tin,
                    "ALGN_NPI": "" if p["reason"] else provider.npi,
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
