"""Loading CMS's lists: a good report, each kind of malformed file (an error naming the file,
line and column, nothing stored), and a repeat load that changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from beneficiaries.models import Beneficiary
from cmslists.models import CmsList, CmsListBeneficiary, CmsListProvider
from cmslists.services import cms_list_load
from core.api import ApplicationError

pytestmark = pytest.mark.django_db

STEM = "P.A9001.ACO.QALR.2025Q2.D259999.T0200000"
H11 = "BENE_MBI_ID,BENE_1ST_NAME,BENE_LAST_NAME,BENE_SEX_CD,BENE_BRTH_DT,IN_VA_MAX,VA_TIN,VA_NPI,CBA_FLAG,ASSIGNMENT_TYPE,EXCLUDED,GHP_EXCLUDED,OUTSIDE_US_EXCLUDED,OTHER_SHARED_SAV_INIT"
# Three assigned (one voluntarily), three excluded: Medicare Advantage, outside the US, another
# initiative.
T11 = [
    "1AC0AC0AA01,ANN,ONE,2,1950-01-02,0,,,1,1,0,0,0,0",
    "1AC0AC0AA02,BOB,TWO,1,01/03/1948,1,123456789,1234567893,0,,0,0,0,0",
    "1AC0AC0AA03,CY,THREE,1,1952-04-05,0,,,1,2,0,0,0,0",
    "1AC0AC0AA04,DI,FOUR,2,1949-06-07,0,,,0,,1,1,0,0",
    "1AC0AC0AA05,ED,FIVE,1,1947-08-09,0,,,0,,1,0,1,0",
    "1AC0AC0AA06,FAY,SIX,2,1951-10-11,0,,,0,,1,0,0,1",
]
H12 = "BENE_MBI_ID,MASTER_ID,B_EM_LINE_CNT_T"
T12 = [
    "1AC0AC0AA01,111111111,3",
    "1AC0AC0AA01,222222222,5",
    "1AC0AC0AA03,111111111,2",
    "1AC0AC0AA03,051234,1",
]
H15 = "BENE_MBI_ID,PLUR_R05,AB_R01,HMO_R03,NO_US_R02,MDM_R04,NOFND_R06"
T15 = ["1AC0AC0AA07,1,0,0,0,0,0"]


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _files(
    t11: list[str] = T11, t12: list[str] = T12, t15: list[str] = T15, h11: str = H11
) -> list[tuple[str, bytes]]:
    return [
        (f"{STEM}_1-1.csv", _csv(h11, t11)),
        (f"{STEM}_1-2.csv", _csv(H12, t12)),
        (f"{STEM}_1-5.csv", _csv(H15, t15)),
    ]


def _load(entity: Any, files: list[tuple[str, bytes]], **kw: Any) -> Any:
    args: dict[str, Any] = {
        "kind": "mssp_quarterly",
        "performance_year": 2025,
        "period": 2,
        "list_date": dt.date(2025, 5, 15),
    }
    args.update(kw)
    return cms_list_load(entity=entity, files=files, **args)


def test_good_report_is_stored_with_its_tables(entity_a: Any) -> None:
    result = _load(entity_a, _files())
    lst = result.cms_list
    assert result.created
    # Worked by hand: rows 1-3 assigned, 4-6 excluded by flags, 1-5 adds the 7th (plurality).
    assert (lst.assigned_count, lst.excluded_count, lst.voluntary_count, lst.tin_count) == (
        3,
        4,
        1,
        2,
    )
    rows = {
        r.beneficiary.current_mbi: r
        for r in CmsListBeneficiary.objects.select_related("beneficiary")
    }
    assert rows["1AC0AC0AA04"].reason == "medicare_advantage"
    assert rows["1AC0AC0AA04"].reason_flags == ["GHP_EXCLUDED", "EXCLUDED"]
    assert rows["1AC0AC0AA05"].reason == "outside_us"
    assert rows["1AC0AC0AA06"].reason == "other_initiative"
    assert (rows["1AC0AC0AA07"].reason, rows["1AC0AC0AA07"].source_table) == ("plurality", "1-5")
    assert rows["1AC0AC0AA02"].birth_date == dt.date(1948, 1, 3)
    assert rows["1AC0AC0AA02"].voluntary
    assert rows["1AC0AC0AA02"].voluntary_npi == "1234567893"
    # The people CMS names became beneficiaries of the entity, with the list's names.
    assert Beneficiary.objects.filter(entity=entity_a).count() == 7
    assert Beneficiary.objects.get(current_mbi="1AC0AC0AA01").last_name == "ONE"
    # Table 1-2: 111111111 and 222222222 are TINs, 051234 (6 characters) a CCN.
    kinds = sorted(CmsListProvider.objects.values_list("kind", "identifier"))
    assert kinds == [
        ("ccn", "051234"),
        ("tin", "111111111"),
        ("tin", "111111111"),
        ("tin", "222222222"),
    ]


def test_repeat_load_is_a_no_op(entity_a: Any) -> None:
    first = _load(entity_a, _files())
    again = _load(entity_a, _files())
    assert not again.created
    assert again.cms_list.pk == first.cms_list.pk
    assert CmsList.objects.count() == 1
    assert CmsListBeneficiary.objects.count() == 7


H14 = "BENE_MBI_ID,MASTER_ID,NPI_USED,PCS_COUNT"
H16 = "BENE_MBI_ID,BENE_1ST_NAME,VA_SELECTION_ONLY"
H19 = "BENE_MBI_ID,ADI_NATRANK,BENE_LIS_STATUS,BENE_DUAL_STATUS,BENE_PSNYRS_LIS_DUAL,BENE_PSNYRS"


def test_tables_1_4_1_6_and_1_9_are_read_with_their_layouts(entity_a: Any) -> None:
    """Table 1-4 gives each TIN's NPIs (the attributed NPI: the one with the most services);
    1-6 and 1-9 are checked against their layout and counted, not stored. A 1-4 row of someone
    1-1 does not assign, or a bad NPI, refuses the whole report."""
    from cmslists.selectors import cms_list_member_rows

    t14 = ["1AC0AC0AA01,222222222,1234567893,2", "1AC0AC0AA01,222222222,1245319599,3"]
    extra = [
        (f"{STEM}_1-4.csv", _csv(H14, t14)),
        (f"{STEM}_1-6.csv", _csv(H16, ["1AC0AC0AA01,ANN,0", "1AC0AC0AA09,ZED,1"])),
        (f"{STEM}_1-9.csv", _csv(H19, ["1AC0AC0AA01,55,0,1,0.5,1.0"])),
    ]
    lst = _load(entity_a, _files() + extra).cms_list
    assert {f["table"]: f["rows"] for f in lst.files} == {
        "1-1": 6, "1-2": 4, "1-4": 2, "1-5": 1, "1-6": 2, "1-9": 1,
    }  # fmt: skip
    first = Beneficiary.objects.get(current_mbi="1AC0AC0AA01")
    # Table 1-2 still decides the TIN (5 services with 222222222); Table 1-4 its NPI.
    assert cms_list_member_rows(cms_list=lst, beneficiary_ids=[first.pk]) == [
        (first.pk, "222222222", "1245319599")
    ]
    assert not Beneficiary.objects.filter(current_mbi="1AC0AC0AA09").exists()
    for bad, where in (
        (["1AC0AC0AA04,111111111,1234567893,1"], "_1-4.csv line 2, BENE_MBI_ID: the beneficiary is not an assigned"),
        (["1AC0AC0AA01,111111111,1234567890,1"], "_1-4.csv line 2, NPI_USED"),
    ):  # fmt: skip
        files = _files() + [(f"{STEM}_1-4.csv", _csv(H14, bad))]
        with pytest.raises(ApplicationError, match=where):
            _load(entity_a, files, list_date=dt.date(2025, 5, 16))
    assert CmsList.objects.count() == 1


@pytest.mark.parametrize(
    ("files", "where"),
    [
        (
            _files(t11=[*T11[:2], "1AC0AC0AS03,CY,THREE,1,1952-04-05,0,,,1,2,0,0,0,0"]),
            ("_1-1.csv line 4", "BENE_MBI_ID"),
        ),
        (
            _files(t11=[*T11[:1], "1AC0AC0AA02,BOB,TWO,1,1948-13-03,0,,,0,,0,0,0,0"]),
            ("_1-1.csv line 3", "BENE_BRTH_DT"),
        ),
        (
            _files(t11=["1AC0AC0AA01,ANN,ONE,2,1950-01-02,0,,,1,1,0,X,0,0"]),
            ("_1-1.csv line 2", "GHP_EXCLUDED"),
        ),
        (
            _files(t11=["1AC0AC0AA01,ANN,ONE,2,1950-01-02,1,123456789,1234567890,0,,0,0,0,0"]),
            ("_1-1.csv line 2", "VA_NPI"),
        ),
        (
            _files(t11=["1AC0AC0AA01,ANN,ONE,2,1950-01-02,0,,,1,1,0,0,0"]),
            ("_1-1.csv line 2", "has 13 fields"),
        ),
        (_files(h11=H11.replace("BENE_MBI_ID,", "")), ("_1-1.csv line 1", "BENE_MBI_ID")),
        (_files(t11=[T11[0], T11[0]]), ("_1-1.csv line 3", "listed twice")),
        (
            _files(t12=["1AC0AC0AA04,111111111,1"]),
            ("_1-2.csv line 2", "not an assigned beneficiary"),
        ),
        (_files(t12=["1AC0AC0AA01,12345,1"]), ("_1-2.csv line 2", "MASTER_ID")),
        (_files(t15=["1AC0AC0AA01,1,0,0,0,0,0"]), ("_1-5.csv line 2", "also in the turnover")),
        ([(f"{STEM}_1-1.csv", b"\xff\xfe")], ("_1-1.csv", "not UTF-8")),
        ([(f"{STEM}_1-3x.csv", _csv(H11, T11))], ("_1-3x.csv", "does not end with a table")),
        ([(f"{STEM}_1-2.csv", _csv(H12, T12))], ("report", "table 1-1")),
        (
            [("P.A1111.ACO.QALR.2025Q2.D259999.T0200000_1-1.csv", _csv(H11, T11))],
            ("A1111", "not A9001"),
        ),
        (
            [("P.A9001.ACO.QALR.2025Q3.D259999.T0200000_1-1.csv", _csv(H11, T11))],
            ("2025 Q3", "not 2025 Q2"),
        ),
    ],
    ids=[
        "mbi",
        "date",
        "flag",
        "npi",
        "field-count",
        "missing-column",
        "duplicate",
        "tin-of-unassigned",
        "tin",
        "turnover-conflict",
        "utf8",
        "table-name",
        "no-1-1",
        "other-aco",
        "other-quarter",
    ],
)
def test_malformed_report_names_record_and_field_and_stores_nothing(
    entity_a: Any, files: list[tuple[str, bytes]], where: tuple[str, str]
) -> None:
    with pytest.raises(ApplicationError) as caught:
        _load(entity_a, files)
    message = caught.value.message
    assert all(part in message for part in where), message
    assert "nothing was stored" in message
    assert "(s)" not in message  # "1 error", "3 errors": the noun in its number
    assert CmsList.objects.count() == 0
    assert CmsListBeneficiary.objects.count() == 0
    assert Beneficiary.objects.count() == 0


def test_list_kind_must_fit_the_program_and_period(entity_a: Any, entity_b: Any) -> None:
    with pytest.raises(ApplicationError, match="cannot be loaded for D9002"):
        _load(entity_b, _files())
    with pytest.raises(ApplicationError, match="one quarter"):
        _load(entity_a, _files(), period=0)
    with pytest.raises(ApplicationError, match="whole year"):
        _load(entity_a, _files(), kind="mssp_final")


REACH_HEADER = "BENE_MBI_ID,BENE_1ST_NAME,BENE_LAST_NAME,BENE_BRTH_DT,ALGN_STATUS,EXCLUSION_REASON,VA_FLAG,VA_TIN,VA_NPI,ALGN_TIN,ALGN_NPI,ALGN_EFCTV_DT"


def test_reach_alignment_report_with_voluntary_flags(entity_b: Any) -> None:
    text = _csv(
        REACH_HEADER,
        [
            "1AC0AC0AD01,GIL,ONE,1950-01-01,A,,1,123456789,1234567893,123456789,1234567893,2025-01-01",
            "1AC0AC0AD02,HAL,TWO,1950-01-01,A,,0,,,987654321,,2025-01-01",
            "1AC0AC0AD03,IVY,THREE,1950-01-01,E,GHP,0,,,,,",
        ],
    )
    result = _load(entity_b, [("bar_2025.csv", text)], kind="reach_prospective", period=0)
    lst = result.cms_list
    assert (lst.assigned_count, lst.excluded_count, lst.voluntary_count) == (2, 1, 1)
    excluded = CmsListBeneficiary.objects.get(status="excluded")
    assert excluded.reason == "medicare_advantage"
    bad = _csv(REACH_HEADER, ["1AC0AC0AD04,JO,FOUR,1950-01-01,E,,0,,,,,"])
    with pytest.raises(ApplicationError, match="line 2, EXCLUSION_REASON: is required"):
        _load(entity_b, [("bar_bad.csv", bad)], kind="reach_prospective", period=0)
    assert CmsList.objects.count() == 1


def test_command_loads_once_and_reports_errors(entity_a: Any, tmp_path: Any, capsys: Any) -> None:
    paths = []
    for name, content in _files():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))
    args = [
        "--entity",
        "A9001",
        "--kind",
        "mssp_quarterly",
        "--year",
        "2025",
        "--quarter",
        "2",
        "--list-date",
        "2025-05-15",
    ]
    call_command("load_cms_list", *paths, *args)
    call_command("load_cms_list", *paths, *args)
    out = capsys.readouterr().out
    assert "Loaded: MSSP quarterly" in out
    assert "3 assigned, 4 excluded" in out
    assert "Already loaded (nothing changed)" in out
    # No claims loaded yet: the monthly cycle has nothing to run on (tests/care/test_cycle_after_loads.py).
    assert "Monthly cycle not queued: the entity has no claims loaded yet." in out
    bad = tmp_path / "bad" / f"{STEM}_1-1.csv"
    bad.parent.mkdir()
    bad.write_bytes(_csv(H11, ["1AC0AC0AA01,ANN,ONE,9,1950-01-02,0,,,1,1,0,0,0,0"]))
    with pytest.raises(CommandError, match="line 2, BENE_SEX_CD"):
        call_command("load_cms_list", str(bad), *args)
