"""Bad bytes in a CCLF text field are refused by file, line and field (the delivery rejected with
the error recorded, nothing written), and a delivery is identified by its files' names and
contents, never by the folder it arrives in."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from beneficiaries.models import BeneficiaryMbi
from cclf.layouts import DATA_FILE_CODES
from cclf.writer import write_delivery
from claims.models import CLAIMS_MODELS, Delivery, DeliveryFile, DeliveryStatus, PartBPhysicianLine
from claims.services import DeliveryRejected, cclf_delivery_load
from core.api import ApplicationError
from entities.models import Entity
from tests.claims.cclf import fixed_width

WHEN = datetime(2025, 3, 10, 12)  # noqa: DTZ001
CNTL_START = 171  # CLM_CNTL_NUM, positions 172-211 of CCLF5 (0-based start)


def _contents(control: bytes = b"ABC", lines: int = 2) -> dict[str, bytes]:
    contents = dict.fromkeys(DATA_FILE_CODES, b"")
    contents["CCLF8"] = fixed_width("CCLF8", {"BENE_MBI_ID": "1EG4TE5MK73"})
    records = []
    for n in range(lines):
        record = bytearray(
            fixed_width(
                "CCLF5",
                {"CUR_CLM_UNIQ_ID": str(10 + n), "CLM_LINE_NUM": "1",
                 "BENE_MBI_ID": "1EG4TE5MK73", "CLM_LINE_CVRD_PD_AMT": "00000000012.00"},
            )
        )  # fmt: skip
        if n == lines - 1:
            record[CNTL_START : CNTL_START + len(control)] = control
        records.append(bytes(record))
    contents["CCLF5"] = b"".join(records)
    return contents


def _delivery(out: Path, contents: dict[str, bytes], **kwargs: object) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    return write_delivery(
        out, entity_id="A9001", year=2025, delivered_at=WHEN, contents=contents, **kwargs
    )


@pytest.mark.parametrize(
    ("control", "byte"),
    [(b"AB\x81C", "0x81"), (b"AB\xe9C", "0xE9"), (b"AB\xc3", "0xC3")],
)
def test_a_byte_that_is_not_utf8_text_rejects_the_delivery_naming_line_and_field(
    entity_a: Entity, cclf_dir: Path, control: bytes, byte: str
) -> None:
    path = _delivery(cclf_dir, _contents(control))
    with pytest.raises(DeliveryRejected) as caught:
        cclf_delivery_load(path=path)
    [error] = caught.value.errors
    assert (error.line, error.field) == (2, "CLM_CNTL_NUM")
    assert error.file.startswith("P.A9001.ACO.ZC5Y25")
    assert error.message == f"not UTF-8 text: byte {byte} at position 3 of the field"
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.REJECTED
    assert delivery.errors[0]["field"] == "CLM_CNTL_NUM"
    for model in CLAIMS_MODELS.values():
        assert not model.objects.exists()
    assert not BeneficiaryMbi.objects.exists()


def test_utf8_text_is_stored_as_delivered(entity_a: Entity, cclf_dir: Path) -> None:
    cclf_delivery_load(path=_delivery(cclf_dir, _contents("ABC\u00e9".encode())))
    assert PartBPhysicianLine.objects.get(cur_clm_uniq_id=11).clm_cntl_num == "ABC\u00e9"
    files = {f.file_code: f for f in DeliveryFile.objects.all()}
    assert files["CCLF5"].records == files["CCLF5"].declared_records == 2
    assert files["CCLF8"].records == 1


def test_another_delivery_in_a_folder_named_like_a_loaded_one_is_loaded(
    entity_a: Entity, tmp_path: Path
) -> None:
    first = _delivery(tmp_path / "a", _contents(), as_zip=False)
    folder = tmp_path / "incoming" / "latest"
    shutil.copytree(first, folder)
    assert cclf_delivery_load(path=folder).delivery.name == "P.A9001.ACO.ZCY25.D250310.T1200000"
    # Next month's files land in the same folder.
    shutil.rmtree(folder)
    later = write_delivery(
        tmp_path / "b",
        entity_id="A9001",
        year=2025,
        delivered_at=datetime(2025, 4, 10, 12),  # noqa: DTZ001
        contents=_contents(b"XYZ", lines=3),
        as_zip=False,
    )
    shutil.copytree(later, folder)
    result = cclf_delivery_load(path=folder)
    assert not result.already_loaded
    assert result.delivery.name == "P.A9001.ACO.ZCY25.D250410.T1200000"
    assert Delivery.objects.filter(status=DeliveryStatus.LOADED).count() == 2
    assert PartBPhysicianLine.objects.count() == 3


def test_the_same_files_zipped_or_in_any_folder_are_already_loaded(
    entity_a: Entity, tmp_path: Path
) -> None:
    zipped = _delivery(tmp_path / "z", _contents())
    cclf_delivery_load(path=zipped)
    unzipped = tmp_path / "somewhere"
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(unzipped)
    assert cclf_delivery_load(path=unzipped).already_loaded
    assert Delivery.objects.count() == 1


def test_files_under_a_loaded_deliverys_names_with_other_contents_are_refused(
    entity_a: Entity, tmp_path: Path
) -> None:
    cclf_delivery_load(path=_delivery(tmp_path / "a", _contents(b"ABC")))
    other = _delivery(tmp_path / "b", _contents(b"XYZ"))
    with pytest.raises(ApplicationError, match="same names and other contents"):
        cclf_delivery_load(path=other)
    assert PartBPhysicianLine.objects.get(cur_clm_uniq_id=11).clm_cntl_num == "ABC"
