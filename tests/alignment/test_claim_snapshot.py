"""The claims snapshot reads the final-action lines `claims.final_action.final_action_sql` gives:
the same rows as the reference query over that SQL, with cancellations, re-issued claims, an
unmatched extra cancellation and denied lines in the population."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from alignment.models import ClaimLine
from alignment.services.inputs import claim_snapshot_ensure, snapshot_codes
from claims.final_action import final_action_sql

pytestmark = pytest.mark.django_db

COLUMNS = (
    "beneficiary_id, kind, service_date, thru_date, hcpcs, allowed_cents, tin, npi, ccn, "
    "specialty, pos, fqhc_rhc"
)


def _reference(entity_id: int) -> Counter:
    """The snapshot as the first version built it: every row from `final_action_sql`."""
    codes = ", ".join(f"'{code}'" for code in snapshot_codes())
    sql = f"""
WITH fa AS ({final_action_sql(entity=True)}),
x AS (
    SELECT beneficiary_id, 'L' AS kind, COALESCE(line_from_date, from_date) AS service_date,
        CAST(NULL AS DATE) AS thru_date, hcpcs_cd AS hcpcs, CAST(ROUND(allowed_amount * 100) AS BIGINT) AS cents,
        rendering_tin AS tin, rendering_npi AS npi, '' AS ccn, specialty_cd AS specialty,
        place_of_service AS pos, 0 AS fqhc_rhc
    FROM fa WHERE source = 'B' AND hcpcs_cd IN ({codes})
    UNION ALL
    SELECT fa.beneficiary_id, 'L', COALESCE(r.clm_line_from_dt, fa.from_date), CAST(NULL AS DATE), r.clm_line_hcpcs_cd,
        CAST(ROUND(COALESCE(r.clm_line_cvrd_pd_amt, 0) * 100) AS BIGINT), '', fa.attending_npi, fa.ccn, '', '', 1
    FROM fa JOIN claims_partarevenuecenter r ON r.entity_id = fa.entity_id AND r.cur_clm_uniq_id = fa.claim_id
    WHERE fa.source = 'A' AND substr(fa.bill_type, 1, 2) IN ('71', '77')
    UNION ALL
    SELECT beneficiary_id, CASE WHEN claim_type_cd IN ('20', '30') THEN 'S' ELSE 'I' END, from_date,
        thru_date, '', 0, '', '', ccn, '', '', 0
    FROM fa WHERE source = 'A' AND claim_type_cd IN ('20', '30', '60', '61')
)
SELECT beneficiary_id, kind, service_date, thru_date, COALESCE(hcpcs, ''), COALESCE(cents, 0),
    COALESCE(tin, ''), COALESCE(npi, ''), COALESCE(ccn, ''), COALESCE(specialty, ''),
    COALESCE(pos, ''), fqhc_rhc = 1
FROM x WHERE beneficiary_id IS NOT NULL AND service_date IS NOT NULL"""  # noqa: S608 - test constants
    with connection.cursor() as cursor:
        cursor.execute(sql, {"entity_id": entity_id})
        return Counter(cursor.fetchall())


def test_the_snapshot_holds_exactly_the_final_action_lines(entity_a, population_a) -> None:
    with connection.cursor() as cursor:
        # A second cancellation of an already cancelled claim: it finds no partner left.
        cursor.execute(
            """
INSERT INTO claims_partbphysicianline
SELECT (jsonb_populate_record(NULL::claims_partbphysicianline,
    to_jsonb(l) || jsonb_build_object('cur_clm_uniq_id', l.cur_clm_uniq_id + 10000000000,
                                      'source_line', l.source_line + 1000000))).*
FROM claims_partbphysicianline l
WHERE l.entity_id = %s AND l.clm_adjsmt_type_cd = '1'
  AND l.cur_clm_uniq_id = (SELECT MIN(cur_clm_uniq_id) FROM claims_partbphysicianline
                           WHERE entity_id = %s AND clm_adjsmt_type_cd = '1')""",
            [entity_a.pk, entity_a.pk],
        )
        assert cursor.rowcount > 0
        cursor.execute(
            "SELECT COUNT(*) FROM claims_partbphysicianline WHERE entity_id = %s AND clm_adjsmt_type_cd = '1'",
            [entity_a.pk],
        )
        assert cursor.fetchone()[0] > 1
    expected = _reference(entity_a.pk)
    snapshot = claim_snapshot_ensure(entity=entity_a)
    got = Counter(
        ClaimLine.objects.filter(snapshot=snapshot).values_list(
            *[c.strip() for c in COLUMNS.split(",")]
        )
    )
    assert got == expected
    assert snapshot.line_count == sum(n for row, n in expected.items() if row[1] == "L")
    assert snapshot.stay_count == sum(n for row, n in expected.items() if row[1] != "L")


def test_codes_that_look_like_numbers_are_read_back_as_text(entity_a) -> None:
    """A bucket whose codes are all digits ("08", "11") keeps them as text with their zeros:
    specialty 08 must still match the primary-care list and POS 31 the SNF exclusion."""
    from datetime import date

    from alignment.models import ClaimSnapshot
    from alignment.services.inputs import _read_lines

    snapshot = ClaimSnapshot.objects.create(entity=entity_a, digest="numeric-codes")
    ClaimLine.objects.bulk_create(
        ClaimLine(
            snapshot=snapshot,
            slot=3,
            beneficiary_id=n,
            kind="L",
            service_date=date(2025, 3, n),
            hcpcs="99213",
            allowed_cents=10_000,
            tin="012345678",
            npi="1234567893",
            specialty=specialty,
            pos=pos,
        )
        for n, (specialty, pos) in enumerate([("08", "11"), ("01", "31")], start=1)
    )

    frame = _read_lines(snapshot.pk, [3])

    assert sorted(frame["specialty"].astype(str)) == ["01", "08"]
    assert sorted(frame["pos"].astype(str)) == ["11", "31"]
    assert set(frame["tin"].astype(str)) == {"012345678"}
    assert set(frame["hcpcs"].astype(str)) == {"99213"}


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_building_the_snapshot_leaves_the_callers_transaction_settings_as_they_were(
    entity_a, population_a
) -> None:
    """The test runs in a transaction, as a job or a request would call the builder: the
    builder's planner settings (nested loops off, more sort memory) end with the builder."""
    before = (_show("enable_nestloop"), _show("work_mem"))
    snapshot = claim_snapshot_ensure(entity=entity_a)
    assert snapshot.line_count > 0
    assert (_show("enable_nestloop"), _show("work_mem")) == before == ("on", before[1])
    assert before[1] != "256MB"
