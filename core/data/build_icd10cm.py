"""Writes core/data/icd10cm.tsv.gz from the `simple-icd-10-cm` package (the CDC/CMS ICD-10-CM
tabular list): one line per code, without the dot, with its description and block. Run after
upgrading the package: `.venv/bin/python core/data/build_icd10cm.py`. The pages read the file
(core.codes), not the package, whose import parses the whole tabular XML (seconds)."""

from __future__ import annotations

import gzip
from pathlib import Path

import simple_icd_10_cm as icd

OUT = Path(__file__).with_name("icd10cm.tsv.gz")


def main() -> None:
    rows = []
    for code in icd.get_all_codes(with_dots=True):
        if "-" in code or code.isdigit():  # chapters and blocks are written with their codes
            continue
        block = next((a for a in icd.get_ancestors(code) if "-" in a), "")
        rows.append(
            "\t".join(
                [code.replace(".", ""), icd.get_description(code), block,
                 icd.get_description(block) if block else ""]
            )
        )  # fmt: skip
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("code\tdescription\tblock\tblock_description\n")
        fh.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
