"""Where the ORM meets the engine: a run's parameters, windows, participant list and claims, and
each bucket's input frames.

Claims come from the claims app's final-action query (`claims.final_action.final_action_sql`).
At 25 million lines that query takes minutes, so it runs once per set of loaded deliveries into a
narrow claims snapshot (`ClaimSnapshot` / `ClaimLine`), which every run then reads bucket by
bucket; a run keeps the snapshot it started with.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from django.db import connection, transaction

from alignment.engine import (
    AssignmentMethod,
    ListKind,
    MsspParameters,
    ParticipantList,
    ReachParameters,
    mssp_parameters,
    reach_parameters,
)
from alignment.engine import columns as c
from alignment.engine import mssp as mssp_engine
from alignment.engine import reach as reach_engine
from alignment.engine.eligibility import apply_cms_exclusions, enrollment_months
from alignment.engine.valuesets import DATA_DIR, DatedValueSet, ValueSetEntry, load_hcpcs
from alignment.engine.windows import MsspWindows, ReachWindows
from alignment.models import (
    ClaimLine,
    ClaimLineKind,
    ClaimSnapshot,
    SnapshotStatus,
    VoluntaryAlignment,
)
from alignment.services.buckets import bucket_slots, slot_sql
from claims.final_action import (
    CANCELLATION_CODES,
    final_action_sql,
    line_allowed,
    matching_ctes,
    sql_in,
)
from claims.models import Delivery, DeliveryStatus
from cmslists.selectors import cms_exclusions
from core.api import ApplicationError
from core.db import local_settings
from entities.choices import ParticipationRole, ProviderClass
from entities.models import Entity, SpecialtyCode
from entities.selectors import participations_overlapping

logger = logging.getLogger(__name__)
PROGRAMS = ("mssp", "reach")
# Bump when the snapshot query changes: snapshots built by an older query are rebuilt.
SNAPSHOT_SQL_VERSION = 2
_OPEN = date(1900, 1, 1), date(9999, 12, 31)

Parameters: TypeAlias = MsspParameters | ReachParameters
Windows = MsspWindows | ReachWindows


# ------------------------------------------------------------------ parameters and windows


def _registry_specialties(provider_class: str) -> DatedValueSet:
    """A specialty value set from the entities registry (SpecialtyCode), the source of truth for
    which specialty is a PCP, an NPP or a listed specialist (domain.md 1.3)."""
    codes = sorted(
        SpecialtyCode.objects.filter(provider_class=provider_class).values_list("code", flat=True)
    )
    digest = hashlib.sha256(",".join(codes).encode()).hexdigest()[:12]
    return DatedValueSet(
        f"registry_{provider_class}",
        f"registry_{provider_class}:{digest}",
        tuple(ValueSetEntry(code, *_OPEN) for code in codes),
    )


def run_parameters(*, program: str, performance_year: int, method: str) -> Parameters:
    """The engine parameters of a run, with specialty lists from the entities registry."""
    if program == "reach":
        params: Parameters = reach_parameters(performance_year)
    elif program == "mssp":
        params = mssp_parameters(
            performance_year, AssignmentMethod(method or AssignmentMethod.PPWRR)
        )
    else:
        raise ApplicationError(
            f"Alignment covers MSSP and ACO REACH; this entity is in {program!r}."
        )
    registry = {
        "pcp_specialties": _registry_specialties(ProviderClass.PRIMARY_CARE_PHYSICIAN),
        "npp_specialties": _registry_specialties(ProviderClass.NPP),
        "specialist_specialties": _registry_specialties(ProviderClass.SPECIALIST),
    }
    if all(vs.entries for vs in registry.values()):
        params = replace(params, rules=replace(params.rules, **registry))
    return params


def run_windows(*, params: Parameters, list_kind: str, as_of: date) -> Windows:
    if isinstance(params, ReachParameters):
        return reach_engine.windows_for(params, list_kind=ListKind(list_kind), as_of=as_of)
    return mssp_engine.windows_for(params, list_kind=ListKind(list_kind), as_of=as_of)


def windows_json(windows: Windows) -> dict[str, Any]:
    def w(x: Any) -> Any:
        return None if x is None else {"start": x.start.isoformat(), "end": x.end.isoformat()}

    out: dict[str, Any] = {
        "eligibility": [
            {**w(e.window), "require_part_a_and_b_month": e.require_part_a_and_b_month}
            for e in windows.eligibility
        ],
        "voluntary_cutoff": windows.voluntary_cutoff.isoformat(),
    }
    if isinstance(windows, ReachWindows):
        out.update({"alignment_year_1": w(windows.year_1), "alignment_year_2": w(windows.year_2)})
    else:
        out.update({"assignment": w(windows.assignment), "expanded": w(windows.expanded)})
    return out


# ------------------------------------------------------------------ participants


def participant_list(
    *, entity: Entity, as_of: date, program: str
) -> tuple[ParticipantList, str, int]:
    """The entity's participant list on `as_of` (entities.selectors), as the engine reads it,
    with a digest for the run's lineage and the number of rows."""
    rows = list(
        participations_overlapping(entity=entity, start=as_of, end=as_of).values_list(
            "organization__tin", "provider__npi", "ccn", "role"
        )
    )
    participants = [
        (t, n or "", ccn) for t, n, ccn, role in rows if role == ParticipationRole.PARTICIPANT
    ]
    preferred = [(t, n or "") for t, n, _, role in rows if role == ParticipationRole.PREFERRED]
    if program == "reach":
        plist = ParticipantList(
            providers=frozenset((t, n) for t, n, _ in participants if n),
            # A Participant Provider may be a facility identified by its CCN (FQHC, RHC).
            ccns=frozenset(ccn for _, _, ccn in participants if ccn),
            preferred=frozenset((t, n) for t, n in preferred if n),
        )
    else:
        plist = ParticipantList(
            tins=frozenset(t for t, _, _ in participants),
            ccns=frozenset(ccn for _, _, ccn in participants if ccn),
            providers=frozenset((t, n) for t, n, _ in participants if n),
        )
    digest = hashlib.sha256(json.dumps(sorted(rows, key=str), default=str).encode()).hexdigest()
    return plist, digest, len(rows)


