"""Rebuilds core/data/part_d_drugs.csv, the Part D products the platform names, from the FDA's
National Drug Code Directory (the NDC text files, `ndctext.zip`: product.txt and package.txt,
tab-separated, as FDA publishes them daily).

    .venv/bin/python core/data/build_part_d_drugs.py path/to/ndctext.zip

Each product is chosen below by its package NDC (11 digits, 5-4-2), with the name the pages show
and the chronic drug class its refills are measured in. From the directory the script takes the
package's description and the labeler, checks that the package belongs to a product of the
named ingredient (a typo stops the build, naming the NDC), and writes the directory's date as
the source. A package the directory no longer lists (delisted since it was chosen) keeps its
row as it stands, sourced from its label, and the script says so.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).with_name("part_d_drugs.csv")
COLUMNS = ["ndc", "name", "drug_class", "ingredient", "package", "source"]

# (package NDC, name on the pages, drug class, active ingredient: the directory must name it,
# and the refills of one ingredient are one drug's, whatever the NDC)
PRODUCTS = [
    ("42291059218", "Metformin hydrochloride 500 mg extended-release tablet",
     "Diabetes medications (non-insulin)", "METFORMIN"),
    ("67877051290", "Atorvastatin calcium 20 mg tablet", "Statins", "ATORVASTATIN"),
    ("60429031790", "Losartan potassium 50 mg tablet", "Renin-angiotensin system antagonists",
     "LOSARTAN"),
    ("00003089421", "Apixaban 5 mg tablet (Eliquis)", "Direct-acting oral anticoagulants",
     "APIXABAN"),
    ("57664024588", "Carvedilol 12.5 mg tablet", "Beta-blockers", "CARVEDILOL"),
    ("51407011490", "Furosemide 40 mg tablet", "Loop diuretics", "FUROSEMIDE"),
    ("42582031230", "Donepezil hydrochloride 10 mg tablet", "Cholinesterase inhibitors",
     "DONEPEZIL"),
    ("72205002790", "Rosuvastatin calcium 5 mg tablet", "Statins", "ROSUVASTATIN"),
    ("00006027731", "Sitagliptin 100 mg tablet (Januvia)", "Diabetes medications (non-insulin)",
     "SITAGLIPTIN"),
    ("50458057930", "Rivaroxaban 20 mg tablet (Xarelto)", "Direct-acting oral anticoagulants",
     "RIVAROXABAN"),
    ("67877059130", "Metoprolol succinate 50 mg extended-release tablet", "Beta-blockers",
     "METOPROLOL"),
    ("68533005612", "Sertraline hydrochloride 50 mg tablet", "Antidepressants", "SERTRALINE"),
    ("00597010061", "Tiotropium bromide 2.5 mcg per actuation inhalation spray (Spiriva Respimat)",
     "Long-acting inhaled bronchodilators", "TIOTROPIUM"),
]  # fmt: skip


def ndc11(code: str) -> str:
    """An NDC as the directory writes it (4-4-2, 5-3-2 or 5-4-1, dashed) in 11 digits."""
    labeler, product, package = code.strip().split("-")
    return f"{labeler:0>5}{product:0>4}{package:0>2}"


def _table(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    with archive.open(name) as fh:
        text = io.TextIOWrapper(fh, encoding="latin-1", newline="")
        return list(csv.DictReader(text, delimiter="\t", quoting=csv.QUOTE_NONE))


def rows_from_directory(
    archive: zipfile.ZipFile, *, as_of: str, current: dict[str, dict[str, str]]
) -> tuple[list[dict[str, str]], list[str]]:
    """The file's rows for PRODUCTS from the directory `archive`, and the NDCs kept as they
    stand because the directory does not list them."""
    products = {p["PRODUCTID"]: p for p in _table(archive, "product.txt")}
    packages = {ndc11(p["NDCPACKAGECODE"]): p for p in _table(archive, "package.txt")}
    rows, kept = [], []
    for ndc, name, drug_class, ingredient in PRODUCTS:
        package = packages.get(ndc)
        if package is None:
            if ndc not in current:
                raise SystemExit(f"NDC {ndc} ({name}): not in the directory nor in {OUT.name}")
            rows.append(
                {**current[ndc], "name": name, "drug_class": drug_class,
                 "ingredient": ingredient.lower()}
            )  # fmt: skip
            kept.append(ndc)
            continue
        product = products[package["PRODUCTID"]]
        if ingredient not in product["SUBSTANCENAME"].upper():
            raise SystemExit(
                f"NDC {ndc} ({name}): the directory lists {product['SUBSTANCENAME']!r}"
            )
        rows.append(
            {
                "ndc": ndc,
                "name": name,
                "drug_class": drug_class,
                "ingredient": ingredient.lower(),
                "package": f"{package['PACKAGEDESCRIPTION']} ({product['LABELERNAME']})",
                "source": f"FDA NDC Directory ({as_of}), package {package['NDCPACKAGECODE']}",
            }
        )
    return rows, kept


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit(__doc__)
    path = Path(argv[1])
    with OUT.open(encoding="utf-8", newline="") as fh:
        current = {r["ndc"]: r for r in csv.DictReader(fh)}
    with zipfile.ZipFile(path) as archive:
        dated = max(i.date_time for i in archive.infolist())
        rows, kept = rows_from_directory(
            archive, as_of=f"{dated[0]:04}-{dated[1]:02}-{dated[2]:02}", current=current
        )
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows)
    for ndc in kept:
        print(f"NDC {ndc}: not in the directory; its row is kept as it stands")
    print(f"{OUT.name}: {len(rows)} products")


if __name__ == "__main__":
    main(sys.argv)
