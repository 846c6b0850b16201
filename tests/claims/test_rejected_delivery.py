"""A bad delivery is rejected whole, with every error named by file, line and field."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from beneficiaries.models import Beneficiary, BeneficiaryMbi
from cclf.layouts import DATA_FILE_CODES
from cclf.writer import summary_file, write_delivery
from claims.models import CLAIMS_MODELS, Delivery, DeliveryStatus
from claims.services import DeliveryRejected, cclf_delivery_load
from entities.models import Entity
from tests.claims.cclf import fixed_width

WHEN = datetime(2025, 3, 10, 12)  # noqa: DTZ001


def _claim(n: int, **extra: str) -> dict[str, str]:
    return {"CUR_CLM_UNIQ_ID": str(n), "BENE_MBI_ID": "1EG4TE5MK73", "CLM_FROM_DT": "2025-01-02",
            "CLM_THRU_DT": "2025-01-02", "CLM_PMT_AMT": "0000000000100.00", **extra}  # fmt: skip


def _line(n: int, **extra: str) -> dict[str, str]:
    return {"CUR_CLM_UNIQ_ID": str(n), "CLM_LINE_NUM": "1", "BENE_MBI_ID": "1EG4TE5MK73",
            "CLM_LINE_CVRD_PD_AMT": "00000000012.00", **extra}  # fmt: skip


def bad_delivery(out: Path) -> Path:
    """One short record (CCLF8 line 2), one wrong CCLF0 count (CCLF9), one bad date (CCLF1 line
    2) and one bad amount (CCLF5 line 3)."""
    contents = dict.fromkeys(DATA_FILE_CODES, b"")
    contents["CCLF8"] = fixed_width("CCLF8", {"BENE_MBI_ID": "1EG4TE5MK73"}) + (
        fixed_width("CCLF8", {"BENE_MBI_ID": "6U50TE7GG18"})[:500] + b"\n"
    )
    contents["CCLF9"] = fixed_width(
        "CCLF9", {"HICN_MBI_XREF_IND": "M", "CRNT_NUM": "6U50TE7GG18", "PRVS_NUM": "1EG4TE5MK73"}
    )
    contents["CCLF1"] = fixed_width("CCLF1", _claim(1)) + fixed_width(
        "CCLF1", _claim(2, CLM_THRU_DT="2025-13-01")
    )
    contents["CCLF5"] = b"".join(
        [fixed_width("CCLF5", _line(10)), fixed_width("CCLF5", _line(11)), fixed_width("CCLF5", _line(12, CLM_LINE_CVRD_PD_AMT="0000000001.2.3"))]
    )  # fmt: skip
    declared = dict(contents)
    declared["CCLF9"] = contents["CCLF9"] * 2  # CCLF0 will say 2 records; the file has 1
    return write_delivery(
        out,
        entity_id="A9001",
        year=2025,
        delivered_at=WHEN,
        contents=contents,
        summary=summary_file(declared),
    )


def test_a_delivery_with_four_problems_is_rejected_with_those_four_errors(
    entity_a: Entity, cclf_dir: Path
) -> None:
    path = bad_delivery(cclf_dir)
    with pytest.raises(DeliveryRejected) as caught:
        cclf_delivery_load(path=path)
    found = sorted((e.file.split(".")[3][:3], e.line, e.field) for e in caught.value.errors)
    assert caught.value.total == 4
    assert found == [("ZC0", None, "RECORD_COUNT"), ("ZC1", 2, "CLM_THRU_DT"), ("ZC5", 3, "CLM_LINE_CVRD_PD_AMT"),
                     ("ZC8", 2, None)]  # fmt: skip
    messages = "\n".join(str(e) for e in caught.value.errors)
    assert "record length 500, expected 549" in messages
    assert "CCLF9 record count 2 in CCLF0, the file has 1" in messages
    assert "'2025-13-01'" in messages

    # Nothing was loaded; the registry says why.
    for model in CLAIMS_MODELS.values():
        assert not model.objects.exists()
    assert not Beneficiary.objects.exists()
    assert not BeneficiaryMbi.objects.exists()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.REJECTED
    assert delivery.error_count == 4
    assert len(delivery.errors) == 4


def test_load_cclf_exits_non_zero_with_the_reason(entity_a: Entity, cclf_dir: Path) -> None:
    with pytest.raises(CommandError, match=r"rejected: 4 errors, nothing"):
        call_command("load_cclf", str(bad_delivery(cclf_dir)))


def test_a_delivery_for_another_entity_is_refused(
    entity_a: Entity, entity_b: Entity, cclf_dir: Path
) -> None:
    with pytest.raises(CommandError, match="for entity A9001, not D9002"):
        call_command("load_cclf", str(bad_delivery(cclf_dir)), "--entity", "D9002")


@pytest.mark.django_db(transaction=True)
def test_a_rejected_delivery_staged_beside_its_merge_leaves_nothing_either(tmp_path: Path) -> None:
    """Outside a caller's transaction (as `load_cclf` and the job run it) a thread stages files
    while the merge transaction takes them; an error rolls that transaction back."""
    from tests.factories import EntityFactory, ProgramFactory

    EntityFactory(program=ProgramFactory(code="mssp"), cms_id="A9001")
    with pytest.raises(DeliveryRejected) as caught:
        cclf_delivery_load(path=bad_delivery(tmp_path))
    assert caught.value.total == 4
    for model in CLAIMS_MODELS.values():
        assert not model.objects.exists()
    assert not BeneficiaryMbi.objects.exists()
    assert Delivery.objects.get().status == DeliveryStatus.REJECTED
