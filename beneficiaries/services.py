"""Writes on beneficiaries, run by the CCLF load inside its transaction.

The order within a load: register the delivery's MBIs, store its CCLF9 crosswalk rows, work out who
is who (`beneficiaries_resolve`), create the beneficiaries still missing, store the CCLF8 rows and
refresh each beneficiary's latest demographics. Claims are merged after this, so every claim finds
the surrogate of its MBI.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from beneficiaries.models import Beneficiary, BeneficiaryMbi, MbiCrosswalk
from cclf.columns import IDENTIFIER_FIELDS, stored_fields


def beneficiary_mbis_register(*, entity_id: int, mbis: list[str], delivered_on: date) -> int:
    """Add the MBIs not seen before for the entity; returns how many were new."""
    if not mbis:
        return 0
    before = BeneficiaryMbi.objects.filter(entity_id=entity_id).count()
    with connection.cursor() as cursor:
        for start in range(0, len(mbis), 5000):
            chunk = mbis[start : start + 5000]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for mbi in chunk:
                params += [entity_id, mbi, delivered_on]
            cursor.execute(
                "INSERT INTO beneficiaries_beneficiarymbi (entity_id, mbi, first_seen_on) "
                f"VALUES {values} ON CONFLICT (entity_id, mbi) DO NOTHING",
                params,
            )
    return BeneficiaryMbi.objects.filter(entity_id=entity_id).count() - before


def mbi_crosswalk_store(
    *, entity_id: int, delivery_id: int, file_id: int, delivered_on: date, stage: str
) -> int:
    """Keep the delivery's CCLF9 rows (history per delivery); returns the rows stored."""
    columns = [
        f.column for f in stored_fields("CCLF9", IDENTIFIER_FIELDS | {"CRNT_NUM", "PRVS_NUM"})
    ]
    sql = f"""
INSERT INTO beneficiaries_mbicrosswalk
    (entity_id, delivery_id, source_file_id, source_line, delivered_on, {", ".join(columns)}, current_id, previous_id)
SELECT %(entity_id)s, %(delivery_id)s, %(file_id)s, s.source_line, %(delivered_on)s,
    {", ".join("s." + c for c in columns)}, c.id, p.id
FROM {stage} s
JOIN beneficiaries_beneficiarymbi c ON c.entity_id = %(entity_id)s AND c.mbi = s.crnt_num
JOIN beneficiaries_beneficiarymbi p ON p.entity_id = %(entity_id)s AND p.mbi = s.prvs_num
WHERE 1 = 1
ON CONFLICT (delivery_id, source_line) DO NOTHING"""
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "entity_id": entity_id,
                "delivery_id": delivery_id,
                "file_id": file_id,
                "delivered_on": delivered_on,
            },
        )
        return cursor.rowcount


def _crosswalk_map(entity_id: int) -> dict[int, int]:
    """previous MBI id -> current MBI id, per the latest delivery that mentions the previous MBI.

    A later crosswalk may point an MBI at another person than an earlier one did: the latest
    delivery wins (CCLF IP 3.1: use the most recent XREF file). Rows that map an MBI to itself
    say nothing.
    """
    latest: dict[int, tuple[Any, ...]] = {}
    rows = MbiCrosswalk.objects.filter(entity_id=entity_id).values_list(
        "previous_id", "current_id", "delivered_on", "prvs_id_efctv_dt", "id"
    )
    for previous, current, delivered_on, effective, row_id in rows:
        rank = (delivered_on, effective or date.min, row_id)
        if previous not in latest or rank > latest[previous][0]:
            latest[previous] = (rank, current)
    return {prev: cur for prev, (_, cur) in latest.items() if prev != cur}


def _root(mbi: int, mapping: dict[int, int]) -> int:
    seen = {mbi}
    while mbi in mapping:
        nxt = mapping[mbi]
        if nxt in seen:  # a cycle in the crosswalk: stop where it closes
            break
        seen.add(nxt)
        mbi = nxt
    return mbi


