"""Malformed HL7 v2 (Hypothesis, derandomized): random text, and a good discharge damaged (a
segment dropped, bytes written over a span, separators scrambled). The intake answers AA, AE or
AR with a reason, never raises, and stores nothing for a refusal (AR, or AE that is not the
unmatched queue); the ACK it builds is itself an HL7 message naming the code."""

from __future__ import annotations

import hl7
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from care.models import WorklistItem
from events.adt import ack
from events.models import AdtMessage, MessageStatus
from events.services import adt_v2_receive
from tests.events.conftest import adt, at

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

NOISE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="|^~\\&\r\nMSHPIDV1EVN0123456789ADT", max_size=40),
    st.binary(max_size=20).map(lambda b: b.decode("latin-1")),
)


@st.composite
def damaged(draw, good: str) -> str:
    how = draw(st.sampled_from(["random", "drop", "overwrite", "insert", "truncate"]))
    if how == "random":
        return draw(NOISE)
    segments = good.split("\r")
    if how == "drop":
        segments.pop(draw(st.integers(0, len(segments) - 1)))
        return "\r".join(segments)
    if how == "truncate":
        return good[: draw(st.integers(0, len(good)))]
    start = draw(st.integers(0, len(good)))
    noise = draw(NOISE)
    if how == "insert":
        return good[:start] + noise + good[start:]
    return good[:start] + noise + good[start + len(noise) :]


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_malformed_hl7_is_answered_with_a_reason_and_never_half_stored(
    entity_a, sender_a, make_bene, data
) -> None:
    bene = make_bene(entity_a, first_name="Case", last_name="Fuzz")
    out = at(2026, 12, 4, 10)
    good = adt(sender_a, bene, "A03", "FUZZ1", event_at=out, discharge_at=out, disposition="01")
    # The same template every example (Hypothesis replays draws), then this example's MBI.
    template = good.replace(bene.current_mbi, "1EG4TE5MK73")
    text = data.draw(damaged(template)).replace("1EG4TE5MK73", bene.current_mbi)
    messages, items = AdtMessage.objects.count(), WorklistItem.objects.count()
    receipt = adt_v2_receive(text=text, channel="mllp")
    assert receipt.code in ("AA", "AE", "AR")
    stored = AdtMessage.objects.count() - messages
    if receipt.code == "AA":
        assert stored <= 1
    else:
        assert receipt.reason.strip()
        queued = receipt.message_id is not None and (
            AdtMessage.objects.filter(
                pk=receipt.message_id, status=MessageStatus.UNMATCHED
            ).exists()
        )
        if receipt.code == "AR" or not queued:
            assert stored == 0
            assert WorklistItem.objects.count() == items
    reply = ack(text, receipt.code, receipt.reason, control_id=receipt.control_id)
    parsed = hl7.parse(reply)
    assert str(parsed.segment("MSA")(1)) == receipt.code
