"""Lead-specialist runs: create (queued, audited, with its job), execute (the job: read the aligned
population's claims, run the engine, store the leads and the changes since the previous run),
fail. Each status change writes a LeadSpecialistRunEvent in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import IntegrityError, transaction
from django.utils import timezone

from alignment.models import AlignmentResult
from alignment.selectors import alignment_current_run, roster_of_record_current
from claims.selectors import (
    claims_data_date,
    final_action_claims,
    final_action_diagnoses,
    part_a_header_codes,
    shareable_claims,
)
from core.api import ApplicationError
from entities.choices import ParticipationRole
from entities.models import Entity, Participation
from specialists.engine import columns as c
from specialists.engine import episodes as ep
from specialists.engine import leakage as leak
from specialists.engine.conditions import DefinitionError, definitions_from, load_definitions
from specialists.engine.lead import attribute_leads, lead_changes, window
from specialists.models import (
    OPEN_STATUSES,
    LeadSpecialist,
    LeadSpecialistChange,
    LeadSpecialistRun,
    LeadSpecialistRunEvent,
    RunStatus,
)
from specialists.models import Episode as EpisodeRow

CENTS = Decimal("0.01")
JOB_KIND = "specialists.lead_run"


def _event(
    run: LeadSpecialistRun, before: str, after: str, actor: Any = None, note: str = ""
) -> None:
    LeadSpecialistRunEvent.objects.create(
        run=run,
        from_status=before,
        to_status=after,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:500],
    )


def next_quarter(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter after the one holding `as_of`: the period a run is published for
    (prospectively, as alignment lists are)."""
    month = ((as_of.month - 1) // 3 + 1) * 3 + 1
    year = as_of.year + (month > 12)
    month = month - 12 if month > 12 else month
    start = dt.date(year, month, 1)
    end = (pd.Timestamp(start) + pd.DateOffset(months=3) - pd.Timedelta(days=1)).date()
    return start, end


def lead_run_create(
    *,
    entity: Entity,
    acting_user: Any,
    as_of: dt.date | None = None,
    definitions: dict[str, Any] | None = None,
    episodes: dict[str, Any] | None = None,
) -> LeadSpecialistRun:
    """Queue a run for `entity` as of `as_of` (default: the date its claims reach), over the
    aligned population of its current alignment run, with the shipped conditions unless the
    entity gives its own (`definitions`, the shape of conditions.json), and its care episodes
    with the shipped starter library unless it gives its own (`episodes`, episodes.json)."""
    as_of = as_of or claims_data_date(entity=entity)
    if as_of is None:
        raise ApplicationError(
            f"{entity.cms_id} has no claims loaded yet: there is nothing to attribute from.",
            {"entity": entity.cms_id},
        )
    try:
        defs = definitions_from(definitions) if definitions is not None else load_definitions()
    except DefinitionError as exc:
        raise ApplicationError(f"Condition definitions: {exc}", {"definitions": str(exc)}) from exc
    try:
        episode_defs = (
            ep.episode_definitions_from(episodes)
            if episodes is not None
            else ep.load_episode_definitions()
        )
    except ep.EpisodeDefinitionError as exc:
        raise ApplicationError(f"Episode definitions: {exc}", {"episodes": str(exc)}) from exc
    # The population is the roster of record (CMS's list of record, else the platform's
    # alignment run): the people the roster page shows.
    roster = roster_of_record_current(entity=entity)
    alignment_run = alignment_current_run(entity=entity)
    if roster is None or (roster.cms_list is None and roster.run is None):
        raise ApplicationError(
            f"{entity.cms_id} has no CMS list and no succeeded alignment run: its population is "
            "not known yet.",
            {"entity": entity.cms_id},
        )
    start, end = next_quarter(as_of)
    from jobs.services import job_enqueue

    with transaction.atomic(durable=True):
        previous = (
            LeadSpecialistRun.objects.filter(
                entity=entity, status=RunStatus.SUCCEEDED, as_of__lte=as_of
            )
            .order_by("-as_of", "-created_at", "-id")
            .first()
        )
        try:
            with transaction.atomic():
                run = LeadSpecialistRun.objects.create(
                    entity=entity,
                    as_of=as_of,
                    window_start=window(as_of, defs.window_months)[0],
                    effective_start=start,
                    effective_end=end,
                    alignment_run=alignment_run,
                    cms_list=roster.cms_list,
                    population_source=roster.population_label[:200],
                    previous_run=previous,
                    definitions_version=defs.version[:80],
                    definitions=defs.as_dict(),
                    episode_definitions=episode_defs.as_dict(),
                    created_by=acting_user
                    if getattr(acting_user, "is_authenticated", False)
                    else None,
                )
        except IntegrityError as exc:
            raise ApplicationError(
                f"A lead-specialist run of {entity.cms_id} is still open; wait for it to finish.",
                {"entity": entity.cms_id},
            ) from exc
        _event(run, "", RunStatus.QUEUED, acting_user, f"as of {as_of:%Y-%m-%d}")
        run.job = job_enqueue(
            kind=JOB_KIND, entity=entity, parameters={"run_id": run.pk}, user=acting_user
        )
        LeadSpecialistRun.objects.filter(pk=run.pk).update(job=run.job)
    return run


def episode_claims_start(as_of: dt.date) -> dt.date:
    """The first claims date the episodes read: a month before the baseline year, so that a
    baseline stay admitted before it and discharged in it is seen whole."""
    base = ep.performance_start(as_of) - dt.timedelta(days=365)
    return base - dt.timedelta(days=31)


def _claims_frames(
    run: LeadSpecialistRun, population: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The population's diagnoses, Part B lines and all paid claims in the run's window, and
    every claim since the episodes' start, as the engines read them (beneficiaries whose data CMS
    withholds left out)."""
    entity = run.entity
    diagnoses = final_action_diagnoses(entity=entity, thru_from=run.window_start, thru_to=run.as_of)
    everything = final_action_claims(
        entity=entity,
        thru_from=min(run.window_start, episode_claims_start(run.as_of)),
        thru_to=run.as_of,
        beneficiary_ids=population,
    )
    diagnoses, everything = shareable_claims(
        [diagnoses, everything], entity=entity, as_of=run.as_of
    )
    claims = (
        everything[pd.to_datetime(everything["thru_date"]) >= pd.Timestamp(run.window_start)]
        if not everything.empty
        else everything
    )
    dx = pd.DataFrame(
        {
            c.BENE_ID: diagnoses.get("beneficiary_id", pd.Series(dtype="int64")).astype("int64"),
            c.SERVICE_DATE: diagnoses.get("thru_date", pd.Series(dtype="datetime64[ns]")),
            c.DX_CODE: diagnoses.get("dx_code", pd.Series(dtype=str)).fillna("").astype(str),
        }
    )
    part_b = claims[claims["source"] == "B"] if not claims.empty else claims
    allowed = part_b.get("allowed_amount", pd.Series(dtype=object))
    lines = pd.DataFrame(
        {
            c.BENE_ID: part_b.get("beneficiary_id", pd.Series(dtype="int64")).astype("int64"),
            c.SERVICE_DATE: part_b.get("line_thru_date", pd.Series(dtype="datetime64[ns]")),
            c.HCPCS: part_b.get("hcpcs_cd", pd.Series(dtype=str)).fillna("").astype(str),
            c.SPECIALTY: part_b.get("specialty_cd", pd.Series(dtype=str))
            .fillna("")
            .astype(str)
            .str.strip(),
            c.TIN: part_b.get("rendering_tin", pd.Series(dtype=str)).fillna("").astype(str),
            c.NPI: part_b.get("rendering_npi", pd.Series(dtype=str)).fillna("").astype(str),
            # Money to integer cents for an exact plurality (allowed amounts are Decimal cents).
            c.ALLOWED_CENTS: allowed.map(lambda v: int((v or Decimal(0)) * 100)).astype("int64"),
        }
    )
    return dx, lines, _paid_lines(claims), _episode_lines(everything, entity=entity)


def _cents(values: pd.Series) -> pd.Series:
    return values.map(lambda v: int((v or Decimal(0)) * 100)).astype("int64")


def _episode_lines(claims: pd.DataFrame, *, entity: Entity) -> pd.DataFrame:
    """Every final-action claim and line as the episode engine reads it, with the MS-DRG of
    the inpatient claims (CCLF1 DGNS_DRG_CD)."""
    inpatient = claims[
        (_text(claims, "source") == "A") & _text(claims, "claim_type_cd").isin(ep.INPATIENT_TYPES)
    ]
    drgs = part_a_drg_codes(entity=entity, claim_ids=inpatient["claim_id"].astype(str).tolist())
    claim_ids = _text(claims, "claim_id")
    return pd.DataFrame(
        {
            c.BENE_ID: claims.get("beneficiary_id", pd.Series(dtype="int64")).astype("int64"),
            c.CLAIM_ID: claim_ids,
            ep.SOURCE: _text(claims, "source"),
            ep.CLAIM_TYPE: _text(claims, "claim_type_cd"),
            ep.START_DATE: pd.to_datetime(
                claims.get("line_from_date", pd.Series(dtype="datetime64[ns]"))
            ),
            c.SERVICE_DATE: pd.to_datetime(
                claims.get("line_thru_date", pd.Series(dtype="datetime64[ns]"))
            ),
            ep.DRG: claim_ids.map(lambda cid: drgs.get(cid, "")),
            ep.CCN: _text(claims, "ccn"),
            ep.ATTENDING_NPI: _text(claims, "attending_npi"),
            c.TIN: _text(claims, "rendering_tin"),
            c.NPI: _text(claims, "rendering_npi"),
            c.SPECIALTY: _text(claims, "specialty_cd"),
            ep.POS: _text(claims, "place_of_service"),
            c.HCPCS: _text(claims, "hcpcs_cd"),
            ep.PAID_CENTS: _cents(claims.get("paid_amount", pd.Series(dtype=object))),
            c.ALLOWED_CENTS: _cents(claims.get("allowed_amount", pd.Series(dtype=object))),
        }
    )


def part_a_drg_codes(*, entity: Entity, claim_ids: list[str]) -> dict[str, str]:
    """The MS-DRG (CCLF1 DGNS_DRG_CD) of Part A claims by claim id; "" when blank."""
    return part_a_header_codes(entity=entity, claim_ids=claim_ids, field="dgns_drg_cd")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.get(column, pd.Series(dtype=str)).fillna("").astype(str).str.strip()


def _paid_lines(claims: pd.DataFrame) -> pd.DataFrame:
    """Every final-action claim (Part A) and line (Part B, DME) as the leakage engine reads it."""
    paid = claims.get("paid_amount", pd.Series(dtype=object))
    return pd.DataFrame(
        {
            c.BENE_ID: claims.get("beneficiary_id", pd.Series(dtype="int64")).astype("int64"),
            leak.SOURCE: _text(claims, "source"),
            leak.CLAIM_TYPE: _text(claims, "claim_type_cd"),
            c.TIN: _text(claims, "rendering_tin"),
            c.NPI: _text(claims, "rendering_npi"),
            leak.CCN: _text(claims, "ccn"),
            c.SPECIALTY: _text(claims, "specialty_cd"),
            leak.POS: _text(claims, "place_of_service"),
            leak.PAID_CENTS: paid.map(lambda v: int((v or Decimal(0)) * 100)).astype("int64"),
        }
    )


def network_of(*, entity: Entity, day: dt.date) -> leak.Network:
    """The entity's list in force on `day`, as the leakage engine reads it."""
    rows = (
        Participation.objects.filter(entity=entity)
        .active_on(day)
        .values_list("organization__tin", "provider__npi", "provider__specialty_id", "ccn", "role")
        .order_by("role", "organization__tin", "provider__npi")
    )
    specialists: dict[str, list[tuple[str, str, str]]] = {}
    ccns, npis = set(), set()
    for tin, npi, specialty, ccn, role in rows:
        if ccn:
            ccns.add(ccn)
        if npi:
            npis.add(npi)
            if specialty:
                specialists.setdefault(specialty, []).append((tin, npi, role))
    return leak.Network(
        tins=network_roles(entity=entity, day=day),
        ccns=frozenset(ccns),
        npis=frozenset(npis),
        specialists={k: tuple(v) for k, v in specialists.items()},
    )


def network_roles(*, entity: Entity, day: dt.date) -> dict[str, str]:
    """TIN -> participant or preferred, from the entity's list in force on `day` (a TIN on both
    counts as a participant)."""
    roles: dict[str, str] = {}
    for tin, role in (
        Participation.objects.filter(entity=entity)
        .active_on(day)
        .values_list("organization__tin", "role")
    ):
        if roles.get(tin) != ParticipationRole.PARTICIPANT:
            roles[tin] = role
    return roles


def _money(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENTS)


def run_population(run: LeadSpecialistRun) -> list[int]:
    """The run's population by beneficiary id: the assigned beneficiaries of its CMS list of
    record, else the aligned beneficiaries of its alignment run."""
    if run.cms_list is not None:
        from cmslists.selectors import cms_list_assigned

        return [bene for bene, _ in cms_list_assigned(cms_list=run.cms_list)]
    return sorted(
        AlignmentResult.objects.filter(run=run.alignment_run, aligned=True).values_list(
            "beneficiary_id", flat=True
        )
    )


def lead_run_execute(*, run_id: int) -> LeadSpecialistRun | None:
    """The job's work. Claims the queued run; idempotent (a rerun of a running run replaces its
    rows in the same transaction that marks it succeeded)."""
    with transaction.atomic():
        run = LeadSpecialistRun.objects.select_for_update().get(pk=run_id)
        if run.status not in OPEN_STATUSES:
            return None
        if run.status == RunStatus.QUEUED:
            LeadSpecialistRun.objects.filter(pk=run.pk).update(
                status=RunStatus.RUNNING, started_at=timezone.now()
            )
            _event(run, RunStatus.QUEUED, RunStatus.RUNNING)
    run.refresh_from_db()
    try:
        population = run_population(run)
        dx, lines, paid, episode_lines = _claims_frames(run, population)
        leads = attribute_leads(
            definitions=definitions_from(run.definitions),
            population=population,
            diagnoses=dx,
            services=lines,
            as_of=run.as_of,
        )
        roles = network_roles(entity=run.entity, day=run.as_of)
        rows = [
            LeadSpecialist(
                run=run,
                entity_id=run.entity_id,
                beneficiary_id=int(r[c.BENE_ID]),
                condition=r[c.CONDITION],
                trigger_code=r[c.TRIGGER_CODE],
                trigger_claims=int(r[c.TRIGGER_CLAIMS]),
                last_trigger=pd.Timestamp(r[c.LAST_TRIGGER]).date(),
                lead_tin=r[c.LEAD_TIN],
                lead_npi=r[c.LEAD_NPI],
                lead_specialty=r[c.LEAD_SPECIALTY],
                lead_allowed=_money(r[c.LEAD_ALLOWED]),
                specialty_allowed=_money(r[c.SPECIALTY_ALLOWED]),
                lead_services=int(r[c.LEAD_SERVICES]),
                last_service=None
                if pd.isna(r[c.LAST_SERVICE])
                else pd.Timestamp(r[c.LAST_SERVICE]).date(),
                runner_up_tin=r[c.RUNNER_UP_TIN],
                runner_up_npi=r[c.RUNNER_UP_NPI],
                runner_up_allowed=_money(r[c.RUNNER_UP_ALLOWED]),
                reason=r[c.REASON],
                network_role=roles.get(r[c.LEAD_TIN], "") if r[c.LEAD_TIN] else "",
            )
            for r in leads.to_dict("records")
        ]
        previous: dict[tuple[int, str], tuple[str, str]] = {}
        if run.previous_run_id:
            previous = {
                (b, cond): (tin, npi)
                for b, cond, tin, npi in LeadSpecialist.objects.filter(
                    run_id=run.previous_run_id
                ).values_list("beneficiary_id", "condition", "lead_tin", "lead_npi")
            }
        current = {(x.beneficiary_id, x.condition): (x.lead_tin, x.lead_npi) for x in rows}
        changes = lead_changes(previous, current) if run.previous_run_id else []
        summary = _summary(rows, changes)
        network = network_of(entity=run.entity, day=run.as_of)
        leakage = leak.leakage(paid, network)
        episodes, cards = _episodes(run, rows, episode_lines, paid, network, roles)
        with transaction.atomic():
            LeadSpecialist.objects.filter(run=run).delete()
            LeadSpecialistChange.objects.filter(run=run).delete()
            EpisodeRow.objects.filter(run=run).delete()
            EpisodeRow.objects.bulk_create(episodes, batch_size=2000)
            LeadSpecialist.objects.bulk_create(rows, batch_size=2000)
            LeadSpecialistChange.objects.bulk_create(
                [
                    LeadSpecialistChange(
                        run=run,
                        entity_id=run.entity_id,
                        beneficiary_id=ch.bene_id,
                        condition=ch.condition,
                        kind=ch.kind,
                        previous_tin=ch.previous_tin,
                        previous_npi=ch.previous_npi,
                        lead_tin=ch.lead_tin,
                        lead_npi=ch.lead_npi,
                    )
                    for ch in changes
                ],
                batch_size=2000,
            )
            LeadSpecialistRun.objects.filter(pk=run.pk).update(
                status=RunStatus.SUCCEEDED,
                finished_at=timezone.now(),
                population_count=len(population),
                attributed_count=len({x.beneficiary_id for x in rows if x.lead_npi}),
                summary=summary,
                leakage=leakage,
                scorecards=cards,
            )
            _event(run, RunStatus.RUNNING, RunStatus.SUCCEEDED, note=f"{len(rows)} conditions")
    except Exception as exc:
        lead_run_fail(run_id=run.pk, error=str(exc) or exc.__class__.__name__)
        raise
    run.refresh_from_db()
    return run


def _npi_tins(*, entity: Entity, day: dt.date, lines: pd.DataFrame) -> dict[str, str]:
    """NPI -> TIN for an anchor stay's attending physician: the entity's list in force on `day`,
    else the TIN the NPI billed most Part B lines under."""
    found: dict[str, str] = {}
    part_b = lines[(lines[ep.SOURCE] == "B") & (lines[c.NPI] != "") & (lines[c.TIN] != "")]
    if not part_b.empty:
        counts = part_b.groupby([c.NPI, c.TIN]).size().reset_index(name="n")
        counts = counts.sort_values([c.NPI, "n", c.TIN], ascending=[True, False, True])
        found.update(dict(counts.drop_duplicates(c.NPI)[[c.NPI, c.TIN]].itertuples(index=False)))
    for tin, npi in (
        Participation.objects.filter(entity=entity, provider__isnull=False)
        .active_on(day)
        .values_list("organization__tin", "provider__npi")
    ):
        found[npi] = tin
    return found


def _money_or_none(cents: int) -> Decimal | None:
    return None if cents == ep.NO_TARGET else _money(cents)


def _episodes(
    run: LeadSpecialistRun,
    leads: list[LeadSpecialist],
    lines: pd.DataFrame,
    paid: pd.DataFrame,
    network: leak.Network,
    roles: dict[str, str],
) -> tuple[list[EpisodeRow], list[dict[str, Any]]]:
    """The run's episodes (rows to store) and the managing specialists' scorecards."""
    if not run.episode_definitions:
        return [], []  # a run queued before episodes were defined
    definitions = ep.episode_definitions_from(run.episode_definitions)
    frame = ep.build_episodes(
        definitions=definitions,
        claims=lines,
        as_of=run.as_of,
        leads={
            (x.beneficiary_id, x.condition): (x.lead_tin, x.lead_npi, x.lead_specialty)
            for x in leads
            if x.lead_npi
        },
        npi_tins=_npi_tins(entity=run.entity, day=run.as_of, lines=lines),
    )
    patients: dict[str, set[int]] = {}
    for lead in leads:
        if lead.lead_tin:
            patients.setdefault(lead.lead_tin, set()).add(lead.beneficiary_id)
    cards = ep.scorecards(
        frame, patients=patients, classified=leak.classify(paid, network) if len(paid) else None
    )
    rows = [
        EpisodeRow(
            run=run,
            entity_id=run.entity_id,
            beneficiary_id=int(r[c.BENE_ID]),
            episode_type=r[ep.EPISODE],
            drg=r[ep.DRG],
            anchor_claim_id=r[ep.ANCHOR_CLAIM][:20],
            ccn=r[ep.CCN][:10],
            anchor_start=pd.Timestamp(r[ep.ANCHOR_START]).date(),
            anchor_end=pd.Timestamp(r[ep.ANCHOR_END]).date(),
            window_end=pd.Timestamp(r[ep.WINDOW_END]).date(),
            period=r[ep.PERIOD],
            complete=bool(r[ep.COMPLETE]),
            anchor_paid=_money(r[ep.ANCHOR_CENTS]),
            post_paid=_money(r[ep.POST_CENTS]),
            excluded_paid=_money(r[ep.EXCLUDED_CENTS]),
            actual=_money(r[ep.ACTUAL_CENTS]),
            target=_money_or_none(int(r[ep.TARGET_CENTS])),
            target_basis=r[ep.TARGET_BASIS],
            readmissions=int(r[ep.READMISSIONS]),
            snf_claims=int(r[ep.SNF_CLAIMS]),
            hha_claims=int(r[ep.HHA_CLAIMS]),
            ed_visits=int(r[ep.ED_VISITS]),
            los_days=int(r[ep.LOS_DAYS]),
            managing_tin=r[ep.MANAGING_TIN],
            managing_npi=r[ep.MANAGING_NPI],
            managing_specialty=r[ep.MANAGING_SPECIALTY],
            managing_reason=r[ep.MANAGING_REASON],
            network_role=roles.get(r[ep.MANAGING_TIN], "") if r[ep.MANAGING_TIN] else "",
        )
        for r in frame.to_dict("records")
    ]
    return rows, [{**card.as_dict(), "network_role": roles.get(card.tin, "")} for card in cards]


def _summary(rows: list[LeadSpecialist], changes: list[Any]) -> dict[str, Any]:
    by_condition: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = by_condition.setdefault(
            row.condition, {"met": 0, "led": 0, "in_network": 0, "no_lead": 0}
        )
        counts["met"] += 1
        counts["led"] += bool(row.lead_npi)
        counts["in_network"] += bool(row.network_role)
        counts["no_lead"] += not row.lead_npi
    by_kind: dict[str, int] = {}
    for change in changes:
        by_kind[change.kind] = by_kind.get(change.kind, 0) + 1
    return {"by_condition": by_condition, "changes": by_kind}


def lead_run_fail(*, run_id: int, error: str) -> None:
    """Mark an open run failed (audited)."""
    with transaction.atomic():
        run = LeadSpecialistRun.objects.select_for_update().get(pk=run_id)
        if run.status not in OPEN_STATUSES:
            return
        before = run.status
        LeadSpecialistRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=error[:5000], finished_at=timezone.now()
        )
        _event(run, before, RunStatus.FAILED, note=error)


def lead_runs_due() -> list[LeadSpecialistRun]:
    """Queue a run for every entity whose claims have reached a quarter its lists do not cover
    yet: the latest succeeded or open run is published for an earlier quarter than the one after
    its claims date (or there is none). Run daily by beat, so each entity publishes once a
    quarter, as soon as its claims allow, whatever the wall clock says."""
    queued = []
    for entity in Entity.objects.order_by("pk"):
        as_of = claims_data_date(entity=entity)
        if as_of is None or alignment_current_run(entity=entity) is None:
            continue
        latest = (
            LeadSpecialistRun.objects.filter(
                entity=entity, status__in=[RunStatus.SUCCEEDED, *OPEN_STATUSES]
            )
            .order_by("-effective_start")
            .first()
        )
        if latest is not None and latest.effective_start >= next_quarter(as_of)[0]:
            continue
        try:
            queued.append(lead_run_create(entity=entity, acting_user=None, as_of=as_of))
        except ApplicationError:
            continue  # no population yet, or a run opened meanwhile: the next day tries again
    return queued
