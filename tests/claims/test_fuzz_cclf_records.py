"""Generated CCLF records (Hypothesis, derandomized): random bytes written over one field of a
good record. The parser either renders the record or names its line and field (or, for a
control character or a wrong length, its line); a delivery holding it is loaded or rejected whole,
never a traceback and never a partial write."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beneficiaries.models import BeneficiaryMbi
from cclf.layouts import DATA_FILE_CODES, layout
from cclf.parser import Batch, BatchRenderer
from cclf.writer import write_delivery
from claims.loading.stage import plan_for
from claims.models import CLAIMS_MODELS, Delivery, DeliveryStatus
from claims.services import DeliveryRejected, cclf_delivery_load
from tests.claims.cclf import fixed_width

CCLF5 = layout("CCLF5", "v38")
GOOD = {
    "CUR_CLM_UNIQ_ID": "10", "CLM_LINE_NUM": "1", "BENE_MBI_ID": "1EG4TE5MK73",
    "CLM_FROM_DT": "2025-01-02", "CLM_THRU_DT": "2025-01-02", "CLM_LINE_HCPCS_CD": "99213",
    "CLM_LINE_CVRD_PD_AMT": "00000000012.00", "CLM_CNTL_NUM": "ABC", "CLM_DGNS_1_CD": "E119",
}  # fmt: skip
# Bytes as they come: printable ASCII, digits and signs, high bytes, control characters.
field_bytes = st.one_of(
    st.binary(min_size=1, max_size=12),
    st.text(alphabet="0123456789-. ~", min_size=1, max_size=12).map(str.encode),
    st.text(max_size=6).map(lambda t: t.encode("utf-8")),
)
damage = st.tuples(st.sampled_from(CCLF5.fields), field_bytes)


def _record(field, value: bytes) -> bytes:
    record = bytearray(fixed_width("CCLF5", GOOD)[:-1])
    value = value[: field.width]
    record[field.start : field.start + len(value)] = value
    return bytes(record).replace(b"\n", b" ")  # a line end would make another record


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(damage=damage)
def test_a_damaged_record_is_rendered_or_named_by_line_and_field(damage) -> None:
    field, value = damage
    record = _record(field, value)
    renderer = BatchRenderer(plan_for("CCLF5", "v38"), "CCLF5")
    batch = Batch(np.frombuffer(record, dtype=np.uint8).reshape(1, -1), np.array([7]))
    parsed = renderer.render(batch)
    if parsed.error_count:
        assert parsed.errors
        for error in parsed.errors:
            assert error.line == 7
            assert error.field in {f.label for f in CCLF5.fields} or (
                error.field is None and error.message == "control character in record"
            )
    else:
        assert parsed.copy_text.endswith(b"\n")
        parsed.copy_text.decode("utf-8")  # what COPY receives is text


@pytest.mark.django_db
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(damage=damage)
def test_a_delivery_with_a_damaged_record_loads_or_is_rejected_whole(
    entity_a, tmp_path_factory, damage
) -> None:
    field, value = damage
    contents = dict.fromkeys(DATA_FILE_CODES, b"")
    contents["CCLF8"] = fixed_width("CCLF8", {"BENE_MBI_ID": "1EG4TE5MK73"})
    contents["CCLF5"] = fixed_width("CCLF5", {**GOOD, "CUR_CLM_UNIQ_ID": "9"}) + (
        _record(field, value) + b"\n"
    )
    out: Path = tmp_path_factory.mktemp("cclf")
    path = write_delivery(
        out,
        entity_id="A9001",
        year=2025,
        delivered_at=datetime(2025, 3, 10, 12),  # noqa: DTZ001
        contents=contents,
    )
    before = {code: m.objects.count() for code, m in CLAIMS_MODELS.items()}
    mbis = BeneficiaryMbi.objects.count()
    rejected: DeliveryRejected | None = None
    try:
        result = cclf_delivery_load(path=path)
    except DeliveryRejected as exc:
        rejected = exc
    try:
        if rejected is not None:
            assert {code: m.objects.count() for code, m in CLAIMS_MODELS.items()} == before
            assert BeneficiaryMbi.objects.count() == mbis
            for error in rejected.errors:
                assert error.line == 2
                assert error.file.startswith("P.A9001.ACO.ZC5")
            assert Delivery.objects.get().status == DeliveryStatus.REJECTED
        else:
            assert result.delivery.status == DeliveryStatus.LOADED
            assert result.counts["CCLF5"]["records"] == 2
    finally:
        Delivery.objects.all().delete()
        for model in CLAIMS_MODELS.values():
            model.objects.all().delete()
