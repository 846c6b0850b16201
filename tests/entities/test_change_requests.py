"""Participant-list change requests: draft, submitted, accepted (applied) or rejected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from entities.models import Participation, PerformanceYear
from entities.services.change_requests import (
    change_request_create,
    change_request_decide,
    change_request_submit,
)
from entities.services.participations import participation_add

pytestmark = pytest.mark.django_db
D = dt.date


def test_an_accepted_add_creates_the_participation_only_then(entity_a, aco_admin, npis) -> None:
    npi = next(npis)
    change = change_request_create(
        entity=entity_a,
        action="add",
        performance_year=2026,
        tin="123456789",
        npi=npi,
        specialty_code="08",
        effective_date=D(2026, 1, 1),
        acting_user=aco_admin,
    )
    assert change.status == "draft"
    change = change_request_submit(change_request=change, acting_user=aco_admin)
    assert change.status == "submitted"
    assert not Participation.objects.exists()
    change = change_request_decide(
        change_request=change, accept=True, note="CMS approved", acting_user=aco_admin
    )
    assert change.status == "accepted"
    assert change.participation.provider.npi == npi
    assert change.participation.start_date == D(2026, 1, 1)
    assert [h.status for h in change.history.order_by("history_date")] == [
        "draft",
        "submitted",
        "accepted",
    ]


def test_an_accepted_drop_ends_the_participation_the_day_before(entity_a, aco_admin, npis) -> None:
    row = participation_add(
        entity=entity_a, tin="123456789", npi=next(npis), start_date=D(2024, 1, 1)
    )
    change = change_request_create(
        entity=entity_a,
        action="drop",
        performance_year=2026,
        tin="123456789",
        npi=row.provider.npi,
        effective_date=D(2026, 1, 1),
    )
    change_request_submit(change_request=change)
    change_request_decide(change_request=change, accept=True)
    row.refresh_from_db()
    assert row.end_date == D(2025, 12, 31)


def test_a_rejected_request_changes_nothing(entity_a, npis) -> None:
    change = change_request_create(
        entity=entity_a,
        action="add",
        performance_year=2026,
        tin="123456789",
        npi=next(npis),
        effective_date=D(2026, 1, 1),
    )
    change_request_submit(change_request=change)
    change = change_request_decide(
        change_request=change, accept=False, note="Not enrolled in PECOS"
    )
    assert change.status == "rejected"
    assert not Participation.objects.exists()
    with pytest.raises(ValidationError, match="only a submitted request can become accepted"):
        change_request_decide(change_request=change, accept=True)


def test_a_request_after_the_program_deadline_cannot_be_submitted(entity_a, npis) -> None:
    PerformanceYear.objects.filter(program=entity_a.program, year=2026).update(
        change_request_deadline=D(2020, 1, 1)
    )
    change = change_request_create(
        entity=entity_a,
        action="add",
        performance_year=2026,
        tin="123456789",
        npi=next(npis),
        effective_date=D(2026, 1, 1),
    )
    assert change.deadline == D(2020, 1, 1)
    with pytest.raises(
        ValidationError, match="deadline for performance year 2026 change requests was 2020-01-01"
    ):
        change_request_submit(change_request=change)


def test_dropping_someone_not_on_the_list_is_refused_in_plain_words(entity_a) -> None:
    with pytest.raises(ValidationError) as excinfo:
        change_request_create(
            entity=entity_a,
            action="drop",
            performance_year=2026,
            tin="123456789",
            npi="1234567893",
            effective_date=D(2026, 1, 1),
        )
    assert excinfo.value.message_dict["effective_date"] == [
        "TIN 123456789 / NPI 1234567893 is not on the participant list on 2025-12-31, so it cannot be dropped "
        "from 2026-01-01."
    ]


def test_a_request_outside_its_performance_year_is_refused(entity_a) -> None:
    with pytest.raises(ValidationError, match="outside performance year 2026"):
        change_request_create(
            entity=entity_a,
            action="add",
            performance_year=2026,
            tin="123456789",
            effective_date=D(2025, 6, 1),
        )