# ------------------------------------------------------------------ claims snapshot


def loaded_deliveries(*, entity: Entity) -> list[dict[str, Any]]:
    return [
        {
            "id": d.pk,
            "name": d.name,
            "kind": d.kind,
            "delivered_at": d.delivered_at.isoformat(),
            "loaded_at": d.loaded_at.isoformat() if d.loaded_at else None,
        }
        for d in Delivery.objects.filter(entity=entity, status=DeliveryStatus.LOADED).order_by(
            "delivered_at", "id"
        )
    ]


def claims_first_day(deliveries: list[dict[str, Any]]) -> date | None:
    """The first day of the claims a run read: January 1 of the earliest performance year of
    its deliveries (a performance year's CCLF files carry that year's claims), None without
    any."""
    ids = [d["id"] for d in deliveries if d.get("id")]
    first = (
        Delivery.objects.filter(pk__in=ids)
        .order_by("performance_year")
        .values_list("performance_year", flat=True)
        .first()
    )
    return date(first, 1, 1) if first else None


def snapshot_codes() -> list[str]:
    """Every HCPCS any of the engine's code lists holds: the lines worth keeping."""
    codes: set[str] = set()
    for path in sorted(DATA_DIR.glob("*_hcpcs.csv")):
        codes |= load_hcpcs(path.name).all_codes()
    return sorted(codes)