def beneficiaries_resolve(
    *, entity_id: int, delivered_on: date, demographics: str | None = None
) -> dict[str, int]:
    """Assign every MBI of the entity to a Beneficiary, following the crosswalk.

    The MBIs linked by the current crosswalk (each previous MBI to the MBI it leads to) form one
    person. A person keeps the Beneficiary (the surrogate id) it had: the one whose current MBI is
    the group's most recent MBI, else one already holding a member of the group. A Beneficiary
    no group keeps is marked as merged into the one that took its current MBI. Two MBIs are never
    put together except through the crosswalk. MBIs outside any crosswalk get a Beneficiary each,
    created with their demographics when `demographics` names the delivery's CCLF8 staging
    table (`beneficiary_demographics_store` then stores the rows and updates the others).
    """
    mapping = _crosswalk_map(entity_id)
    members = set(mapping) | set(mapping.values())
    stats = {"created": 0, "moved": 0, "merged": 0}
    if members:
        stats = _resolve_crosswalked(entity_id, mapping, members)
    stats["created"] += _create_for_unassigned(entity_id, demographics, delivered_on)
    return stats


def _resolve_crosswalked(
    entity_id: int, mapping: dict[int, int], members: set[int]
) -> dict[str, int]:
    stats = {"created": 0, "moved": 0, "merged": 0}
    touched_bens = set(
        BeneficiaryMbi.objects.filter(pk__in=members, beneficiary__isnull=False).values_list(
            "beneficiary_id", flat=True
        )
    )
    rows = list(
        BeneficiaryMbi.objects.filter(entity_id=entity_id)
        .filter(Q(pk__in=members) | Q(beneficiary_id__in=touched_bens))
        .values_list("pk", "mbi", "beneficiary_id")
    )
    mbi_text = {pk: mbi for pk, mbi, _ in rows}
    owner = {pk: ben for pk, _, ben in rows}
    groups: dict[int, list[int]] = defaultdict(list)
    for pk in mbi_text:
        groups[_root(pk, mapping) if pk in members else pk].append(pk)
    bens = {b.pk: b for b in Beneficiary.objects.filter(pk__in=touched_bens)}
    taken: dict[int, int] = {}  # beneficiary -> group root
    assignment: dict[int, int] = {}  # group root -> beneficiary
    new_bens: dict[int, Beneficiary] = {}  # placeholder id (negative) -> unsaved beneficiary
    current_mbis = {b.current_mbi for b in bens.values()}
    # First the groups whose most recent MBI is some beneficiary's current MBI, then the others.
    for root in sorted(groups, key=lambda r: (0 if mbi_text[r] in current_mbis else 1, r)):
        candidates = sorted({owner[m] for m in groups[root] if owner[m] is not None} - set(taken))
        chosen = next((b for b in candidates if bens[b].current_mbi == mbi_text[root]), None)
        if chosen is None:
            chosen = next(
                (
                    b
                    for b in candidates
                    if bens[b].current_mbi in {mbi_text[m] for m in groups[root]}
                ),
                None,
            )
        if chosen is None and candidates:
            chosen = candidates[0]
        if chosen is None:
            # Created below, all at once (a first delivery's crosswalk makes many).
            chosen = -(len(new_bens) + 1)
            new_bens[chosen] = Beneficiary(entity_id=entity_id, current_mbi=mbi_text[root])
            stats["created"] += 1
        taken[chosen] = root
        assignment[root] = chosen
    if new_bens:
        Beneficiary.objects.bulk_create(list(new_bens.values()), batch_size=2000)
        for placeholder, ben in new_bens.items():
            bens[ben.pk] = ben
            taken[ben.pk] = taken.pop(placeholder)
        assignment = {
            root: new_bens[b].pk if b in new_bens else b for root, b in assignment.items()
        }
    moves: list[tuple[int, int]] = []  # (MBI id, beneficiary id)
    for root, ben_id in assignment.items():
        ben = bens[ben_id]
        if ben.current_mbi != mbi_text[root] or ben.merged_into_id is not None:
            Beneficiary.objects.filter(pk=ben_id).update(
                current_mbi=mbi_text[root], merged_into=None, updated_at=timezone.now()
            )
        moving = [m for m in groups[root] if owner[m] != ben_id]
        stats["moved"] += len(moving)
        moves += [(m, ben_id) for m in moving]
    _move_mbis(moves, "beneficiaries_beneficiarymbi", "id")
    # Beneficiaries no group kept: they were the same person as another (the crosswalk says so).
    by_mbi_text = {mbi_text[root]: ben for root, ben in assignment.items()}
    for ben_id, ben in bens.items():
        if ben_id in taken:
            continue
        target = next(
            (
                assignment[_root(m, mapping) if m in members else m]
                for m, o in owner.items()
                if o == ben_id
            ),
            by_mbi_text.get(ben.current_mbi),
        )
        Beneficiary.objects.filter(pk=ben_id).update(
            merged_into_id=target, updated_at=timezone.now()
        )
        stats["merged"] += 1
    # Demographics rows follow their MBI to its person.
    _move_mbis(moves, "beneficiaries_beneficiarydemographics", "mbi_id")
    return stats


