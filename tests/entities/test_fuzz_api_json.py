"""Generated JSON bodies (Hypothesis, derandomized) for the participation and entity API writes:
each is accepted, or refused with a 4xx problem document naming the fields; never a 500 and
never a partial write."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entities.models import Entity, ParticipantOrganization, Participation, Provider
from synthetic.identifiers import npi as make_npi

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hostile_text = st.one_of(
    st.sampled_from(["", "\x00", "a\x00b", "=HYPERLINK(1)", "2025-13-01", "9" * 300, "\ud7ff"]),
    st.text(max_size=20),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)


def near_valid(entity_id: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "entity": st.one_of(st.just(entity_id), json_values),
            "tin": st.one_of(st.just("123456789"), json_values),
            "start_date": st.one_of(st.just("2025-01-01"), json_values),
        },
        optional={
            "npi": st.one_of(st.just(make_npi(80_001)), json_values),
            "ccn": json_values,
            "specialty_code": st.one_of(st.just("08"), json_values),
            "role": st.one_of(st.sampled_from(["participant", "preferred"]), json_values),
            "end_date": json_values,
            "tin_legal_name": json_values,
            "provider_name": json_values,
        },
    )


def _counts() -> tuple[int, ...]:
    return (
        Participation.objects.count(),
        Provider.objects.count(),
        ParticipantOrganization.objects.count(),
    )


def _check(response, before: tuple[int, ...], written: int) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["detail"]
        assert _counts() == before
    else:
        assert _counts()[0] == before[0] + written


@FUZZ
@given(data=st.data())
def test_generated_participation_bodies_never_fail_the_server(
    entity_a, console_admin, login_client, data
) -> None:
    client = login_client(console_admin)
    body = data.draw(st.one_of(near_valid(entity_a.pk), json_values))
    before = _counts()
    response = client.post(
        "/api/v1/participations/", json.dumps(body), content_type="application/json"
    )
    _check(response, before, written=1)
    Participation.objects.all().delete()


@FUZZ
@given(body=json_values)
def test_generated_entity_patches_never_fail_the_server(
    entity_a, console_admin, login_client, body
) -> None:
    client = login_client(console_admin)
    before = _counts()
    saved = Entity.objects.filter(pk=entity_a.pk).values().get()
    response = client.patch(
        f"/api/v1/entities/{entity_a.pk}/", json.dumps(body), content_type="application/json"
    )
    _check(response, before, written=0)
    if response.status_code >= 400:
        assert Entity.objects.filter(pk=entity_a.pk).values().get() == saved
