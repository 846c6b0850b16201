"""Generated JSON bodies (Hypothesis, derandomized) for the partner API's writes and its search:
each is answered, or refused with a 4xx problem document; never a 500 and never a partial write."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from care.models import WorklistItem, WorklistNote

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hostile_text = st.one_of(
    st.sampled_from(["", "\x00", "a\x00b", "=cmd|x", "2026-02-30", "1EG4TE5MK73", "x" * 300]),
    st.text(max_size=20),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)


def _counts() -> tuple[int, int]:
    return WorklistItem.objects.count(), WorklistNote.objects.count()


def _check(response, before: tuple[int, int]) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code
        assert _counts() == before


@FUZZ
@given(data=st.data())
def test_generated_worklist_items_and_searches_never_fail_the_server(
    partner_a, api_for, aligned_a, data
) -> None:
    api = api_for(partner_a, scope="worklist:read worklist:write beneficiaries:read")
    member = aligned_a.run.results.filter(aligned=True).values_list("beneficiary_id", flat=True)[0]
    item = data.draw(
        st.one_of(
            st.fixed_dictionaries(
                {"beneficiary": st.one_of(st.just(member), json_values), "title": hostile_text},
                optional={"detail": json_values, "due_date": json_values},
            ),
            json_values,
        )
    )
    before = _counts()
    created = api.post("/api/v1/worklist-items/", json.dumps(item), content_type="application/json")
    _check(created, before)
    if created.status_code == 201:
        closing = data.draw(
            st.fixed_dictionaries({"status": hostile_text}, optional={"reason": json_values})
        )
        before = _counts()
        closed = api.post(
            f"/api/v1/worklist-items/{created.json()['id']}/close/",
            json.dumps(closing),
            content_type="application/json",
        )
        _check(closed, before)
    search = data.draw(st.one_of(st.fixed_dictionaries({"mbis": json_values}), json_values))
    found = api.post(
        "/api/v1/beneficiaries/search", json.dumps(search), content_type="application/json"
    )
    _check(found, _counts())
