"""Gain-sharing with specialists reconciled to the entity's earned savings, on hand-built
episodes (specialists.engine.gainshare)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from specialists.engine.gainshare import (
    ArrangementError,
    EpisodeResult,
    GainShareRule,
    reconcile,
    rule_for,
)

D = Decimal


def rule(tin="", episode="", rate="0.5", floor="0", cap="100000", gate=None):
    return GainShareRule(tin, episode, D(rate), D(floor), D(cap), None if gate is None else D(gate))


def result(tin, actual, target, episode="heart_failure", readmitted=False):
    return EpisodeResult(tin, episode, actual, target, readmitted)


def test_the_most_specific_rule_wins():
    rules = [rule(rate="0.1"), rule(episode="lejr", rate="0.2"), rule(tin="1", rate="0.3"),
             rule(tin="1", episode="lejr", rate="0.4")]  # fmt: skip
    rates = {
        (tin, episode): getattr(rule_for(rules, tin, episode), "rate", None)
        for tin in ("1", "2")
        for episode in ("lejr", "copd")
    }
    assert rates == {
        ("1", "lejr"): D("0.4"), ("1", "copd"): D("0.3"),
        ("2", "lejr"): D("0.2"), ("2", "copd"): D("0.1"),
    }  # fmt: skip
    assert rule_for([rule(tin="1")], "2", "copd") is None


def test_a_gain_is_the_rate_on_savings_against_target_paid_in_full_inside_the_pool():
    out = reconcile(
        rules=[rule(rate="0.5")],
        results=[result("1", 800_000, 1_000_000), result("1", 1_050_000, 1_000_000)],
        entity_earned=D("100000.00"),
        pool_share=D("0.10"),
    )
    (share,) = out.shares
    assert out.pool == D("10000.00")
    assert share.amount == D("750.00")  # 50% of ($2,000 + -$500)
    assert not out.scaled


def test_the_cap_and_the_floor_hold_the_amount():
    capped = reconcile(
        rules=[rule(rate="1", cap="1000")],
        results=[result("1", 0, 500_000)],
        entity_earned=D("1000000"),
        pool_share=D("1"),
    )
    assert capped.shares[0].amount == D("1000.00")
    floored = reconcile(
        rules=[rule(rate="1", floor="-250")],
        results=[result("1", 500_000, 0)],
        entity_earned=D("1000000"),
        pool_share=D("1"),
    )
    assert floored.shares[0].amount == D("-250.00")


def test_a_failed_quality_gate_blocks_a_gain_but_not_a_repayment():
    gated = reconcile(
        rules=[rule(rate="1", gate="0.25")],
        results=[result("1", 0, 100_000, readmitted=True), result("1", 0, 100_000)],
        entity_earned=D("1000000"),
        pool_share=D("1"),
    )
    assert gated.shares[0].amount == D("0.00")
    assert not gated.shares[0].lines[0].gate_passed
    owed = reconcile(
        rules=[rule(rate="1", floor="-500", gate="0")],
        results=[result("2", 100_000, 0, readmitted=True)],
        entity_earned=None,
        pool_share=D("1"),
    )
    assert owed.shares[0].amount == D("-500.00")


def test_gains_beyond_the_pool_are_scaled_and_split_to_the_cent():
    out = reconcile(
        rules=[rule(rate="1")],
        results=[result("1", 0, 100), result("2", 0, 100), result("3", 0, 100)],
        entity_earned=D("0.10"),
        pool_share=D("1"),
    )
    assert out.scaled
    assert sorted(s.amount for s in out.shares) == [D("0.03"), D("0.03"), D("0.04")]
    assert out.paid == out.pool == D("0.10")


def test_an_entity_without_savings_pays_no_gain():
    out = reconcile(
        rules=[rule(rate="1")],
        results=[result("1", 0, 100_000)],
        entity_earned=D("-5000.00"),
        pool_share=D("0.5"),
    )
    assert out.pool == D("0.00")
    assert out.shares[0].amount == D("0.00")
    assert "Entity keeps" in out.explanation[-1].label


def test_an_episode_without_target_or_rule_is_left_out():
    out = reconcile(
        rules=[rule(episode="lejr")],
        results=[result("1", 0, None, episode="lejr"), result("1", 0, 100_000)],
        entity_earned=D("1000"),
        pool_share=D("1"),
    )
    assert out.shares[0].lines == ()
    assert out.shares[0].amount == D("0.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate": "1.5"}, "rate"),
        ({"floor": "10"}, "floor"),
        ({"cap": "-1"}, "cap"),
        ({"gate": "2"}, "max_readmission_rate"),
    ],  # fmt: skip
)
def test_a_bad_arrangement_names_its_field(kwargs, field):
    with pytest.raises(ArrangementError) as error:
        rule(**kwargs)
    assert error.value.field == field
