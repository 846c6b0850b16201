"""Helpers that build real fixed-width CCLF deliveries for tests."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cclf.layouts import DATA_FILE_CODES, layout
from cclf.names import parse_name
from cclf.writer import write_delivery

TUVA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "cclf_synthetic_tuva"
if not TUVA_DIR.exists():  # the worktree layout: /work/wt/<name>; shared is /work/shared
    TUVA_DIR = Path("/work/shared/data/cclf_synthetic_tuva")
TUVA_FILES = {
    "CCLF1": "parta_claims_header.csv",
    "CCLF5": "partb_physicians.csv",
    "CCLF8": "beneficiary_demographics.csv",
    "CCLF9": "beneficiary_xref.csv",
}


def fixed_width(code: str, values: Mapping[str, Any]) -> bytes:
    """One fixed-width record from printed values (as in a delimited CCLF extract): text is
    left-justified, numbers and amounts right-justified (the sign position blank)."""
    lay = layout(code)
    record = bytearray(b" " * lay.record_length)
    for f in lay.fields:
        value = values.get(f.label)
        if value is None or value == "":
            continue
        text = str(value)
        if f.kind == "integer":
            text = text.zfill(f.width)
        elif f.kind == "amount":
            text = text.rjust(f.width)
        if len(text) > f.width:
            raise ValueError(f"{code} {f.label}: {text!r} is wider than {f.width}")
        record[f.start : f.start + len(text)] = text.encode("latin-1")
    return bytes(record) + b"\n"


def make_delivery(
    out: Path,
    *,
    entity_id: str,
    delivered_at: datetime,
    records: Mapping[str, Sequence[Mapping[str, Any]]],
    year: int | None = None,
    runout: bool = False,
    as_zip: bool = True,
) -> Path:
    """A complete delivery (every file, empty when not given, and its CCLF0)."""
    contents = {
        code: b"".join(fixed_width(code, r) for r in records.get(code, ()))
        for code in DATA_FILE_CODES
    }
    return write_delivery(
        out,
        entity_id=entity_id,
        year=year or delivered_at.year,
        delivered_at=delivered_at,
        contents=contents,
        runout=runout,
        as_zip=as_zip,
    )


def tuva_deliveries(out: Path) -> list[Path]:
    """The synthetic Tuva records (CCLF1, 5, 8, 9) as the four fixed-width deliveries they came in,
    oldest first. Their files are named P.A0000.ACO.ZC?Y25.D251110.T1200000 and so on."""
    by_file: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for code, name in TUVA_FILES.items():
        with open(TUVA_DIR / name, newline="") as fh:
            for row in csv.DictReader(fh):
                by_file[row["FILE_NAME"]][code].append(row)
    deliveries: dict[tuple[datetime, int, bool], dict[str, list[dict[str, str]]]] = defaultdict(
        dict
    )
    for file_name, per_code in by_file.items():
        name = parse_name(file_name)
        key = (name.delivered_at, name.performance_year, name.runout)
        for code, rows in per_code.items():
            deliveries[key].setdefault(code, []).extend(rows)
    paths = []
    for (delivered_at, year, runout), records in sorted(deliveries.items()):
        paths.append(
            make_delivery(
                out,
                entity_id="A0000",
                delivered_at=delivered_at,
                records=records,
                year=year,
                runout=runout,
            )
        )
    return paths