def _snapshot_digest(deliveries: list[dict[str, Any]]) -> str:
    versions = [load_hcpcs(p.name).version for p in sorted(DATA_DIR.glob("*_hcpcs.csv"))]
    payload = json.dumps(
        {"deliveries": deliveries, "codes": versions, "sql": SNAPSHOT_SQL_VERSION}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _nonfinal_part_b_sql(table: str, unlogged: str) -> str:
    """The Part B claims that are not final action: the cancellations and the claims they cancel
    (claims.final_action, rules 2-3), into a work table of (entity_id, cur_clm_uniq_id).

    Only a related set (same beneficiary and control number, same paid amount) that holds a
    cancellation can lose a claim; in every other set each claim is final action. So the matching
    runs, with the claims app's own SQL (`matching_ctes`), on those sets alone: the control
    numbers of the cancellation lines (partial index `alignment_pbline_cancel`), then every line
    with one of those control numbers (covering index `alignment_pbline_cntl`, read without the
    table), aggregated per claim exactly as `final_action_sql` does. CLM_CNTL_NUM is a claim
    header field that CCLF5 repeats on each line, so these are all the lines of those claims."""
    cancel = sql_in(CANCELLATION_CODES)
    return f"""
CREATE {unlogged} TABLE {table} AS
WITH
related_claims AS (
    SELECT l.entity_id, bm.beneficiary_id, l.cur_clm_uniq_id,
        MAX(l.clm_cntl_num) AS clm_cntl_num,
        MAX(l.clm_adjsmt_type_cd) AS adj,
        MAX(l.clm_efctv_dt) AS efctv,
        SUM(COALESCE(l.clm_line_cvrd_pd_amt, 0)) AS claim_amount
    FROM claims_partbphysicianline l
    JOIN beneficiaries_beneficiarymbi bm ON bm.id = l.mbi_id
    WHERE l.entity_id = %(entity_id)s AND l.clm_cntl_num IN (
        SELECT DISTINCT c.clm_cntl_num FROM claims_partbphysicianline c
        WHERE c.entity_id = %(entity_id)s AND c.clm_adjsmt_type_cd IN {cancel}
    )
    GROUP BY l.entity_id, bm.beneficiary_id, l.cur_clm_uniq_id
),
pb_sets AS (
    SELECT rc.* FROM related_claims rc
    WHERE EXISTS (
        SELECT 1 FROM related_claims k
        WHERE k.adj IN {cancel} AND k.entity_id = rc.entity_id
          AND k.beneficiary_id = rc.beneficiary_id AND k.clm_cntl_num = rc.clm_cntl_num
    )
),{matching_ctes("pb", "pb_sets", "clm_cntl_num", "claim_amount")}
SELECT entity_id, cur_clm_uniq_id FROM pb_sets
EXCEPT
SELECT entity_id, cur_clm_uniq_id FROM pb_final
"""  # noqa: S608 - built from our own constants; values are bound parameters


def _snapshot_lines_sql(table: str, nonfinal: str, unlogged: str) -> str:
    """Final-action Part B lines with a listed HCPCS and FQHC/RHC revenue lines, into a work table.

    Part B lines are read in one pass over the entity's lines: every allowed line (rule 4) of a
    claim that is not in the `nonfinal` table, which is what `final_action_sql` returns for them,
    without sorting every claim. A CREATE TABLE AS, unlike an INSERT, may scan in parallel. Part A
    comes from `final_action_sql` itself, its Part A branch alone (`sources`: SQLite would
    otherwise compute the Part B and DME branches too) and inlined (NOT MATERIALIZED). FQHC/RHC
    revenue lines (CCLF2) carry no allowed amount: their covered paid amount stands in for it,
    and the attending NPI for the rendering one."""
    codes = ", ".join(f"'{code}'" for code in snapshot_codes())
    return f"""
CREATE {unlogged} TABLE {table} AS
WITH fa AS NOT MATERIALIZED ({final_action_sql(entity=True, sources=("A",))}),
x AS (
    SELECT bm.beneficiary_id, COALESCE(l.clm_line_from_dt, l.clm_from_dt) AS service_date,
        l.clm_line_hcpcs_cd AS hcpcs,
        CAST(ROUND(l.clm_line_alowd_chrg_amt * 100) AS BIGINT) AS cents,
        l.clm_rndrg_prvdr_tax_num AS tin,
        CASE WHEN l.rndrg_prvdr_npi_num <> '' THEN l.rndrg_prvdr_npi_num
            ELSE l.clm_rndrg_prvdr_npi_num END AS npi,
        '' AS ccn, l.clm_prvdr_spclty_cd AS specialty, l.clm_pos_cd AS pos, 0 AS fqhc_rhc
    FROM claims_partbphysicianline l JOIN beneficiaries_beneficiarymbi bm ON bm.id = l.mbi_id
    WHERE l.entity_id = %(entity_id)s AND l.clm_line_hcpcs_cd IN ({codes}) AND {line_allowed("l")}
      AND NOT EXISTS (
        SELECT 1 FROM {nonfinal} n
        WHERE n.entity_id = l.entity_id AND n.cur_clm_uniq_id = l.cur_clm_uniq_id
      )
    UNION ALL
    SELECT fa.beneficiary_id, COALESCE(r.clm_line_from_dt, fa.from_date), r.clm_line_hcpcs_cd,
        CAST(ROUND(COALESCE(r.clm_line_cvrd_pd_amt, 0) * 100) AS BIGINT), '', fa.attending_npi,
        fa.ccn, '', '', 1
    FROM fa JOIN claims_partarevenuecenter r
        ON r.entity_id = fa.entity_id AND r.cur_clm_uniq_id = fa.claim_id
    WHERE fa.source = 'A' AND substr(fa.bill_type, 1, 2) IN ('71', '77')
)
SELECT {slot_sql("beneficiary_id")} AS slot, beneficiary_id, service_date,
    COALESCE(hcpcs, '') AS hcpcs, COALESCE(cents, 0) AS cents, COALESCE(tin, '') AS tin,
    COALESCE(npi, '') AS npi, COALESCE(ccn, '') AS ccn, COALESCE(specialty, '') AS specialty,
    COALESCE(pos, '') AS pos, fqhc_rhc
FROM x
WHERE beneficiary_id IS NOT NULL AND service_date IS NOT NULL
ORDER BY slot, beneficiary_id
"""  # noqa: S608 - built from our own constants and code lists; values are bound parameters


def _snapshot_insert_sql(stage: str) -> str:
    """The work table's lines into the snapshot. The work table was written in slot order (sorted
    by the parallel workers of the CREATE TABLE AS) and a scan of it returns them in that order,
    so the snapshot is stored by slot and a bucket reads a few ranges; the order only matters for
    locality, never for results."""
    return f"""
INSERT INTO alignment_claimline (snapshot_id, slot, beneficiary_id, kind, service_date, thru_date,
    hcpcs, allowed_cents, tin, npi, ccn, specialty, pos, fqhc_rhc)
SELECT %(snapshot_id)s, slot, beneficiary_id, 'L', service_date, NULL, hcpcs, cents, tin, npi,
    ccn, specialty, pos, fqhc_rhc = 1
FROM {stage}
"""  # noqa: S608 - a work table name of ours


def _snapshot_stays_sql() -> str:
    """Final-action SNF (claim types 20, 30) and inpatient (60, 61) stays, from `final_action_sql`
    inlined, its Part A branch alone."""
    return f"""
INSERT INTO alignment_claimline (snapshot_id, slot, beneficiary_id, kind, service_date, thru_date,
    hcpcs, allowed_cents, tin, npi, ccn, specialty, pos, fqhc_rhc)
WITH fa AS NOT MATERIALIZED ({final_action_sql(entity=True, sources=("A",))})
SELECT %(snapshot_id)s, {slot_sql("beneficiary_id")}, beneficiary_id,
    CASE WHEN claim_type_cd IN ('20', '30') THEN 'S' ELSE 'I' END, from_date, thru_date,
    '', 0, '', '', COALESCE(ccn, ''), '', '', FALSE
FROM fa
WHERE source = 'A' AND claim_type_cd IN ('20', '30', '60', '61')
  AND beneficiary_id IS NOT NULL AND from_date IS NOT NULL
ORDER BY 2, 3
"""  # noqa: S608 - built from our own constants; values are bound parameters


def claim_snapshot_ensure(*, entity: Entity) -> ClaimSnapshot:
    """The entity's claims snapshot for its loaded deliveries, built now if there is none.

    One transaction: a build that dies leaves nothing. Concurrent runs of the same entity wait
    for each other on an advisory lock (PostgreSQL) instead of building twice.
    """
    deliveries = loaded_deliveries(entity=entity)
    digest = _snapshot_digest(deliveries)
    ready = ClaimSnapshot.objects.filter(
        entity=entity, digest=digest, status=SnapshotStatus.READY
    ).first()
    if ready is not None:
        return ready
    with transaction.atomic(), local_settings(work_mem="256MB"):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x414C4E, entity.pk])
        ready = ClaimSnapshot.objects.filter(
            entity=entity, digest=digest, status=SnapshotStatus.READY
        ).first()
        if ready is not None:
            return ready
        started = time.perf_counter()
        ClaimSnapshot.objects.filter(entity=entity, digest=digest).delete()
        snapshot = ClaimSnapshot.objects.create(entity=entity, digest=digest, deliveries=deliveries)
        params = {"entity_id": entity.pk, "snapshot_id": snapshot.pk}
        postgres = connection.vendor == "postgresql"
        unlogged = "UNLOGGED" if postgres else ""  # work tables, dropped before the commit
        nonfinal, stage = f"alignment_nonfinal_{snapshot.pk}", f"alignment_stage_{snapshot.pk}"
        steps: dict[str, float] = {}
        with connection.cursor() as cursor:
            cursor.execute(_nonfinal_part_b_sql(nonfinal, unlogged), params)
            steps["non_final"] = time.perf_counter() - started
            if postgres:
                cursor.execute(f"ANALYZE {nonfinal}")
            else:
                # SQLite would scan the whole work table for each of the entity's lines.
                cursor.execute(
                    f"CREATE INDEX {nonfinal}_claim ON {nonfinal} (entity_id, cur_clm_uniq_id)"
                )
        # Part A's final-action CTEs carry no statistics, and PostgreSQL then underestimates the
        # final claims and joins them back to their rows with a nested loop: quadratic. A bulk
        # read wants hash joins anyway.
        with local_settings(enable_nestloop="off"), connection.cursor() as cursor:
            cursor.execute(_snapshot_lines_sql(stage, nonfinal, unlogged), params)
            steps["lines"] = time.perf_counter() - started
            cursor.execute(_snapshot_insert_sql(stage), params)
            snapshot.line_count = cursor.rowcount
            steps["insert"] = time.perf_counter() - started
            cursor.execute(_snapshot_stays_sql(), params)
            snapshot.stay_count = cursor.rowcount
            steps["stays"] = time.perf_counter() - started
            cursor.execute(f"DROP TABLE {stage}")
            cursor.execute(f"DROP TABLE {nonfinal}")
        snapshot.status = SnapshotStatus.READY
        snapshot.seconds = time.perf_counter() - started
        snapshot.save()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE alignment_claimline")
        steps["analyze"] = time.perf_counter() - started
    steps["commit"] = time.perf_counter() - started
    logger.info(
        "claims snapshot %s of entity %s: %s lines, %s stays; seconds to the end of each step %s",
        snapshot.pk, entity.pk, snapshot.line_count, snapshot.stay_count,
        {k: round(v, 1) for k, v in steps.items()},
    )  # fmt: skip
    claim_snapshots_prune(entity=entity, keep=snapshot)
    return snapshot


