"""Writes core/data/hcpcs_level2.tsv.gz, the HCPCS Level II codes with CMS's short descriptions,
from a CSV of CMS's HCPCS Level II file (columns code or hcpcs, seqnum, recid, long_description,
short_description: CMS's record layout; record 3 is a procedure or supply code, 7 a modifier).

The shipped table comes from CMS's HCPCS Level II file as the Tuva Project (Apache-2.0)
republished it on 5 April 2022 (tuva-health/tuva, data/hcpcs_level_2.csv, commit 00f05f08): the
2022 release. To refresh it from CMS's current quarterly file (the "HCPCS Quarterly Update" page
of cms.gov), save that file's records as such a CSV and run
`.venv/bin/python core/data/build_hcpcs.py <file.csv> "<release>"`, then set core.codes.HCPCS_SOURCE.

Level I codes (CPT®) are the American Medical Association's: their descriptors are licensed and
are not shipped (CMS's file carries none either)."""

from __future__ import annotations

import csv
import gzip
import sys
from pathlib import Path

OUT = Path(__file__).with_name("hcpcs_level2.tsv.gz")


def main(path: str) -> None:
    rows: dict[str, str] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("code") or row.get("hcpcs") or "").strip().upper()
            if row.get("recid", "").strip() != "3" or not code or code in rows:
                continue
            text = " ".join((row.get("short_description") or "").split())
            rows[code] = text.replace("\t", " ")
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("code\tshort_description\n")
        fh.write("".join(f"{code}\t{text}\n" for code, text in sorted(rows.items())))


if __name__ == "__main__":
    main(sys.argv[1])
