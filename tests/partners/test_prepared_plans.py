"""The partner roster's prepared statements keep a generic plan (config/settings: psycopg
prepares them, PostgreSQL's plan_cache_mode=force_generic_plan keeps one plan a connection); that
plan must still look MBIs up through the (entity, MBI) index under row-level security, not read
every beneficiary of the entity's run: what the ADT listener's `mbi = ANY(...)` lookup once did
(events.services). Checked on the plan PostgreSQL keeps after six executions (where its default
mode switches to a generic plan), with EXPLAIN of the prepared statement itself."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import connection

from accounts.models import Role
from alignment.models import AlignmentRun
from beneficiaries.models import Beneficiary
from core import rls
from partners.roster import roster_rows

pytestmark = pytest.mark.django_db

PEOPLE = (
    4000  # an entity of realistic size: with statistics, reading them all costs more than the index
)


def _people(entity: Any, count: int) -> None:
    """`count` beneficiaries of the entity with MBIs, written in one INSERT ... SELECT (every
    column at its model default)."""
    from django.utils import timezone

    fields = [f for f in Beneficiary._meta.concrete_fields if f.column != "id"]
    given = {"entity_id": "%s", "current_mbi": "'1EG4TE5' || lpad(n::text, 4, '0')"}
    values, params = [], []
    for f in fields:
        if f.column in given:
            values.append(given[f.column])
            params += [entity.pk] if f.column == "entity_id" else []
            continue
        default = (
            timezone.now()
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_db_prep_save(f.get_default(), connection)
        )
        values.append("%s")
        params.append(default)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO beneficiaries_beneficiary ({columns}) "  # noqa: S608 - the model's columns
            f"SELECT {', '.join(values)} FROM generate_series(1, {int(count)}) AS n",
            params,
        )


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


def test_the_mbi_search_keeps_a_generic_plan_that_reads_the_mbis_asked_for(
    entity_a: Any, make_member: Any
) -> None:
    _people(entity_a, PEOPLE)
    people = list(Beneficiary.objects.filter(entity=entity_a).order_by("id"))
    run = AlignmentRun.objects.create(
        entity=entity_a, program="mssp", performance_year=2025, list_kind="quarterly",
        as_of=date(2025, 9, 30), version=1, status="succeeded", parameters_version="test",
        participants_as_of=date(2025, 9, 30), participants_digest="0" * 64, bucket_count=1,
        buckets_done=1, beneficiary_count=PEOPLE, aligned_count=PEOPLE,
    )  # fmt: skip
    with connection.cursor() as cursor:  # one statement: the test stays fast
        cursor.execute(
            "INSERT INTO alignment_alignmentresult (run_id, beneficiary_id, bucket, aligned, step, "
            "reason, attributed_tin, attributed_npi, attributed_ccn, entity_allowed, "
            "top_competitor, competitor_allowed) SELECT %s, id, 0, true, 'step_1', "
            "'aligned_plurality', '900000001', '', '', 300, '', 0 "
            "FROM beneficiaries_beneficiary WHERE entity_id = %s",
            [run.pk, entity_a.pk],
        )
    with connection.cursor() as cursor:  # as autovacuum would after a load
        cursor.execute("ANALYZE beneficiaries_beneficiary, alignment_alignmentresult")
    user = make_member(entity_a, Role.ENTITY_ADMIN)
    asked = [p.current_mbi for p in people[700:703]]
    with rls.entity_scope([entity_a.pk]):
        for n in range(6):
            rows = roster_rows(principal=user, status=None, mbis=[people[n].current_mbi])
            assert [r.beneficiary_id for r in rows] == [people[n].pk]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, parameter_types::text[], generic_plans FROM pg_prepared_statements "
                "WHERE statement LIKE '%%current_mbi = ANY%%'"
            )
            ((name, types, generic),) = cursor.fetchall()
            assert generic == 6
            # The statement's parameters: the run status, the caller's entities, the MBIs.
            values: dict[str, Any] = {
                "text": "succeeded",
                "smallint[]": [entity_a.pk],
                "text[]": asked,
            }
            values["bigint[]"] = values["integer[]"] = values["smallint[]"]
            assert len(types) == 3, types
            placeholders = ", ".join(["%s"] * len(types))
            cursor.execute(
                f'EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE "{name}"({placeholders})',
                [values[t] for t in types],
            )
            (raw,) = cursor.fetchone()
    plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
    people_read = [n for n in _nodes(plan) if n.get("Relation Name") == "beneficiaries_beneficiary"]
    assert len(people_read) == 1
    (read,) = people_read
    # Through the (entity, MBI) index, the MBIs in its condition: three rows, not 4,000.
    assert read["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"), json.dumps(
        plan, indent=1
    )
    conditions = json.dumps([n.get("Index Cond", "") for n in _nodes(read)] + [read])
    assert "current_mbi" in conditions
    assert read["Actual Rows"] * read["Actual Loops"] == 3
    results_read = [
        n for n in _nodes(plan) if n.get("Relation Name") == "alignment_alignmentresult"
    ]
    assert sum(n["Actual Rows"] * n["Actual Loops"] for n in results_read) == 3