def claim_snapshots_prune(*, entity: Entity, keep: ClaimSnapshot) -> int:
    """Delete the entity's older snapshots that no open run still reads."""
    from alignment.models import OPEN_STATUSES

    stale = (
        ClaimSnapshot.objects.filter(entity=entity)
        .exclude(pk=keep.pk)
        .exclude(runs__status__in=OPEN_STATUSES)
    )
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        with transaction.atomic():
            ClaimLine.objects.filter(snapshot_id__in=ids).delete()
            ClaimSnapshot.objects.filter(pk__in=ids).delete()
    return len(ids)


# ------------------------------------------------------------------ one bucket's frames


def _normalise_tin(series: pd.Series) -> pd.Series:
    """TINs as 9 digits: stripped and zero-padded (domain.md 8.4), fixed once per label."""
    cat = series if isinstance(series.dtype, pd.CategoricalDtype) else series.astype("category")
    labels = cat.cat.categories.astype(str).str.strip()
    labels = labels.where(~labels.str.fullmatch(r"\d{1,8}"), labels.str.zfill(9))
    if labels.is_unique:
        return cat.cat.rename_categories(labels)
    values = np.append(labels.to_numpy(dtype=object), "")[cat.cat.codes.to_numpy()]
    return pd.Series(values, dtype="category")


