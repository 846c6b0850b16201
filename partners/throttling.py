"""Per-client rate limits for partner systems, counted in the shared cache.

DRF's own rate throttles keep every request's timestamp in one cache entry, which a client
allowed hundreds of requests a second would rewrite on every call. This one counts requests
in one-minute windows with an atomic increment: on Redis, INCR and EXPIRE in one pipelined
transaction, so each request costs one round trip whatever the limit (Django's `cache.incr`
takes two: EXISTS, then INCR). People (session users) are not limited here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
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
        count = window_count(key)
        reset = (window + 1) * WINDOW_SECONDS - now
        # What the response's RateLimit-* headers say (RateLimitHeadersMiddleware).
        getattr(request, "_request", request).partner_rate = (
            limit,
            max(0, limit - count),
            math.ceil(reset),
        )
        if count <= limit:
            return True
        self._wait = reset
        return False

    def wait(self) -> float | None:
        return math.ceil(self._wait) if self._wait is not None else None


RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


class RateLimitHeadersMiddleware:
    """Every answer to a partner client says its limit, what is left of it in this minute and
    the seconds until the minute ends (the IETF RateLimit header fields); a 429 also carries
    Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        rate = getattr(request, "partner_rate", None)
        if rate is not None:
            for name, value in zip(RATE_LIMIT_HEADERS, rate, strict=True):
                response[name] = str(value)
        return response


_clients: dict[int, Any] = {}


def _redis_client(backend: RedisCache) -> Any:
    """A Redis client on the backend's write pool, kept: Django builds a new one per call
    (`get_client`), which cost this hot path as much as the round trip."""
    pool = backend._cache._get_connection_pool(True)
    client = _clients.get(id(pool))
    if client is None or client.connection_pool is not pool:
        client = _clients[id(pool)] = backend._cache._client(connection_pool=pool)
    return client


def window_count(key: str) -> int:
    """Count one more request in the window `key`, and return the window's count."""
    backend = caches["default"]  # `cache` is a proxy to it
    if isinstance(backend, RedisCache):
        # The backend's own Redis client (Django keeps it as `_cache`): INCR creates the key
        # at 1, EXPIRE lets it outlive its window by one; both in one round trip.
        redis_key = backend.make_and_validate_key(key)
        pipeline = _redis_client(backend).pipeline()
        pipeline.incr(redis_key)
        pipeline.expire(redis_key, 2 * WINDOW_SECONDS)
        count, _ = pipeline.execute()
        return int(count)
    try:
        return cache.incr(key)
    except ValueError:  # the window's first request (or a race with another thread)
        return 1 if cache.add(key, 1, timeout=2 * WINDOW_SECONDS) else cache.incr(key)


def token_client_id(request: Any) -> str:
    """The client a token request speaks for: the `iss` of its assertion (not verified yet;
    a forged id only spends that id's allowance), else a `client_id` field."""
    import jwt

    assertion = request.POST.get("client_assertion", "")
    if assertion:
        try:
            issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            issuer = None
        if isinstance(issuer, str) and issuer:
            return issuer[:100]
    return request.POST.get("client_id", "")[:100]


def token_request_wait(request: Any) -> float | None:
    """Seconds to wait when this token request is over its client's or its address's limit
    (counted in one-minute windows in the shared cache); None when it may go on."""
    from allauth.core.internal.ratelimit import get_ip

    now = time.time()
    window = int(now // WINDOW_SECONDS)
    limits = [
        (f"partners:token:ip:{get_ip(request)}:{window}", settings.PARTNERS_TOKEN_RATE_PER_ADDRESS)
    ]
    client_id = token_client_id(request)
    if client_id:
        limits.append(
            (f"partners:token:client:{client_id}:{window}", settings.PARTNERS_TOKEN_RATE_PER_MINUTE)
        )
    if any(window_count(key) > limit for key, limit in limits):
        return (window + 1) * WINDOW_SECONDS - now
    return None
