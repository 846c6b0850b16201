"""Distribution of a settlement to participant TINs by largest remainder."""

from __future__ import annotations

from decimal import Decimal

import pytest

from settlement.engine.distribution import (
    AllocationBasis,
    AllocationMethod,
    ParticipantFigures,
    allocate,
)
from settlement.engine.errors import SettlementInputError

TINS = (
    ParticipantFigures(
        "111111111", "North Clinic", 3, Decimal("3000"), Decimal("2000"), Decimal("90")
    ),
    ParticipantFigures(
        "222222222", "South Clinic", 3, Decimal("3000"), Decimal("2500"), Decimal("60")
    ),
    ParticipantFigures(
        "333333333", "East Clinic", 3, Decimal("3000"), Decimal("3600"), Decimal("75")
    ),
)


def amounts(total: str, basis: str) -> list[Decimal]:
    return [s.amount for s in allocate(Decimal(total), TINS, AllocationMethod.single(basis)).shares]


def test_a_three_way_split_hands_the_odd_cent_to_the_first_tin() -> None:
    assert amounts("100.00", "beneficiaries") == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]


def test_savings_contribution_ignores_tins_that_lost_money() -> None:
    assert amounts("1500.00", "savings_contribution") == [
        Decimal("1000.00"),
        Decimal("500.00"),
        Decimal("0.00"),
    ]


def test_losses_are_split_among_the_tins_that_made_them() -> None:
    assert amounts("-600.00", "savings_contribution") == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("-600.00"),
    ]


def test_the_quality_basis_weights_beneficiaries_by_score() -> None:
    assert amounts("225.00", "quality") == [Decimal("90.00"), Decimal("60.00"), Decimal("75.00")]


def test_a_blend_of_bases_still_sums_to_the_whole() -> None:
    method = AllocationMethod(
        ((AllocationBasis.BENEFICIARIES, Decimal("0.5")), (AllocationBasis.QUALITY, Decimal("0.5")))
    )
    allocation = allocate(Decimal("1000.01"), TINS, method)
    assert sum(s.amount for s in allocation.shares) == Decimal("1000.01")
    # Each TIN's line shows its share on each basis, so a practice can follow its own figure:
    # North has 1/3 of the beneficiaries and 90 x 3 / 675 = 40% of the quality-weighted ones.
    north = next(s for s in allocation.explanation if s.label == "TIN 111111111 (North Clinic)")
    assert north.value.startswith(
        "50% x 33.3333% (beneficiaries) + 50% x 40% (quality) = 36.6667% = $"
    ), north.value


def test_weights_that_do_not_sum_to_one_are_refused() -> None:
    with pytest.raises(SettlementInputError, match="sum to 100%"):
        AllocationMethod(((AllocationBasis.BENEFICIARIES, Decimal("0.6")),))


def test_a_total_in_fractions_of_a_cent_is_refused() -> None:
    with pytest.raises(ValueError, match="whole number of cents"):
        allocate(Decimal("1.005"), TINS, AllocationMethod.single("beneficiaries"))


def test_duplicate_tins_are_refused() -> None:
    with pytest.raises(SettlementInputError) as error:
        allocate(Decimal("1"), TINS + TINS[:1], AllocationMethod.single("beneficiaries"))
    assert error.value.field == "tin"


def test_the_quality_basis_needs_every_score() -> None:
    missing = (*TINS[:2], ParticipantFigures("444444444", "West", 1))
    with pytest.raises(SettlementInputError) as error:
        allocate(Decimal("10"), missing, AllocationMethod.single("quality"))
    assert error.value.field == "quality_score"
