"""Loading CMS's data-sharing files: good, malformed and repeated files, the command, the
admin upload, effective dates and entity isolation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role
from core.api import ApplicationError
from datasharing.models import DataSharingFile, DataSharingRecord
from datasharing.selectors import withholdings
from datasharing.services import data_sharing_file_load
from synthetic.identifiers import mbi as synthetic_mbi

pytestmark = pytest.mark.django_db

M1, M2, M3 = synthetic_mbi(910_001), synthetic_mbi(910_002), synthetic_mbi(910_003)

STATUS = (
    "MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT\n"
    f"{M1},N,,2025-03-01\n"
    f"{M2},Y,S,2025-04-01\n"
    f"{M3},Y,,2025-01-01\n"
).encode()


def load(entity, content: bytes, kind: str = "mssp_status", on: date = date(2025, 4, 30)):
    return data_sharing_file_load(
        entity=entity, kind=kind, content=content, name="status.csv", file_date=on
    )


def test_a_good_status_file_is_stored_row_by_row_and_a_repeat_changes_nothing(entity_a):
    first = load(entity_a, STATUS)
    assert first.created
    assert first.file.records == 3
    rows = {
        r.mbi: (r.preference, r.suppression, r.effective_date)
        for r in DataSharingRecord.objects.all()
    }
    assert rows == {
        M1: ("declined", "", date(2025, 3, 1)),
        M2: ("shared", "suppressed", date(2025, 4, 1)),
        M3: ("shared", "", date(2025, 1, 1)),
    }
    again = load(entity_a, STATUS)
    assert not again.created
    assert again.file.pk == first.file.pk
    assert DataSharingFile.objects.count() == 1
    assert DataSharingRecord.objects.count() == 3


def test_a_malformed_file_is_refused_whole_with_each_error_by_line_and_column(entity_a):
    bad = (
        "MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT\n"
        f"{M1},N,,2025-03-01\n"
        "1EG4TE5MK7,N,,2025-03-01\n"  # ten characters
        f"{M2},X,,2025-03-01\n"
        f"{M3},Y,,2025-02-30\n"
        f"{M1},Y,,2025-03-01\n"  # M1 again on the same date
    ).encode()
    with pytest.raises(ApplicationError) as caught:
        load(entity_a, bad)
    assert caught.value.extra["errors"] == [
        "Line 3, MBI_ID: not a Medicare Beneficiary Identifier.",
        "Line 4, DATA_SHARING_PREF: 'X' is not one of 'Y', 'N'.",
        "Line 5, EFCTV_DT: not a date (YYYY-MM-DD).",
        "Line 6, MBI_ID: the same beneficiary and EFCTV_DT as line 2.",
    ]
    assert not DataSharingFile.objects.exists()
    assert not DataSharingRecord.objects.exists()
    # No MBI is repeated in what the user reads back.
    assert M1 not in caught.value.message
    # The count with its noun in its number ("4 errors", not "4 error(s)").
    assert "was not loaded: 4 errors." in caught.value.message


def test_a_header_that_is_not_the_layouts_is_refused_naming_the_column(entity_a):
    with pytest.raises(ApplicationError) as caught:
        load(entity_a, b"MBI_ID,PREF,EFCTV_DT\n", kind="mssp_status")
    assert caught.value.extra["errors"] == [
        "Header: column DATA_SHARING_PREF is missing (Monthly Beneficiary Data Sharing Status file).",
        "Header: column PREF is not in the Monthly Beneficiary Data Sharing Status file layout.",
    ]


def test_a_reach_file_is_refused_for_an_mssp_aco(entity_a):
    with pytest.raises(ApplicationError, match="ACO REACH|REACH file"):
        load(
            entity_a,
            f"MBI_ID,DATA_SHARING_PREF,EFCTV_DT\n{M1},N,2025-03-01\n".encode(),
            "reach_preference",
        )


def test_the_preference_in_force_on_the_date_decides(entity_a, entity_b):
    load(entity_a, STATUS)
    # Before 1 March nobody is withheld; M1 declined from 1 March; M2 suppressed from 1 April.
    assert withholdings(entity=entity_a, as_of=date(2025, 2, 28)) == {}
    assert set(withholdings(entity=entity_a, as_of=date(2025, 3, 1))) == {M1}
    held = withholdings(entity=entity_a, as_of=date(2025, 4, 1))
    assert {m: w.reason for m, w in held.items()} == {M1: "declined", M2: "suppressed"}
    assert held[M1].effective_date == date(2025, 3, 1)
    assert held[M1].source == "Monthly Beneficiary Data Sharing Status file of 2025-04-30"
    # A later file: M1 allows sharing again from 1 June, M2's claims are resumed from 1 May.
    later = f"MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT\n{M1},Y,,2025-06-01\n{M2},Y,R,2025-05-01\n"
    load(entity_a, later.encode(), on=date(2025, 5, 31))
    assert set(withholdings(entity=entity_a, as_of=date(2025, 5, 15))) == {M1}
    assert withholdings(entity=entity_a, as_of=date(2025, 6, 1)) == {}
    # As of the latest file (31 May) M1 still declined; the re-sharing dated later is not in force.
    assert set(withholdings(entity=entity_a)) == {M1}
    # "Resumed" does not undo a declined preference (CCLF Information Packet 2.4.1).
    load(
        entity_a,
        f"MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT\n{M3},N,R,2025-05-01\n".encode(),
    )
    assert M3 in withholdings(entity=entity_a, as_of=date(2025, 5, 2))
    # Another entity's files say nothing of its beneficiaries.
    assert withholdings(entity=entity_b, as_of=date(2025, 6, 30)) == {}


def test_the_exclusion_file_records_declined_rows(entity_a):
    text = f"MBI_ID,BENE_1ST_NAME,BENE_LAST_NAME,BENE_BRTH_DT,EFCTV_DT\n{M1},PAT,TEST,1950-01-01,2025-02-01\n"
    load(entity_a, text.encode(), kind="mssp_exclusion")
    held = withholdings(entity=entity_a, as_of=date(2025, 2, 1))
    assert held[M1].declined
    assert held[M1].source.startswith("Beneficiary Data Sharing Exclusion file")


def test_the_command_loads_refuses_and_repeats(entity_a, tmp_path: Path, capsys):
    good = tmp_path / "status.csv"
    good.write_bytes(STATUS)
    args = ["--entity", entity_a.cms_id, "--kind", "mssp_status", "--date", "2025-04-30"]
    call_command("load_data_sharing", str(good), *args)
    call_command("load_data_sharing", str(good), *args)
    out = capsys.readouterr().out
    assert "3 rows loaded" in out
    assert "already loaded, nothing changed" in out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT\nnope,N,,2025-03-01\n")
    with pytest.raises(
        CommandError, match=r"Line 2, MBI_ID: not a Medicare Beneficiary Identifier"
    ):
        call_command("load_data_sharing", str(bad), *args)
    assert DataSharingFile.objects.count() == 1


def test_the_console_upload_loads_for_the_admins_entity_only(
    entity_a, entity_b, aco_admin, make_member, login_client
):
    aco_admin.is_staff = True  # entity admins work in the admin console
    aco_admin.save(update_fields=["is_staff"])
    client = login_client(aco_admin)
    url = reverse("admin:datasharing_datasharingfile_upload")
    form = {"kind": "mssp_status", "file_date": "2025-04-30"}
    upload = SimpleUploadedFile("status.csv", STATUS, content_type="text/csv")
    # Entity B is not one the admin may choose.
    refused = client.post(url, {**form, "entity": entity_b.pk, "file": upload})
    assert refused.status_code == 200
    assert not DataSharingFile.objects.exists()
    upload = SimpleUploadedFile("status.csv", STATUS, content_type="text/csv")
    done = client.post(url, {**form, "entity": entity_a.pk, "file": upload})
    assert done.status_code == 302
    stored = DataSharingFile.objects.get()
    assert stored.entity == entity_a
    assert stored.uploaded_by == aco_admin
    bad = SimpleUploadedFile("bad.csv", b"MBI_ID,DATA_SHARING_PREF,EFCTV_DT\nx,N,2025-01-01\n")
    page = client.post(url, {**form, "entity": entity_a.pk, "file": bad})
    assert b"Line 2, MBI_ID: not a Medicare Beneficiary Identifier." in page.content
    # B's admin sees no file of A: the list is empty and A's file is a 404.
    other = make_member(entity_b, Role.ENTITY_ADMIN, "admin@b.example.test")
    other.is_staff = True
    other.save(update_fields=["is_staff"])
    admin_b = login_client(other)
    listing = admin_b.get(reverse("admin:datasharing_datasharingfile_changelist"))
    assert listing.status_code == 200
    assert b"status.csv" not in listing.content
    change = reverse("admin:datasharing_datasharingfile_change", args=[stored.pk])
    assert admin_b.get(change).status_code == 404
    assert client.get(change).status_code == 200