_LINE_COLUMNS = [
    "beneficiary_id",
    "kind",
    "day",
    "thru",
    "hcpcs",
    "allowed_cents",
    "tin",
    "npi",
    "ccn",
    "specialty",
    "pos",
    "fqhc_rhc",
]
_CATEGORICAL = ("kind", "hcpcs", "tin", "npi", "ccn", "specialty", "pos")


def _read_lines(snapshot_id: int, slots: list[int]) -> pd.DataFrame:
    slot_list = ", ".join(str(int(s)) for s in slots)
    if connection.vendor == "postgresql":
        sql = (
            "COPY (SELECT beneficiary_id, kind, service_date - DATE '1970-01-01', "  # noqa: S608 - ints only
            "thru_date - DATE '1970-01-01', hcpcs, allowed_cents, tin, npi, ccn, specialty, pos, "
            f"CASE WHEN fqhc_rhc THEN 1 ELSE 0 END FROM alignment_claimline WHERE snapshot_id = {int(snapshot_id)} "
            f"AND slot IN ({slot_list})) TO STDOUT WITH (FORMAT csv)"
        )
        buffer = io.BytesIO()
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for block in copy:
                buffer.write(block)
        buffer.seek(0)
        # Codes are read as text and only then made categorical: read_csv's own "category"
        # infers numeric categories when every code in the slice looks like a number (pandas 3),
        # and specialty "08" or place of service "31" would then no longer match their lists.
        dtypes: dict[str, Any] = dict.fromkeys(_CATEGORICAL, "str")
        dtypes.update(
            {
                "beneficiary_id": "int64",
                "day": "int32",
                "thru": "float64",
                "allowed_cents": "int64",
                "fqhc_rhc": "int8",
            }
        )
        frame = pd.read_csv(
            buffer,
            names=_LINE_COLUMNS,
            dtype=dtypes,
            keep_default_na=False,
            na_values={"thru": [""]},
        )
        frame = frame.astype(dict.fromkeys(_CATEGORICAL, "category"))
    else:
        rows = ClaimLine.objects.filter(snapshot_id=snapshot_id, slot__in=slots).values_list(
            "beneficiary_id",
            "kind",
            "service_date",
            "thru_date",
            "hcpcs",
            "allowed_cents",
            "tin",
            "npi",
            "ccn",
            "specialty",
            "pos",
            "fqhc_rhc",
        )
        frame = pd.DataFrame(list(rows), columns=_LINE_COLUMNS)
        epoch = pd.Timestamp("1970-01-01")
        frame["day"] = (pd.to_datetime(frame["day"]) - epoch).dt.days.astype("int32")
        frame["thru"] = (pd.to_datetime(frame["thru"]) - epoch).dt.days.astype("float64")
        for name in _CATEGORICAL:
            frame[name] = frame[name].astype("category")
        frame["fqhc_rhc"] = frame["fqhc_rhc"].astype("int8")
    return frame


