"""The CCLF format: layouts from CMS's tables, file names, and the vectorised record checks."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import pytest

from cclf.layouts import layout, layouts
from cclf.names import FileNameError, parse_name
from cclf.parser import BatchRenderer, FileScan, copy_plan, iter_batches
from tests.claims.cclf import fixed_width

# Record lengths stated in the CCLF IP (domain.md 8.1).
STATED = {"CCLF1": 437, "CCLF2": 199, "CCLF3": 114, "CCLF4": 112, "CCLF5": 388, "CCLF6": 247,
          "CCLF7": 195, "CCLF8": 549, "CCLF9": 55, "CCLFA": 324, "CCLFB": 128}  # fmt: skip


def test_every_layout_has_the_record_length_the_packet_states() -> None:
    for code, length in STATED.items():
        assert layout(code).record_length == length, code


def test_v36_and_v38_layouts_have_the_same_positions() -> None:
    for code in STATED:
        v36 = [(f.label, f.start, f.end) for f in layout(code, "v36").fields]
        v38 = [(f.label, f.start, f.end) for f in layout(code, "v38").fields]
        assert v36 == v38, code


def test_amount_fields_printed_as_text_in_cclf5_are_read_as_amounts() -> None:
    assert layout("CCLF5").field("CLM_LINE_CVRD_PD_AMT").kind == "amount"
    assert layout("CCLF5").field("CLM_LINE_ALOWD_CHRG_AMT").kind == "amount"
    assert layouts()["CCLF1"].field("CLM_PMT_AMT").scale == 2


def test_a_file_name_says_program_entity_file_kind_year_and_time() -> None:
    name = parse_name("P.D9902.ACO.ZC5R24.D250310.T1512345")
    assert (name.program, name.entity_id, name.file_code, name.runout, name.performance_year) == (
        "reach",
        "D9902",
        "CCLF5",
        True,
        2024,
    )
    assert name.delivered_at == datetime(2025, 3, 10, 15, 12, 34, 500000)  # noqa: DTZ001
    delivery = parse_name("P.A1234.ACO.ZCY24.D240112.T1200000.zip")
    assert delivery.file_code is None
    assert delivery.kind == "regular"


def test_a_name_that_is_not_cclf_is_refused_with_the_expected_pattern() -> None:
    with pytest.raises(FileNameError, match="not a CCLF name"):
        parse_name("claims_2024.zip")


def _render(code: str, records: list[bytes]) -> tuple[bytes, FileScan, list]:
    lay = layout(code)
    scan = FileScan("TEST")
    renderer = BatchRenderer(copy_plan(lay), "TEST")
    out, errors = b"", []
    for batch in iter_batches(io.BytesIO(b"".join(records)), lay, scan):
        parsed = renderer.render(batch)
        out += parsed.copy_text
        errors += parsed.errors
    return out, scan, errors


def test_records_become_copy_text_with_trimmed_text_null_dates_and_signed_amounts() -> None:
    record = fixed_width(
        "CCLF1",
        {
            "CUR_CLM_UNIQ_ID": "0000000001001",
            "PRVDR_OSCAR_NUM": "654321",
            "BENE_MBI_ID": "1EG4TE5MK73",
            "CLM_TYPE_CD": "60",
            "CLM_FROM_DT": "2024-03-01",
            "CLM_THRU_DT": "9999-12-31",
            "CLM_PMT_AMT": "-0000000000200.50",
            "ADMTG_DGNS_CD": "~",
            "PRNCPL_DGNS_CD": "I5023",
        },
    )
    text, scan, errors = _render("CCLF1", [record])
    assert not errors
    assert scan.records == 1
    values = dict(
        zip(copy_plan(layout("CCLF1")).columns, text.rstrip(b"\n").split(b"\t"), strict=True)
    )
    assert values["source_line"] == b"0000000001"
    assert values["cur_clm_uniq_id"] == b"0000000001001"
    assert values["prncpl_dgns_cd"] == b"I5023"
    assert values["admtg_dgns_cd"] == b""  # a lone "~" is a placeholder for blank
    assert values["clm_from_dt"] == b"2024-03-01"
    assert values["clm_thru_dt"] == b"\\N"  # 9999-12-31 means null (IP 3.6)
    assert values["clm_pmt_amt"] == b"-0000000000200.50"
    assert values["clm_efctv_dt"] == b"\\N"  # blank


def test_bad_dates_amounts_mbis_and_short_records_are_named_by_line_and_field() -> None:
    good = {"CUR_CLM_UNIQ_ID": "1", "BENE_MBI_ID": "1EG4TE5MK73", "CLM_FROM_DT": "2024-01-01"}
    records = [
        fixed_width("CCLF1", good),
        fixed_width("CCLF1", {**good, "CLM_FROM_DT": "2024-02-30"}),
        fixed_width("CCLF1", {**good, "CLM_PMT_AMT": "00000000012.3X"}),
        fixed_width("CCLF1", {**good, "BENE_MBI_ID": "1EG4TE5MK7S"}),
        fixed_width("CCLF1", good)[:100] + b"\n",
    ]
    _, scan, errors = _render("CCLF1", records)
    found = {(e.line, e.field) for e in errors + scan.errors}
    assert found == {(2, "CLM_FROM_DT"), (3, "CLM_PMT_AMT"), (4, "BENE_MBI_ID"), (5, None)}
    assert scan.records == 5
    assert all("1EG4TE5MK7" not in str(e) for e in errors)  # an MBI never appears in a message


def test_a_backslash_in_text_is_escaped_for_copy() -> None:
    record = fixed_width("CCLF8", {"BENE_MBI_ID": "1EG4TE5MK73", "BENE_LINE_1_ADR": "APT 4\\B"})
    text, _, errors = _render("CCLF8", [record])
    assert not errors
    assert b"APT 4\\\\B\t" in text


def test_mbi_checks_follow_the_cms_format() -> None:
    from cclf.parser import check_mbi

    values = [b"1EG4TE5MK73", b"6U50TE7GG18", b"0EG4TE5MK73", b"1EG4TE5MK7A", b"1SG4TE5MK73"]
    arr = np.frombuffer(b"".join(values), dtype=np.uint8).reshape(len(values), 11)
    _, bad = check_mbi(arr)
    assert bad.tolist() == [False, False, True, True, True]


def test_crlf_line_ends_and_a_last_line_without_its_end_are_read() -> None:
    first = fixed_width(
        "CCLF9", {"HICN_MBI_XREF_IND": "M", "CRNT_NUM": "6U50TE7GG18", "PRVS_NUM": "1EG4TE5MK73"}
    )
    records = [first[:-1] + b"\r\n", first[:-1]]
    text, scan, errors = _render("CCLF9", records)
    assert not errors
    assert scan.records == 2
    assert text.count(b"\n") == 2
