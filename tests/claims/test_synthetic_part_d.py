"""The generator's Part D file (CCLF7): each person's maintenance drugs follow their chronic
conditions and are refilled every days' supply, some with gaps; the drugs are the platform's
named products."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np

from cclf.layouts import layout
from core.codes import part_d_drugs
from synthetic.cclf import CHRONIC_CONDITIONS, GeneratorConfig, draw_blocks
from synthetic.part_d import (
    APIXABAN,
    DRUGS,
    METFORMIN,
    RIVAROXABAN,
    SERTRALINE,
    SITAGLIPTIN,
    TIOTROPIUM,
)


def test_fills_follow_conditions_and_refill_every_days_supply_with_some_gaps() -> None:
    pop, blocks = draw_blocks(GeneratorConfig(entity_id="A9999", year=2025, beneficiaries=400))
    data = b"".join(block["CCLF7"] for block in blocks)
    lines = data.splitlines()
    f = {name: layout("CCLF7").field(name) for name in (
        "BENE_MBI_ID", "CLM_LINE_NDC_CD", "CLM_LINE_FROM_DT", "CLM_LINE_DAYS_SUPLY_QTY")}  # fmt: skip

    def value(line: bytes, name: str) -> str:
        return line[f[name].start : f[name].end].decode().strip()

    fills: dict[tuple[str, str], list[date]] = defaultdict(list)
    for line in lines:
        fills[(value(line, "BENE_MBI_ID"), value(line, "CLM_LINE_NDC_CD"))].append(
            date.fromisoformat(value(line, "CLM_LINE_FROM_DT"))
        )
    assert {ndc for _, ndc in fills} <= set(part_d_drugs())
    codes = [code for code, _ in CHRONIC_CONDITIONS]
    person = {bytes(m).decode(): i for i, m in enumerate(pop.previous_mbi)}
    person.update({bytes(m).decode(): i for i, m in enumerate(pop.mbi)})

    def holds(i: int, code: str) -> bool:
        return codes.index(code) in set(pop.conditions[i][pop.has_conditions[i]].tolist())

    # An anticoagulant (apixaban, or rivaroxaban for some) only for atrial fibrillation, never
    # both, and most people alive with it take one.
    on_apixaban = {person[m] for m, ndc in fills if ndc == APIXABAN.ndc}
    on_rivaroxaban = {person[m] for m, ndc in fills if ndc == RIVAROXABAN.ndc}
    af = {i for i in range(pop.n) if holds(i, "I4891") and pop.utilization[i] > 0}
    assert on_apixaban
    assert on_rivaroxaban
    assert not on_apixaban & on_rivaroxaban
    assert on_apixaban | on_rivaroxaban <= af
    assert len(on_apixaban | on_rivaroxaban) >= 0.8 * len(af)
    # Every product is filled; the inhaler only for COPD, sertraline only for depression,
    # sitagliptin only for diabetes (beside metformin).
    assert {ndc for _, ndc in fills} == {d.ndc for d in DRUGS}
    for drug, codes_held in (
        (TIOTROPIUM, ("J449",)), (SERTRALINE, ("F332",)), (SITAGLIPTIN, ("E119", "E1122"))
    ):  # fmt: skip
        for m, ndc in fills:
            if ndc == drug.ndc:
                assert any(holds(person[m], code) for code in codes_held)
    # Metformin every 90 days give or take a few, with longer gaps for some.
    steps = np.concatenate(
        [
            np.diff([d.toordinal() for d in sorted(days)])
            for (_, ndc), days in fills.items()
            if ndc == METFORMIN.ndc and len(days) > 1
        ]
    )
    assert 86 <= np.median(steps) <= 96
    assert (steps > 110).any()
