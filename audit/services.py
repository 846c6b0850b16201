from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils import timezone

from audit.models import AccessRecord
from core.prepared import prepared_cursor

# A page that shows a long list records the keys of the first rows it shows and the count.
MAX_KEYS_PER_RECORD = 1000


def access_record_create(
    *,
    entity: Any,
    purpose: str,
    route: str,
    beneficiary_ids: Iterable[int] = (),
    user: Any = None,
    client_id: str = "",
    method: str = "GET",
    count: int | None = None,
    record: bool = True,
) -> AccessRecord | None:
    """Record one view or export of beneficiary data. `route` is a URL name or a path without
    its query string (which could carry search terms). With `record=False` nothing is read
    back: on PostgreSQL the row is appended by one prepared INSERT, a third of the ORM's cost
    (the partner API writes one per call), and None is returned."""
    ids = sorted({int(pk) for pk in beneficiary_ids})
    if not record and connection.vendor == "postgresql":
        _append(
            user_id=user.pk if getattr(user, "is_authenticated", False) else None,
            client_id=client_id,
            entity_id=getattr(entity, "pk", entity),
            ids=ids[:MAX_KEYS_PER_RECORD],
            count=len(ids) if count is None else count,
            purpose=purpose,
            route=route[:200],
            method=method,
        )
        return None
    return AccessRecord.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        client_id=client_id,
        entity_id=getattr(entity, "pk", entity),
        beneficiary_ids=ids[:MAX_KEYS_PER_RECORD],
        beneficiary_count=len(ids) if count is None else count,
        purpose=purpose,
        route=route[:200],
        method=method,
    )


def _append(
    *,
    user_id: int | None,
    client_id: str,
    entity_id: int | None,
    ids: list[int],
    count: int,
    purpose: str,
    route: str,
    method: str,
) -> None:
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AccessRecord._meta.db_table} (at, user_id, client_id, entity_id, "  # noqa: S608 - our table
            "beneficiary_ids, beneficiary_count, purpose, route, method) "
            "VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s)",
            [timezone.now(), user_id, client_id, entity_id, json.dumps(ids), count, purpose,
             route, method],
        )  # fmt: skip