def _move_mbis(moves: list[tuple[int, int]], table: str, mbi_column: str) -> None:
    """Set `beneficiary_id` of the rows of `table` whose `mbi_column` is a moved MBI."""
    if connection.vendor != "postgresql":
        by_ben: dict[int, list[int]] = defaultdict(list)
        for mbi, ben in moves:
            by_ben[ben].append(mbi)
        with connection.cursor() as cursor:
            for ben, mbis in by_ben.items():
                cursor.execute(
                    f"UPDATE {table} SET beneficiary_id = %s WHERE {mbi_column} IN "
                    f"({', '.join(['%s'] * len(mbis))})",
                    [ben, *mbis],
                )
        return
    with connection.cursor() as cursor:
        for start in range(0, len(moves), 5000):
            chunk = moves[start : start + 5000]
            values = ", ".join(["(%s::bigint, %s::bigint)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} t SET beneficiary_id = v.ben FROM (VALUES {values}) v(mbi, ben) "
                f"WHERE t.{mbi_column} = v.mbi",
                [x for pair in chunk for x in pair],
            )


# A beneficiary's latest demographics: its column, and the CCLF8 column it comes from.
DEMOGRAPHICS = (
    ("first_name", "bene_1st_name"),
    ("middle_name", "bene_midl_name"),
    ("last_name", "bene_last_name"),
    ("birth_date", "bene_dob"),
    ("sex_code", "bene_sex_cd"),
    ("race_code", "bene_race_cd"),
    ("death_date", "bene_death_dt"),
    ("medicare_status_code", "bene_mdcr_stus_cd"),
    ("dual_status_code", "bene_dual_stus_cd"),
    ("original_entitlement_code", "bene_orgnl_entlmt_rsn_cd"),
    ("part_a_start", "bene_part_a_enrlmt_bgn_dt"),
    ("part_b_start", "bene_part_b_enrlmt_bgn_dt"),
    ("hospice_start", "bene_rng_bgn_dt"),
    ("hospice_end", "bene_rng_end_dt"),
    ("state_fips", "bene_fips_state_cd"),
    ("county_fips", "bene_fips_cnty_cd"),
    ("zip_code", "bene_zip_cd"),
)


def _create_for_unassigned(
    entity_id: int, demographics: str | None = None, delivered_on: date | None = None
) -> int:
    """One new Beneficiary per MBI that has none (in bulk: a first delivery has them all).

    With `demographics` (the delivery's CCLF8 staging table), each is created with its MBI's
    last CCLF8 row of the delivery, as `beneficiary_demographics_store` would then set it: the
    store finds them current and rewrites none (a first delivery's 100,000 beneficiaries were
    written twice, bench/ingest)."""
    now = timezone.now()
    blank = [
        f.column
        for f in Beneficiary._meta.concrete_fields
        if isinstance(f.default, str) or f.get_default() == ""
    ]
    text_cols = [c for c in blank if c not in ("current_mbi",)]
    insert = ["entity_id", "current_mbi", "created_at", "updated_at"]
    select = ["m.entity_id", "m.mbi", "%s", "%s"]
    params: list[object] = [now, now]
    join = ""
    if demographics is not None and connection.vendor == "postgresql":
        insert.append("demographics_as_of")
        select.append("CASE WHEN d.bene_mbi_id IS NULL THEN NULL ELSE %s::date END")
        params.append(delivered_on)
        for column, source in DEMOGRAPHICS:
            insert.append(column)
            select.append(f"COALESCE(d.{source}, '')" if column in text_cols else f"d.{source}")
        join = (
            f" LEFT JOIN (SELECT DISTINCT ON (bene_mbi_id) * FROM {demographics} "
            "ORDER BY bene_mbi_id, source_line DESC) d ON d.bene_mbi_id = m.mbi"
        )
    others = [c for c in text_cols if c not in insert]  # blank, not NULL
    insert += others
    select += ["''"] * len(others)
    source = (
        f"FROM beneficiaries_beneficiarymbi m{join} "
        "WHERE m.entity_id = %s AND m.beneficiary_id IS NULL"
    )
    columns = ", ".join(insert)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Each new beneficiary's id is drawn first, so that the same statement links its MBI
            # by primary key. Joining the tables just filled (their statistics still say empty)
            # was planned as a loop over every pair: 2 s for 4,000 beneficiaries.
            aliased = ", ".join(f"{expr} AS c{i}" for i, expr in enumerate(select))
            cursor.execute(
                "WITH new AS MATERIALIZED (SELECT m.id AS mbi_id, "
                "nextval(pg_get_serial_sequence('beneficiaries_beneficiary', 'id')) AS id, "
                f"{aliased} {source}), "
                f"created AS (INSERT INTO beneficiaries_beneficiary (id, {columns}) "
                f"SELECT id, {', '.join(f'c{i}' for i in range(len(select)))} FROM new) "
                "UPDATE beneficiaries_beneficiarymbi m SET beneficiary_id = new.id FROM new "
                "WHERE m.id = new.mbi_id",
                [*params, entity_id],
            )
            return cursor.rowcount
        cursor.execute(
            f"INSERT INTO beneficiaries_beneficiary ({columns}) SELECT {', '.join(select)} {source}",
            [*params, entity_id],
        )
        created = cursor.rowcount
        if created:
            cursor.execute(
                "UPDATE beneficiaries_beneficiarymbi SET beneficiary_id = ("
                " SELECT MAX(b.id) FROM beneficiaries_beneficiary b WHERE b.entity_id = %s"
                " AND b.current_mbi = beneficiaries_beneficiarymbi.mbi AND b.merged_into_id IS NULL"
                ") WHERE entity_id = %s AND beneficiary_id IS NULL",
                [entity_id, entity_id],
            )
    return created


def beneficiary_demographics_store(
    *, entity_id: int, delivery_id: int, file_id: int, delivered_on: date, stage: str
) -> int:
    """Keep the delivery's CCLF8 rows and refresh each beneficiary's latest demographics."""
    columns = [f.column for f in stored_fields("CCLF8")]
    params = {
        "entity_id": entity_id,
        "delivery_id": delivery_id,
        "file_id": file_id,
        "delivered_on": delivered_on,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
INSERT INTO beneficiaries_beneficiarydemographics
    (entity_id, delivery_id, source_file_id, source_line, delivered_on, {", ".join(columns)}, mbi_id, beneficiary_id)
SELECT %(entity_id)s, %(delivery_id)s, %(file_id)s, s.source_line, %(delivered_on)s,
    {", ".join("s." + c for c in columns)}, m.id, m.beneficiary_id
FROM {stage} s JOIN beneficiaries_beneficiarymbi m ON m.entity_id = %(entity_id)s AND m.mbi = s.bene_mbi_id
WHERE 1 = 1
ON CONFLICT (delivery_id, source_line) DO NOTHING""",
            params,
        )
        stored = cursor.rowcount
        current = ", ".join(f"beneficiaries_beneficiary.{c}" for c, _ in DEMOGRAPHICS)
        delivered = ", ".join(f"d.{source}" for _, source in DEMOGRAPHICS)
        cursor.execute(
            f"""
UPDATE beneficiaries_beneficiary SET
    {", ".join(f"{c} = d.{source}" for c, source in DEMOGRAPHICS)},
    demographics_as_of = d.delivered_on, updated_at = %(now)s
FROM (
    -- The delivery's last CCLF8 row of each beneficiary (a join on the unique line key, not a
    -- subquery per row).
    SELECT d.* FROM beneficiaries_beneficiarydemographics d
    JOIN (
        SELECT beneficiary_id, MAX(source_line) AS line
        FROM beneficiaries_beneficiarydemographics
        WHERE delivery_id = %(delivery_id)s
        GROUP BY beneficiary_id
    ) last ON d.delivery_id = %(delivery_id)s AND d.source_line = last.line
) d
WHERE d.beneficiary_id = beneficiaries_beneficiary.id
  AND (beneficiaries_beneficiary.demographics_as_of IS NULL
       OR beneficiaries_beneficiary.demographics_as_of <= d.delivered_on)
  -- A beneficiary already holding these values is left as it is (its updated_at too).
  AND ({current}, beneficiaries_beneficiary.demographics_as_of)
      IS DISTINCT FROM ({delivered}, d.delivered_on)""",
            {"delivery_id": delivery_id, "now": timezone.now()},
        )
    return stored


def beneficiaries_for_mbis(
    *, entity_id: int, people: dict[str, dict[str, Any]], seen_on: date
) -> dict[str, int]:
    """The Beneficiary of each MBI (from a CMS list: the people CMS names, with their
    demographics), creating those the entity has never received. An MBI already known keeps its
    person (the crosswalk decides who is who); a new one gets a Beneficiary with the list's
    demographics, which a later CCLF8 row replaces. Returns MBI -> beneficiary id."""
    beneficiary_mbis_register(entity_id=entity_id, mbis=sorted(people), delivered_on=seen_on)
    new = set(
        BeneficiaryMbi.objects.filter(
            entity_id=entity_id, mbi__in=list(people), beneficiary__isnull=True
        ).values_list("mbi", flat=True)
    )
    if new:
        # One statement creates and links them all (as a CCLF load does), then their names and
        # dates are set from the list.
        _create_for_unassigned(entity_id)
        rows = list(Beneficiary.objects.filter(entity_id=entity_id, current_mbi__in=list(new)))
        for row in rows:
            for field, value in people[row.current_mbi].items():
                if value not in (None, ""):
                    setattr(row, field, value)
        fields = sorted({f for p in (people[m] for m in new) for f in p})
        if fields:
            _bulk_set(rows, fields)
    return dict(
        BeneficiaryMbi.objects.filter(entity_id=entity_id, mbi__in=list(people)).values_list(
            "mbi", "beneficiary_id"
        )
    )


def _bulk_set(rows: list[Beneficiary], fields: list[str]) -> None:
    """Write `fields` of `rows`: one UPDATE from arrays on PostgreSQL, bulk_update elsewhere."""
    if connection.vendor != "postgresql":
        Beneficiary.objects.bulk_update(rows, fields, batch_size=500)
        return
    columns: dict[str, Any] = {f: Beneficiary._meta.get_field(f) for f in fields}
    casts = {f: "date" if columns[f].get_internal_type() == "DateField" else "text" for f in fields}
    unnest = ", ".join(f"%s::{casts[f]}[]" for f in fields)
    sets = ", ".join(f"{columns[f].column} = src.{f}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Beneficiary._meta.db_table} b SET {sets} "  # noqa: S608 - model names only
            f"FROM unnest(%s::bigint[], {unnest}) AS src(id, {', '.join(fields)}) "
            "WHERE b.id = src.id",
            [[r.pk for r in rows], *[[getattr(r, f) for r in rows] for f in fields]],
        )
