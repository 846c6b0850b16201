"""Writes core/data/ccw_conditions.tsv.gz: the ICD-10-CM codes of CMS's Chronic Conditions Data
Warehouse (CCW) condition algorithms, the 30 CCW Chronic Conditions and the Other Chronic or
Potentially Disabling Conditions, one line per code and condition, with the condition's group,
category and CCW's qualifying-claims rule.

Source: the Tuva Project's value set `chronic_conditions__cms_chronic_conditions_hierarchy`
(Apache License 2.0), a copy of CCW's published algorithms, at the last commit of its repository
that carries the file's rows in git (later releases load the same table from the project's cloud
storage, which is not in git). Run from the worktree with the file at hand or over the network:

    .venv/bin/python core/data/build_ccw.py [PATH_OR_URL]

Only ICD-10-CM rows are kept: the platform's claims carry diagnoses; the seed's procedure, DRG
and NDC rows (opioid use disorder's treatment codes) are left out. `inclusion` is "Include" for
a code that counts toward the condition and "Exclude" for one whose claim does not count (the
stroke algorithm's trauma codes).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import urllib.request
from pathlib import Path

OUT = Path(__file__).with_name("ccw_conditions.tsv.gz")
TUVA_COMMIT = "9e441c0602229861ac296e694e64c1d6228e8751"  # 2024-02-27
SEED = (
    "seeds/value_sets/chronic_conditions/chronic_conditions__cms_chronic_conditions_hierarchy.csv"
)
SOURCE_URL = f"https://raw.githubusercontent.com/tuva-health/tuva/{TUVA_COMMIT}/{SEED}"
GROUPS = {
    "Common": "30 CCW Chronic Conditions",
    "Other chronic or potentially disabling conditions": "Other Chronic or Potentially Disabling "
    "Conditions",
}
COLUMNS = ["code", "condition_id", "condition", "group", "category", "qualification", "inclusion"]


def read_source(where: str) -> str:
    if where.startswith(("http://", "https://")):
        with urllib.request.urlopen(where, timeout=60) as resp:  # noqa: S310 - a fixed https URL
            return resp.read().decode("utf-8")
    return Path(where).read_text(encoding="utf-8")


def rows_from_seed(text: str) -> list[list[str]]:
    """The seed's ICD-10-CM rows as COLUMNS, sorted by code then condition; a row with an
    unknown group or inclusion stops the build (naming its line) rather than ship a guess."""
    out = []
    reader = csv.DictReader(io.StringIO(text))
    for line, row in enumerate(reader, start=2):
        if row["code_system"] != "ICD-10-CM":
            continue
        group = GROUPS.get(row["chronic_condition_type"])
        if group is None or row["inclusion_type"] not in ("Include", "Exclude"):
            raise SystemExit(
                f"line {line}: unknown chronic_condition_type {row['chronic_condition_type']!r}"
                f" or inclusion_type {row['inclusion_type']!r}"
            )
        code = row["code"].strip().upper().replace(".", "")
        out.append(
            [code, row["condition_id"], row["condition"], group, row["condition_category"],
             " ".join(row["claims_qualification"].split()), row["inclusion_type"]]
        )  # fmt: skip
    return sorted(out, key=lambda r: (r[0], int(r[1])))


def main(argv: list[str]) -> None:
    rows = rows_from_seed(read_source(argv[1] if len(argv) > 1 else SOURCE_URL))
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    print(f"{OUT.name}: {len(rows)} codes of {len({r[1] for r in rows})} conditions")


if __name__ == "__main__":
    main(sys.argv)
