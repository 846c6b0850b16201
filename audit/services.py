from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from audit.models import AccessRecord

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
) -> AccessRecord:
    """Record one view or export of beneficiary data. `route` is a URL name or a path without
    its query string (which could carry search terms)."""
    ids = sorted({int(pk) for pk in beneficiary_ids})
    return AccessRecord.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        client_id=client_id,
        entity=entity,
        beneficiary_ids=ids[:MAX_KEYS_PER_RECORD],
        beneficiary_count=len(ids) if count is None else count,
        purpose=purpose,
        route=route[:200],
        method=method,
    )
