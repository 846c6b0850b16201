"""Synthetic Part D prescription drug events (CCLF7): chronic medications that follow each
person's conditions, filled month after month with the gaps real refill histories have.

Each person takes the maintenance drugs of the chronic conditions they hold (CHRONIC_CONDITIONS
of the generator: metformin (and for some sitagliptin) and a statin for diabetes, a
beta-blocker, a loop diuretic and an ARB for heart failure, an anticoagulant for atrial
fibrillation, a long-acting inhaled bronchodilator for COPD, an antidepressant for major
depression...; some take another drug of the same class, as rosuvastatin for atorvastatin),
and, as fee-for-service beneficiaries commonly do for hypertension and high cholesterol
(conditions the generator's diagnosis list does not track per person), some take an ARB or a
statin anyway. Each drug is
refilled every days' supply: most people a few days early or late (adherent), some with long
gaps (partially adherent), a few stop during the year, and some start it mid-year.

The drugs are real products: NDCs, strengths and package sizes from their FDA-listed labels
(core/data/part_d_drugs.csv names the label of each). Everything about the people and fills is
drawn from the delivery's seed, with a generator of its own per block of beneficiaries, so a
block's Part A and B records are the ones it drew before Part D followed conditions. (A
delivery of more than one block, over 5,000 people, draws its later blocks' claims afresh: the
earlier random fills no longer take from the shared generator.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cclf.layouts import layout
from cclf.writer import records


@dataclass(frozen=True)
class Drug:
    ndc: str
    quantity: int  # units dispensed per fill
    days_supply: int
    copay_cents: int  # typical beneficiary payment per fill


# NDCs and package sizes from the products' FDA-listed labels (core/data/part_d_drugs.csv).
METFORMIN = Drug("42291059218", 180, 90, 400)
ATORVASTATIN = Drug("67877051290", 90, 90, 500)
LOSARTAN = Drug("60429031790", 90, 90, 400)
APIXABAN = Drug("00003089421", 60, 30, 4700)
CARVEDILOL = Drug("57664024588", 60, 30, 300)
FUROSEMIDE = Drug("51407011490", 90, 90, 300)
DONEPEZIL = Drug("42582031230", 30, 30, 500)
ROSUVASTATIN = Drug("72205002790", 90, 90, 500)
SITAGLIPTIN = Drug("00006027731", 30, 30, 4700)
RIVAROXABAN = Drug("50458057930", 30, 30, 4700)
METOPROLOL = Drug("67877059130", 30, 30, 300)
SERTRALINE = Drug("68533005612", 30, 30, 300)
TIOTROPIUM = Drug("00597010061", 4, 30, 4700)  # one 4 g cartridge of 60 actuations: 30 days
DRUGS = (
    METFORMIN, ATORVASTATIN, LOSARTAN, APIXABAN, CARVEDILOL, FUROSEMIDE, DONEPEZIL,
    ROSUVASTATIN, SITAGLIPTIN, RIVAROXABAN, METOPROLOL, SERTRALINE, TIOTROPIUM,
)  # fmt: skip

# Condition (ICD-10-CM code of CHRONIC_CONDITIONS) -> the maintenance drugs it is treated with.
TREATED_WITH: dict[str, tuple[Drug, ...]] = {
    "E119": (METFORMIN, ATORVASTATIN),
    "E1122": (METFORMIN, ATORVASTATIN, LOSARTAN),
    "I5022": (CARVEDILOL, FUROSEMIDE, LOSARTAN),
    "I4891": (APIXABAN,),
    "N184": (LOSARTAN,),
    "N185": (LOSARTAN,),
    "G309": (DONEPEZIL,),
    "I214": (ATORVASTATIN, CARVEDILOL),
    "I639": (ATORVASTATIN,),
    "J449": (TIOTROPIUM,),
    "F332": (SERTRALINE,),
}
# Shares of everyone else on an ARB (hypertension) or a statin (hyperlipidemia).
BACKGROUND = ((LOSARTAN, 0.3), (ATORVASTATIN, 0.25))
# Another drug of the same class in place of the usual one for a share of its takers
# (rivaroxaban for apixaban, rosuvastatin for atorvastatin, metoprolol for carvedilol), and
# sitagliptin beside metformin for a share of the people with diabetes.
INSTEAD = (
    (APIXABAN, RIVAROXABAN, 0.35),
    (ATORVASTATIN, ROSUVASTATIN, 0.3),
    (CARVEDILOL, METOPROLOL, 0.4),
)
BESIDE = ((METFORMIN, SITAGLIPTIN, 0.25),)
# Refill patterns: adherent, partially adherent (long gaps), stopped during the year.
PATTERNS = np.array([0.7, 0.22, 0.08])
MAX_FILLS = 16


def part_d_records(
    *,
    seed: list[int],
    benes: np.ndarray,
    condition_codes: list[str],
    conditions: np.ndarray,
    has_conditions: np.ndarray,
    alive: np.ndarray,
    death: np.ndarray,
    mbi: np.ndarray,
    year_start: np.datetime64,
    days: int,
    prescribers: np.ndarray,
    pharmacies: np.ndarray,
    ids: Any,
) -> bytes:
    """The CCLF7 records of beneficiaries `benes` (indices into the population arrays) for the
    `days` days from `year_start`. `conditions`/`has_conditions` are the population's (people x
    conditions) arrays, `ids(n)` hands out claim ids."""
    rng = np.random.default_rng([*seed, int(benes[0]) if len(benes) else 0])
    n = len(benes)
    takes = np.zeros((n, len(DRUGS)), dtype=bool)
    held_codes = np.array(condition_codes)[conditions[benes]]
    for code, drugs in TREATED_WITH.items():
        has = (held_codes == code) & has_conditions[benes]
        person = has.any(axis=1)
        for drug in drugs:
            takes[:, DRUGS.index(drug)] |= person
    for drug, share in BACKGROUND:
        takes[:, DRUGS.index(drug)] |= rng.random(n) < share
    for usual, other, share in INSTEAD:
        moved = takes[:, DRUGS.index(usual)] & (rng.random(n) < share)
        takes[:, DRUGS.index(usual)] &= ~moved
        takes[:, DRUGS.index(other)] |= moved
    for base, added, share in BESIDE:
        takes[:, DRUGS.index(added)] |= takes[:, DRUGS.index(base)] & (rng.random(n) < share)
    takes &= alive[benes][:, None]
    who, which = np.nonzero(takes)
    pairs = len(who)
    if pairs == 0:
        return b""
    supply = np.array([d.days_supply for d in DRUGS])[which]
    pattern = rng.choice(3, pairs, p=PATTERNS)
    # The year's first fill: within the first days' supply for people already on the drug, any
    # time in the year for one in ten who start it.
    starts = np.where(
        rng.random(pairs) < 0.1,
        rng.integers(0, max(days, 1), pairs),
        (rng.random(pairs) * supply).astype(np.int64),
    )
    # Days between fills: the days' supply a few days early or late; partially adherent people
    # now and then run out for three weeks to two months before the next fill.
    slack = rng.integers(-4, 6, (pairs, MAX_FILLS))
    long_gap = (pattern[:, None] == 1) & (rng.random((pairs, MAX_FILLS)) < 0.3)
    slack = np.where(long_gap, rng.integers(20, 60, (pairs, MAX_FILLS)), slack)
    step = np.maximum(supply[:, None] + slack, 1)
    offsets = starts[:, None] + np.concatenate(
        [np.zeros((pairs, 1), dtype=np.int64), np.cumsum(step[:, :-1], axis=1)], axis=1
    )
    stop_after = np.where(pattern == 2, rng.integers(1, 4, pairs), MAX_FILLS)
    keep = (offsets < days) & (np.arange(MAX_FILLS)[None, :] < stop_after[:, None])
    fill = year_start + offsets.astype("timedelta64[D]")
    dead = death[benes][who]
    keep &= np.isnat(dead)[:, None] | (fill <= dead[:, None])
    row, k = np.nonzero(keep)
    m = len(row)
    drug_ix = which[row]
    fill_dates = fill[row, k].astype("datetime64[D]")
    claim_ids = ids(m)
    quantity = np.array([d.quantity for d in DRUGS], dtype=np.int64)[drug_ix]
    # One prescription number per person and drug (the pharmacy's), its fills numbered.
    rx = 10**11 + benes[who][row] * 10 + drug_ix
    cols = {
        "CUR_CLM_UNIQ_ID": claim_ids,
        "BENE_MBI_ID": mbi[benes[who][row]],
        "CLM_LINE_NDC_CD": np.array([d.ndc for d in DRUGS], dtype="S11")[drug_ix],
        "CLM_TYPE_CD": np.full(m, "01"),
        "CLM_LINE_FROM_DT": fill_dates,
        "PRVDR_SRVC_ID_QLFYR_CD": np.full(m, "01"),
        "CLM_SRVC_PRVDR_GNRC_ID_NUM": pharmacies[benes[who][row] % len(pharmacies)],
        "CLM_DSPNSNG_STUS_CD": np.full(m, "C"),
        "CLM_DAW_PROD_SLCTN_CD": np.full(m, "0"),
        "CLM_LINE_SRVC_UNIT_QTY": quantity * 10_000,
        "CLM_LINE_DAYS_SUPLY_QTY": supply[row].astype(np.int64),
        "PRVDR_PRSBNG_ID_QLFYR_CD": np.full(m, "01"),
        "CLM_PRSBNG_PRVDR_GNRC_ID_NUM": prescribers[
            (benes[who][row] * 7 + drug_ix) % len(prescribers)
        ],
        "CLM_LINE_BENE_PMT_AMT": (
            np.array([d.copay_cents for d in DRUGS], dtype=float)[drug_ix]
            * rng.lognormal(0, 0.3, m)
        ).astype(np.int64),
        "CLM_ADJSMT_TYPE_CD": np.full(m, "0"),
        "CLM_EFCTV_DT": fill_dates + 3,
        "CLM_IDR_LD_DT": fill_dates + 5,
        "CLM_LINE_RX_SRVC_RFRNC_NUM": rx % 10**12,
        "CLM_LINE_RX_FILL_NUM": k.astype("S9"),
        "CLM_PHRMCY_SRVC_TYPE_CD": np.where(supply[row] >= 90, "06", "01"),
    }
    return records(layout("CCLF7"), cols, m)
