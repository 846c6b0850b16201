"""Overlap and exclusivity rules of participations (issue 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from entities.models import Participation, Provider
from entities.services.participations import (
    participation_add,
    participation_change,
    participation_end,
)

D = dt.date
pytestmark = pytest.mark.django_db


def test_it_adds_a_participation_and_creates_the_tin_and_npi(entity_a, npis) -> None:
    npi = next(npis)
    row = participation_add(
        entity=entity_a, tin="12-3456789", npi=npi, specialty_code="8", start_date="2025-01-01"
    )
    assert row.organization.tin == "123456789"
    assert row.provider.npi == npi
    assert row.provider.specialty_id == "08"
    assert row.provider.provider_class == "pcp"
    assert row.end_date is None


def test_it_rejects_an_invalid_npi_naming_it(entity_a) -> None:
    with pytest.raises(ValidationError) as excinfo:
        participation_add(
            entity=entity_a, tin="123456789", npi="1234567890", start_date=D(2025, 1, 1)
        )
    assert "NPI 1234567890 is not valid" in excinfo.value.message_dict["npi"][0]
    assert not Participation.objects.exists()


def test_it_refuses_overlapping_periods_for_the_same_tin_and_npi(entity_a, npis) -> None:
    npi = next(npis)
    participation_add(
        entity=entity_a,
        tin="123456789",
        npi=npi,
        start_date=D(2024, 1, 1),
        end_date=D(2024, 12, 31),
    )
    with pytest.raises(ValidationError) as excinfo:
        participation_add(entity=entity_a, tin="123456789", npi=npi, start_date=D(2024, 6, 1))
    assert (
        "already on the list from 2024-01-01 to 2024-12-31"
        in excinfo.value.message_dict["start_date"][0]
    )
    # The next day is fine: periods are inclusive of both ends.
    participation_add(entity=entity_a, tin="123456789", npi=npi, start_date=D(2025, 1, 1))
    assert Participation.objects.count() == 2


def test_the_same_npi_under_another_tin_is_another_key(entity_a, npis) -> None:
    npi = next(npis)
    participation_add(entity=entity_a, tin="123456789", npi=npi, start_date=D(2025, 1, 1))
    participation_add(entity=entity_a, tin="987654321", npi=npi, start_date=D(2025, 1, 1))
    assert Participation.objects.filter(provider__npi=npi).count() == 2


def test_adding_an_identical_row_again_changes_nothing(entity_a, npis) -> None:
    npi = next(npis)
    first = participation_add(entity=entity_a, tin="123456789", npi=npi, start_date=D(2025, 1, 1))
    again = participation_add(entity=entity_a, tin="123456789", npi=npi, start_date=D(2025, 1, 1))
    assert again.pk == first.pk
    assert first.history.count() == 1


def test_an_npi_cannot_be_a_participant_of_two_reach_entities_at_once(
    entity_b, other_dce, npis
) -> None:
    npi = next(npis)
    participation_add(
        entity=other_dce,
        tin="111111111",
        npi=npi,
        start_date=D(2025, 1, 1),
        end_date=D(2025, 6, 30),
    )
    with pytest.raises(ValidationError) as excinfo:
        participation_add(entity=entity_b, tin="222222222", npi=npi, start_date=D(2025, 3, 1))
    message = excinfo.value.message_dict["npi"][0]
    assert f"NPI {npi} is already a participant of Other Synthetic DCE (D9004)" in message
    # After the other period ends it may join; as a preferred provider it may join at any time.
    participation_add(entity=entity_b, tin="222222222", npi=npi, start_date=D(2025, 7, 1))
    participation_add(
        entity=entity_b, tin="333333333", npi=npi, role="preferred", start_date=D(2025, 1, 1)
    )


def test_mssp_npis_may_be_in_two_acos_when_their_tins_do_not_bill_primary_care(
    entity_a, other_aco, npis
) -> None:
    npi = next(npis)
    participation_add(
        entity=other_aco, tin="111111111", npi=npi, specialty_code="06", start_date=D(2025, 1, 1)
    )
    participation_add(
        entity=entity_a, tin="111111111", npi=npi, specialty_code="06", start_date=D(2025, 1, 1)
    )


def test_a_primary_care_tin_cannot_be_in_two_mssp_acos_in_one_year(
    entity_a, other_aco, npis
) -> None:
    participation_add(
        entity=other_aco,
        tin="444444444",
        npi=next(npis),
        specialty_code="11",
        start_date=D(2025, 1, 1),
        end_date=D(2025, 3, 31),
    )
    with pytest.raises(ValidationError) as excinfo:
        # A specialist NPI, but the TIN bills primary care through its internist.
        participation_add(
            entity=entity_a,
            tin="444444444",
            npi=next(npis),
            specialty_code="06",
            start_date=D(2025, 9, 1),
        )
    message = excinfo.value.message_dict["tin"][0]
    assert "TIN 444444444 bills primary care" in message
    assert "Other Synthetic ACO (A9003) for performance year 2025" in message
    # The next performance year is free.
    participation_add(entity=entity_a, tin="444444444", npi=next(npis), start_date=D(2026, 1, 1))


def test_preferred_providers_exist_only_where_the_program_has_them(entity_a, npis) -> None:
    with pytest.raises(ValidationError) as excinfo:
        participation_add(
            entity=entity_a,
            tin="123456789",
            npi=next(npis),
            role="preferred",
            start_date=D(2025, 1, 1),
        )
    assert "has no preferred providers" in excinfo.value.message_dict["role"][0]


def test_ending_a_participation_keeps_the_row_and_its_history(entity_a, npis, aco_admin) -> None:
    row = participation_add(
        entity=entity_a, tin="123456789", npi=next(npis), start_date=D(2025, 1, 1)
    )
    participation_end(participation=row, end_date=D(2025, 6, 30), acting_user=aco_admin)
    row.refresh_from_db()
    assert row.end_date == D(2025, 6, 30)
    latest = row.history.first()
    assert latest.history_user == aco_admin
    assert latest.history_change_reason == "Participation ended"
    assert row.history.count() == 2


def test_changing_a_period_into_an_overlap_is_refused(entity_a, npis) -> None:
    npi = next(npis)
    first = participation_add(
        entity=entity_a, tin="123456789", npi=npi, start_date=D(2024, 1, 1), end_date=D(2024, 6, 30)
    )
    participation_add(entity=entity_a, tin="123456789", npi=npi, start_date=D(2024, 7, 1))
    with pytest.raises(ValidationError, match="already on the list from 2024-07-01, open-ended"):
        participation_change(participation=first, end_date=D(2024, 12, 31))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraint is PostgreSQL-only"
)
def test_the_database_itself_refuses_overlapping_periods(entity_a, npis) -> None:
    npi = next(npis)
    row = participation_add(entity=entity_a, tin="123456789", npi=npi, start_date=D(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(
            entity=entity_a,
            organization=row.organization,
            provider=Provider.objects.get(npi=npi),
            start_date=D(2025, 5, 1),
        )