def _as_dates(days: Any) -> np.ndarray:
    values = np.asarray(days, dtype="float64")
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnan(values)
    out[ok] = values[ok].astype(np.int64).astype("datetime64[D]")
    return out


def bucket_inputs(
    *,
    entity_id: int,
    snapshot_id: int | None,
    bucket_count: int,
    index: int,
    windows: Windows,
    exclusions: Mapping[int, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """The engine's input frames for bucket `index` of `bucket_count` of an entity's
    beneficiaries, with the lines of a claims snapshot (an alignment run's buckets, or the
    benchmark-year populations the benchmarks app aligns). `exclusions` (beneficiary id ->
    CMS's reasons, from CMS's lists: `cms_exclusions_for_run`) feed the screen's Medicare health
    plan, other-initiative and outside-US criteria, which the claims cannot show."""
    slots = bucket_slots(index, bucket_count)
    slot_list = ", ".join(str(s) for s in slots)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, death_date, part_a_start, part_b_start, state_fips FROM beneficiaries_beneficiary "  # noqa: S608 - ints only
            f"WHERE entity_id = %s AND merged_into_id IS NULL AND {slot_sql('id')} IN ({slot_list}) "
            "ORDER BY id",
            [entity_id],
        )
        rows = cursor.fetchall()
    benes = pd.DataFrame(
        rows, columns=[c.BENE_ID, c.DEATH_DATE, "part_a_start", "part_b_start", "state_fips"]
    )
    benes[c.BENE_ID] = benes[c.BENE_ID].astype("int64")
    for col in (c.DEATH_DATE, "part_a_start", "part_b_start"):
        benes[col] = pd.to_datetime(benes[col])
    benes[c.OTHER_INITIATIVE] = False

    raw = _read_lines(snapshot_id, slots) if snapshot_id else pd.DataFrame(columns=_LINE_COLUMNS)
    is_line = (raw["kind"] == ClaimLineKind.LINE).to_numpy()
    lines = pd.DataFrame(
        {
            c.BENE_ID: raw["beneficiary_id"].to_numpy()[is_line],
            c.SERVICE_DATE: _as_dates(raw["day"].to_numpy()[is_line]),
            c.HCPCS: raw["hcpcs"][is_line].reset_index(drop=True),
            c.ALLOWED_CENTS: raw["allowed_cents"].to_numpy()[is_line],
            c.TIN: _normalise_tin(raw["tin"][is_line].reset_index(drop=True)),
            c.NPI: raw["npi"][is_line].reset_index(drop=True),
            c.CCN: raw["ccn"][is_line].reset_index(drop=True),
            c.SPECIALTY: raw["specialty"][is_line].reset_index(drop=True),
            c.POS: raw["pos"][is_line].reset_index(drop=True),
            c.FQHC_RHC: raw["fqhc_rhc"].to_numpy()[is_line].astype(bool),
        }
    )
    stay = raw[~is_line]
    stays = pd.DataFrame(
        {
            c.BENE_ID: stay["beneficiary_id"].to_numpy(),
            c.STAY_KIND: np.where(
                stay["kind"].astype(str) == ClaimLineKind.SNF_STAY, "snf", "inpatient"
            ),
            c.STAY_FROM: _as_dates(stay["day"].to_numpy()),
            c.STAY_THRU: _as_dates(stay["thru"].fillna(stay["day"]).to_numpy()),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT beneficiary_id, tin, npi, signature_date FROM {VoluntaryAlignment._meta.db_table} "  # noqa: S608 - ints only
            f"WHERE entity_id = %s AND {slot_sql('beneficiary_id')} IN ({slot_list})",
            [entity_id],
        )
        va = cursor.fetchall()
    voluntary = pd.DataFrame(va, columns=[c.BENE_ID, c.VA_TIN, c.VA_NPI, c.SIGNATURE_DATE])
    voluntary[c.SIGNATURE_DATE] = pd.to_datetime(voluntary[c.SIGNATURE_DATE])
    enrollment = enrollment_months(benes, windows.eligibility)
    screened = benes[[c.BENE_ID, c.DEATH_DATE, c.OTHER_INITIATIVE]]
    if exclusions:
        screened, enrollment = apply_cms_exclusions(screened, enrollment, exclusions)
    return {
        "beneficiaries": screened,
        "enrollment": enrollment,
        "lines": lines,
        "stays": stays,
        "voluntary": voluntary,
    }


def cms_exclusions_for_run(
    *, entity_id: int, performance_year: int, as_of: date
) -> dict[int, set[str]]:
    """CMS's exclusions of the performance year from its lists dated on or before the run's
    as-of date (cmslists.selectors.cms_exclusions): a later list does not change a run."""
    return cms_exclusions(entity=entity_id, performance_year=performance_year, on_or_before=as_of)
