"""Refill gaps and the proportion of days covered (PQA PDC, as CMS's Part D Star Ratings
adherence measures use it), on hand-made fills."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from care.engine.medications import DrugInfo, Fill, class_adherence, medication_list

STATIN = "67877051290"
OTHER_STATIN = "99999999901"
DRUGS = {
    STATIN: DrugInfo("Atorvastatin calcium 20 mg tablet", "Statins"),
    OTHER_STATIN: DrugInfo("Another statin", "Statins"),
}


def fills(ndc: str, *days: date, supply: int = 30) -> list[Fill]:
    return [Fill(ndc=ndc, fill_date=d, days_supply=supply) for d in days]


def test_every_day_covered_is_a_pdc_of_one_and_no_gap() -> None:
    got = class_adherence(
        fills(STATIN, date(2025, 1, 1), date(2025, 1, 31), date(2025, 3, 2)),
        drug_class="Statins",
        as_of=date(2025, 3, 31),
    )
    assert (got.treatment_days, got.covered_days, got.gap_days) == (90, 90, 0)
    assert got.pdc == Decimal("1.0000")
    assert got.adherent


def test_a_gap_counts_the_days_no_fill_covers_from_the_first_fill() -> None:
    # Fills on 10 Jan and 1 Mar, 30 days each: 10 Jan-8 Feb and 1-30 Mar covered; 9-28 Feb not.
    got = class_adherence(
        fills(STATIN, date(2025, 1, 10), date(2025, 3, 1)),
        drug_class="Statins",
        as_of=date(2025, 3, 30),
    )
    assert got.treatment_start == date(2025, 1, 10)
    assert (got.treatment_days, got.covered_days, got.gap_days) == (80, 60, 20)
    assert got.pdc == Decimal("0.7500")
    assert got.adherent is False
    assert got.pdc_percent == Decimal("75")


def test_an_early_refill_of_the_same_drug_is_carried_forward() -> None:
    # Refilled 10 days early: the second supply starts on day 31, so 60 days are covered.
    got = class_adherence(
        fills(STATIN, date(2025, 1, 1), date(2025, 1, 21)), drug_class="Statins",
        as_of=date(2025, 3, 1),
    )  # fmt: skip
    assert got.covered_days == 60
    assert got.supply_through == date(2025, 3, 1)
    # Two drugs of the class overlapping are not shifted: the same days count once.
    both = fills(STATIN, date(2025, 1, 1)) + fills(OTHER_STATIN, date(2025, 1, 21))
    got = class_adherence(both, drug_class="Statins", as_of=date(2025, 3, 1))
    assert got.covered_days == 50


def test_one_fill_is_too_few_to_measure_and_supply_past_the_date_is_not_counted() -> None:
    got = class_adherence(fills(STATIN, date(2025, 6, 1), supply=90), drug_class="Statins",
                          as_of=date(2025, 6, 30))  # fmt: skip
    assert got.pdc is None
    assert got.adherent is None
    # Last year's fills are outside the measurement period but still say when supply runs out.
    got = class_adherence(
        fills(STATIN, date(2024, 11, 1), supply=90), drug_class="Statins", as_of=date(2025, 3, 1)
    )
    assert got.fills == 0
    assert got.supply_through == date(2025, 1, 29)
    assert got.days_without_supply(date(2025, 3, 1)) == 31


def test_the_period_ends_at_death() -> None:
    got = class_adherence(
        fills(STATIN, date(2025, 1, 1), date(2025, 1, 31)),
        drug_class="Statins",
        as_of=date(2025, 12, 31),
        death=date(2025, 2, 9),
    )
    assert (got.treatment_days, got.covered_days) == (40, 40)


def test_the_list_has_each_drug_once_with_its_last_fill_chronic_classes_first() -> None:
    history = fills(STATIN, *(date(2025, 1, 1) + timedelta(days=30 * k) for k in range(4)))
    history += fills("00000000000", date(2025, 2, 3), supply=10)
    history += fills(STATIN, date(2025, 12, 1))  # after the data date: not on the page yet
    meds = medication_list(history, drugs=DRUGS, as_of=date(2025, 5, 1))
    assert [(m.ndc, m.last_fill, m.fills) for m in meds] == [
        (STATIN, date(2025, 4, 1), 4),
        ("00000000000", date(2025, 2, 3), 1),
    ]
    assert meds[0].adherence is not None
    assert meds[0].adherence.pdc == Decimal("0.9917")  # 120 of 121 days
    assert meds[1].adherence is None


def test_a_switch_within_a_class_counts_the_class_days_once_and_other_classes_apart() -> None:
    # Atorvastatin 90 days from 1 January, then rosuvastatin 90 days from 1 April (a switch:
    # no overlap carried, the class covered 1 January to 29 June); sertraline 30 days twice
    # with a gap, measured as its own class.
    rosuva, sertraline = "72205002790", "68533005612"
    drugs = {
        STATIN: DrugInfo("Atorvastatin", "Statins"),
        rosuva: DrugInfo("Rosuvastatin", "Statins"),
        sertraline: DrugInfo("Sertraline", "Antidepressants"),
    }
    history = fills(STATIN, date(2025, 1, 1), supply=90) + fills(
        rosuva, date(2025, 4, 1), supply=90
    )
    history += fills(sertraline, date(2025, 5, 1), date(2025, 6, 10))
    meds = {m.ndc: m for m in medication_list(history, drugs=drugs, as_of=date(2025, 6, 30))}
    statins = meds[rosuva].adherence
    assert statins is meds[STATIN].adherence
    assert statins is not None
    assert (statins.treatment_days, statins.covered_days) == (181, 180)
    ssri = meds[sertraline].adherence
    assert ssri is not None
    assert (ssri.treatment_days, ssri.covered_days, ssri.gap_days) == (61, 51, 10)


def test_an_early_refill_of_the_same_ingredient_under_another_ndc_is_carried_forward() -> None:
    # Atorvastatin 30 days from 1 January, refilled early on 20 January from another labeler's
    # package: the same drug (PQA), so the second fill starts 31 January and the class is
    # covered to 1 March. Without the ingredient the two NDCs would overlap, covered to 18 Feb.
    other_atorva = "99999999902"
    history = fills(STATIN, date(2025, 1, 1)) + fills(other_atorva, date(2025, 1, 20))
    named = {
        STATIN: DrugInfo("Atorvastatin 20 mg", "Statins", "atorvastatin"),
        other_atorva: DrugInfo("Atorvastatin 20 mg (another labeler)", "Statins", "atorvastatin"),
    }
    got = class_adherence(
        history,
        drug_class="Statins",
        as_of=date(2025, 3, 31),
        same_drug={ndc: d.ingredient for ndc, d in named.items()},
    )
    assert (got.covered_days, got.supply_through) == (60, date(2025, 3, 1))
    apart = class_adherence(history, drug_class="Statins", as_of=date(2025, 3, 31))
    assert (apart.covered_days, apart.supply_through) == (49, date(2025, 2, 18))
    meds = medication_list(history, drugs=named, as_of=date(2025, 3, 31))
    assert meds[0].adherence is not None
    assert meds[0].adherence.covered_days == 60
