"""The MSSP plurality (pre-step, steps 1-3, exclusions, FQHC/RHC rule, ties) as one DuckDB SQL
query over the engine's own input frames: the peer the engine's compute time is compared with,
and a second implementation it must agree with."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from alignment.engine import MsspParameters, ParticipantList
from alignment.engine.windows import MsspWindows

QUERY = """
WITH l AS (
    SELECT l.bene_id, CAST(l.service_date AS DATE) AS d, CAST(l.hcpcs AS VARCHAR) AS hcpcs,
        l.allowed_cents AS a, CAST(l.tin AS VARCHAR) AS tin, CAST(l.ccn AS VARCHAR) AS ccn,
        CAST(l.pos AS VARCHAR) AS pos, l.fqhc_rhc,
        CASE WHEN l.fqhc_rhc THEN 0 ELSE s.cls END AS cls, k.lo, k.hi
    FROM lines l
    LEFT JOIN specialties s ON s.code = CAST(l.specialty AS VARCHAR)
    LEFT JOIN codes k ON k.code = CAST(l.hcpcs AS VARCHAR)
    WHERE l.allowed_cents > 0 AND l.service_date BETWEEN $expanded_start AND $assignment_end
),
q AS (
    SELECT * FROM l
    WHERE (fqhc_rhc OR (d BETWEEN lo AND hi AND cls IS NOT NULL))
),
-- Services with an excludable code are few: only they are matched against the stays.
stayed AS (
    SELECT DISTINCT q.bene_id, q.d, q.hcpcs
    FROM q JOIN stays st ON st.bene_id = q.bene_id
        AND q.d BETWEEN CAST(st.stay_from AS DATE) AND CAST(st.stay_thru AS DATE)
    WHERE (st.stay_kind = 'snf' AND q.hcpcs IN (SELECT code FROM snf_codes))
       OR (st.stay_kind = 'inpatient' AND q.hcpcs IN (SELECT code FROM ip_codes))
),
c AS (
    SELECT q.bene_id, q.d, q.a, q.ccn <> '' AS is_ccn,
        CASE WHEN q.ccn <> '' THEN q.ccn ELSE q.tin END AS unit,
        CASE WHEN q.d >= $assignment_start THEN 0 ELSE 1 END AS part, q.cls,
        (q.tin IN (SELECT tin FROM aco_tins) OR q.ccn IN (SELECT ccn FROM aco_ccns)) AS ent
    FROM q
    ANTI JOIN stayed x ON x.bene_id = q.bene_id AND x.d = q.d AND x.hcpcs = q.hcpcs
    WHERE NOT (q.hcpcs IN (SELECT code FROM snf_codes) AND q.pos IN (SELECT pos FROM snf_pos))
      AND NOT (q.hcpcs IN (SELECT code FROM ip_codes) AND q.pos IN (SELECT pos FROM ip_pos))
),
g AS (
    SELECT bene_id, ent, is_ccn, unit, cls, part, SUM(a) AS amt, MAX(d) AS last
    FROM c GROUP BY ALL
),
f AS (
    SELECT bene_id,
        BOOL_OR(ent AND cls IN (0, 2) AND part = 0) AS pre,
        BOOL_OR(cls IN (0, 1) AND part = 0) AS prim,
        BOOL_OR(ent AND cls = 1 AND part = 0) AS npp,
        BOOL_OR(ent AND cls IN (0, 2)) AS phys
    FROM g GROUP BY bene_id
),
r AS (
    SELECT bene_id,
        CASE WHEN pre AND prim THEN 1 WHEN pre THEN 2 WHEN $step_3 AND npp AND phys THEN 3 ELSE 0 END AS route
    FROM f
),
w AS (
    SELECT g.bene_id, g.ent, g.is_ccn, g.unit, SUM(g.amt) AS amt, MAX(g.last) AS last
    FROM g JOIN r USING (bene_id)
    WHERE (r.route = 1 AND g.cls IN (0, 1) AND g.part = 0)
       OR (r.route = 2 AND g.cls = 2 AND g.part = 0)
       OR (r.route IN (0, 3) AND ($step_3 OR (g.cls IN (0, 1) AND g.part = 0)))
    GROUP BY ALL
),
e AS (SELECT bene_id, SUM(amt) AS e_amt, MAX(last) AS e_last FROM w WHERE ent GROUP BY bene_id),
k AS (
    SELECT bene_id, amt AS c_amt, last AS c_last,
        CASE WHEN is_ccn THEN 'CCN ' ELSE 'TIN ' END || unit AS label,
        ROW_NUMBER() OVER (PARTITION BY bene_id ORDER BY amt DESC, last DESC, is_ccn, unit) AS rn
    FROM w WHERE NOT ent
)
SELECT r.bene_id, r.route,
    COALESCE(e.e_amt, 0) AS d_entity, COALESCE(k.c_amt, 0) AS d_competitor, COALESCE(k.label, '') AS d_label,
    r.route > 0 AND (COALESCE(e.e_amt, 0) > COALESCE(k.c_amt, 0)
        OR (COALESCE(e.e_amt, 0) = COALESCE(k.c_amt, 0) AND e.e_amt > 0 AND e.e_last > COALESCE(k.c_last, DATE '1900-01-01'))) AS d_aligned
FROM r LEFT JOIN e USING (bene_id) LEFT JOIN (SELECT * FROM k WHERE rn = 1) k USING (bene_id)
"""


def duckdb_plurality(
    *,
    frames: dict[str, Any],
    participants: ParticipantList,
    params: MsspParameters,
    windows: MsspWindows,
) -> pd.DataFrame:
    """Per beneficiary with any counted service: route, entity and top-competitor charges, label
    and the plurality outcome (a same-day tie is not aligned, as the engine's default)."""
    rules = params.rules
    codes = pd.DataFrame(
        [(e.code, e.valid_from, e.valid_to) for e in rules.service_codes.entries],
        columns=["code", "lo", "hi"],
    )
    # One dated entry per code in these lists, so the join below never repeats a line.
    assert codes["code"].is_unique, "a code with several dated entries needs a range join here"
    specialties = pd.DataFrame(
        [
            (e.code, cls)
            for cls, vs in (
                (0, rules.pcp_specialties),
                (1, rules.npp_specialties),
                (2, rules.specialist_specialties),
            )
            for e in vs.entries
        ],
        columns=["code", "cls"],
    ).drop_duplicates("code", keep="first")
    con = duckdb.connect()
    tables = {
        "lines": frames["lines"],
        "stays": frames["stays"],
        "codes": codes,
        "specialties": specialties,
        "aco_tins": pd.DataFrame({"tin": sorted(participants.tins)}),
        "aco_ccns": pd.DataFrame({"ccn": sorted(participants.ccns) or [""]}).query("ccn != ''"),
        "snf_codes": pd.DataFrame({"code": sorted(rules.snf_excluded_codes)}),
        "snf_pos": pd.DataFrame({"pos": sorted(rules.snf_pos)}),
        "ip_codes": pd.DataFrame({"code": sorted(rules.inpatient_excluded_codes)}),
        "ip_pos": pd.DataFrame({"pos": sorted(rules.inpatient_pos)}),
    }
    for name, frame in tables.items():
        con.register(name, frame)
    expanded = windows.expanded or windows.assignment
    return con.execute(
        QUERY,
        {
            "expanded_start": expanded.start,
            "assignment_start": windows.assignment.start,
            "assignment_end": windows.assignment.end,
            "step_3": params.uses_step_3,
        },
    ).df()
