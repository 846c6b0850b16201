"""Risk scores per beneficiary: computed with the engine (hccinfhir), stored with their HCCs and
the diagnoses behind them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import transaction

from benchmarks.engine import columns as c
from benchmarks.engine import risk as r
from benchmarks.engine.reference import MissingReference, ReferenceTable
from benchmarks.models import RiskDiagnosis, RiskHcc, RiskScore, RiskScoreComponent
from benchmarks.services import inputs
from benchmarks.services.reference import reference_table_for
from core.api import ApplicationError
from core.bulk import rows_insert


@dataclass(frozen=True)
class ScoredYear:
    """Scores of a payment year and what they were computed from."""

    result: r.RiskResult
    diagnoses: (
        pd.DataFrame
    )  # the eligible diagnoses used (BENE_ID, CLAIM_ID, DX_CODE, SERVICE_DATE)
    unscorable: list[int]
    diagnoses_read: int
    institutional: int = 0  # beneficiaries scored in the institutional (LTI) segment
    institutional_source: str = ""


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """The frame's rows as named tuples; Any, as the stubs cannot know the engine's columns."""
    return frame.itertuples(index=False)


def _diagnosis_stats(dx: pd.DataFrame) -> dict[tuple[int, str], tuple[int, Any, Any, str]]:
    """For each (beneficiary, diagnosis code) of the eligible diagnoses: how many claims carry
    it, its first and last service dates and the claim number of its last claim (the latest
    date, then the highest claim id). One sort and three grouped reductions, not a loop over
    the groups (tens of thousands of them for an entity)."""
    if dx.empty:
        return {}
    keys = [c.BENE_ID, c.DX_CODE]
    ordered = dx.sort_values([*keys, c.SERVICE_DATE, c.CLAIM_ID])
    grouped = ordered.groupby(keys, sort=False)
    # The frame is sorted on the keys, so each of these lists the groups in the same order.
    counts = grouped[c.CLAIM_ID].nunique()
    first = grouped.head(1)
    last = grouped.tail(1)
    stats: dict[tuple[int, str], tuple[int, Any, Any, str]] = {}
    for (bene, code), count, first_date, last_date, claim in zip(
        counts.index,
        counts.to_numpy(),
        first[c.SERVICE_DATE],
        last[c.SERVICE_DATE],
        last[c.CLAIM_ID],
        strict=True,
    ):
        stats[(int(bene), str(code))] = (
            int(count),
            None if pd.isna(first_date) else first_date.date(),
            None if pd.isna(last_date) else last_date.date(),
            str(claim).split(":")[1],
        )
    return stats


def blend_for(reference: ReferenceTable, year: int) -> dict[str, Decimal]:
    """The model weights of a payment year from the reference data (domain.md 6.1)."""
    blend = {}
    for model, name in r.BLEND_WEIGHT_NAMES.items():
        value = reference.optional(name, year)
        if value:
            blend[model] = value
    if not any(m in blend for m in r.CMS_HCC_MODELS):
        raise MissingReference("hcc_weight_v28", year, "")
    if not any(m in blend for m in r.ESRD_MODELS):
        raise MissingReference("hcc_weight_esrd_v24", year, "")
    return blend


def score_year(
    *,
    entity: Any,
    payment_year: int,
    blend: Mapping[str, Decimal],
    beneficiary_ids: list[int] | None = None,
    data: inputs.ClaimsData | None = None,
) -> ScoredYear:
    """Prospective scores for `payment_year` from the diagnoses of the year before (taken from
    `data` when the caller has already read that year)."""
    from benchmarks.services.institutional import institutional_ids

    benes = inputs.beneficiaries_frame(entity=entity, beneficiary_ids=beneficiary_ids)
    frame, unscorable = inputs.risk_inputs(benes, payment_year=payment_year)
    # Long-term institutional status is an uploaded input (see services.institutional).
    lti, lti_source = institutional_ids(entity=entity, year=payment_year)
    frame[c.INSTITUTIONAL] = frame[c.BENE_ID].isin(lti)
    if data is None:
        lines, diagnoses = inputs.diagnosis_frames(entity=entity, year=payment_year - 1)
    else:
        lines, diagnoses = data.diagnoses_for(payment_year - 1)
    eligible = r.eligible_diagnoses(lines, diagnoses, service_year=payment_year - 1)
    eligible = eligible[eligible[c.BENE_ID].isin(set(frame[c.BENE_ID]))]
    try:
        result = r.risk_scores(frame, eligible, payment_year=payment_year, blend=blend)
    except ValueError as exc:
        raise ApplicationError(str(exc), {"field": "hcc_weight"}) from exc
    return ScoredYear(
        result,
        eligible,
        unscorable,
        len(diagnoses),
        int(frame[c.INSTITUTIONAL].sum()),
        lti_source,
    )


def risk_scores_compute(
    *,
    entity: Any,
    payment_year: int,
    job: Any = None,
    progress: Callable[[int, str], None] | None = None,
    data: inputs.ClaimsData | None = None,
) -> dict[str, Any]:
    """Score every beneficiary of the entity for a payment year and store the scores, their blend
    components, HCCs and diagnoses, replacing the year's earlier scores (one transaction, so a
    rerun gives the same rows)."""
    program = entity.program.code
    try:
        reference, _ = reference_table_for(
            entity=entity, program_code=program, years=[payment_year]
        )
        blend = blend_for(reference, payment_year)
    except MissingReference as exc:
        raise ApplicationError(str(exc), {"name": exc.name, "year": exc.year}) from exc
    if progress:
        progress(10, "Reading diagnoses and demographics")
    scored = score_year(entity=entity, payment_year=payment_year, blend=blend, data=data)
    if progress:
        progress(60, "Storing scores")
    _store(entity=entity, payment_year=payment_year, scored=scored, blend=blend, job=job)
    return {
        "payment_year": payment_year,
        "scored": len(scored.result.scores),
        "unscorable": len(scored.unscorable),
        "diagnoses_read": scored.diagnoses_read,
        "eligible_diagnoses": len(scored.diagnoses),
        "hccs": int(scored.result.hccs[[c.BENE_ID, c.MODEL, c.HCC]].drop_duplicates().shape[0]),
        "data_files_note": scored.result.data_files_note,
        "institutional": scored.institutional,
        "institutional_source": scored.institutional_source,
    }


def _store(
    *, entity: Any, payment_year: int, scored: ScoredYear, blend: Mapping[str, Decimal], job: Any
) -> None:
    result = scored.result
    dx = scored.diagnoses
    through = dx[c.SERVICE_DATE].max() if not dx.empty else None
    through_date = through.date() if through is not None and not pd.isna(through) else None
    diagnoses_through = through_date or date(payment_year - 1, 12, 31)
    dx_stats = _diagnosis_stats(dx)
    blend_json = {model: str(weight) for model, weight in blend.items()}
    with transaction.atomic():
        RiskScore.objects.filter(entity=entity, payment_year=payment_year).delete()
        scores = RiskScore.objects.bulk_create(
            RiskScore(
                entity=entity,
                beneficiary_id=int(row.bene_id),
                payment_year=payment_year,
                model_family=row.model_family,
                segment=row.segment,
                raw_score=row.raw_score,
                demographic_score=row.demographic_score,
                blend=blend_json,
                diagnosis_year=payment_year - 1,
                diagnoses_through=diagnoses_through,
                job=job,
            )
            for row in _rows(result.scores)
        )
        by_bene = {s.beneficiary_id: s for s in scores}
        # The components and diagnoses, whose keys nothing reads back, without a model instance
        # each (tens of thousands of rows a year).
        rows_insert(
            RiskScoreComponent,
            ("risk_score_id", "model", "weight", "segment", "raw_score", "demographic_score"),
            (
                (
                    by_bene[int(row.bene_id)].pk, row.model, row.weight, row.segment,
                    row.raw_score, row.demographic_score,
                )
                for row in _rows(result.components)
            ),
        )  # fmt: skip
        hcc_rows = result.hccs.drop_duplicates([c.BENE_ID, c.MODEL, c.HCC])
        hccs = RiskHcc.objects.bulk_create(
            RiskHcc(
                risk_score=by_bene[int(row.bene_id)],
                model=row.model,
                hcc=row.hcc,
                label=row.hcc_label[:200],
                coefficient=row.coefficient,
            )
            for row in _rows(hcc_rows)
        )
        hcc_by_key = {(h.risk_score.beneficiary_id, h.model, h.hcc): h for h in hccs}
        diagnoses = []
        for row in _rows(result.hccs):
            count, first, last, claim = dx_stats.get(
                (int(row.bene_id), row.dx_code), (0, None, None, "")
            )
            diagnoses.append(
                (
                    hcc_by_key[(int(row.bene_id), row.model, row.hcc)].pk, row.dx_code, count,
                    first, last, claim,
                )
            )  # fmt: skip
        rows_insert(
            RiskDiagnosis,
            ("hcc_id", "dx_code", "claim_count", "first_date", "last_date", "last_claim_id"),
            diagnoses,
        )
