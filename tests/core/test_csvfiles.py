"""CSV injection: formula-like text cells are written after a single quote, numbers keep their
sign, and every CSV the platform writes goes through core.csvfiles."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from core import csvfiles

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x.test","x")', '\'=HYPERLINK("http://x.test","x")'),
        ("+SUM(1,2)", "'+SUM(1,2)"),
        ("@cmd|' /C calc'!A0", "'@cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1234.56", "-1234.56"),
        ("-1,234.56", "-1,234.56"),
        ("+5%", "+5%"),
        ("-1E+5", "-1E+5"),
        ("Synthetic Clinic", "Synthetic Clinic"),
        (-12, -12),
    ],
)
def test_text_that_could_run_as_a_formula_gets_a_quote_and_numbers_do_not(value, written) -> None:
    assert csvfiles.safe_cell(value) == written
    if isinstance(value, str):
        assert csvfiles.formula_unescape(csvfiles.safe_cell(value)) == value


def test_the_writers_quote_every_row_and_not_the_header() -> None:
    out = io.StringIO()
    writer = csvfiles.dict_writer(out, ["name", "amount"], lineterminator="\n")
    writer.writeheader()
    writer.writerow({"name": "=1+1", "amount": "-5.00"})
    writer.writerows([{"name": "@x", "amount": -1}])
    plain = io.StringIO()
    csvfiles.writer(plain, lineterminator="\n").writerows([["+1+1", "-3"]])
    assert out.getvalue() == "name,amount\n'=1+1,-5.00\n'@x,-1\n"
    assert plain.getvalue() == "'+1+1,-3\n"


def test_no_module_writes_csv_around_the_safe_writers() -> None:
    """csv.writer, csv.DictWriter and DataFrame.to_csv are used only where the output is not a
    CSV for people: COPY text for PostgreSQL, and synthetic test data."""
    allowed = {
        "core/csvfiles.py",
        "alignment/services/runs.py",  # COPY text into PostgreSQL
        "synthetic/population.py",  # synthetic claims for the demo and benches
        "core/data/build_ccw.py",  # the code-set data files the platform ships
        "core/data/build_part_d_drugs.py",
    }
    pattern = re.compile(r"csv\.(writer|DictWriter)\(|\.to_csv\(")
    found = []
    for path in ROOT.glob("*/**/*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.split("/")[0] in {".venv", ".tools", "tests", "bench"} or rel in allowed:
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            found.append(rel)
    assert found == []
