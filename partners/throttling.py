"""Per-client rate limits for partner systems, counted in the shared cache.

DRF's own rate throttles keep every request's timestamp in one cache entry, which a client
allowed hundreds of requests a second would rewrite on every call. This one counts requests
in one-minute windows with the cache's atomic increment (Redis INCR), so each request costs
one round trip whatever the limit. People (session users) are not limited here.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from partners.authentication import partner_client_of

WINDOW_SECONDS = 60


class PartnerClientRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        client = partner_client_of(request)
        if client is None:
            return True
        limit = client.requests_per_minute or settings.PARTNERS_DEFAULT_RATE_PER_MINUTE
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        # The client id is random per registration: keys never collide across databases.
        key = f"partners:rate:{client.client_id}:{window}"
        try:
            count = cache.incr(key)
        except ValueError:  # the window's first request (or a race with another process)
            count = 1 if cache.add(key, 1, timeout=2 * WINDOW_SECONDS) else cache.incr(key)
        if count <= limit:
            return True
        self._wait = (window + 1) * WINDOW_SECONDS - now
        return False

    def wait(self) -> float | None:
        return math.ceil(self._wait) if self._wait is not None else None
