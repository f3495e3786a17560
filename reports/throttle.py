"""Per-client counters in the shared cache, for slowing down code guessing and submission floods.

A client is known only by a keyed hash of its address, and only inside a counter that expires with
its window: no address is stored, logged or kept beyond that. Counters live in the cache every web
node shares (Redis in production), so the limits hold across nodes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from . import codes

_LABEL = b"mediinsure-portal/reports/throttle/v1\x00"


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or with PORTAL_PROXY_COUNT proxies in front, the address
    the outermost trusted proxy saw (X-Forwarded-For read from the right, so a client cannot forge
    its way around the limit by sending its own header)."""
    hops = settings.PORTAL_PROXY_COUNT
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int
    window: int  # seconds

    def _key(self, request) -> str:
        digest = hmac.new(
            codes.lookup_secret(), _LABEL + client_address(request).encode("utf-8"), hashlib.sha256
        ).hexdigest()
        return f"throttle:{self.scope}:{digest[:32]}"

    def wait_seconds(self, request) -> int:
        """0 when the client may go on; otherwise how long it must wait."""
        key = self._key(request)
        values = cache.get_many([key, key + ":start"])
        if values.get(key, 0) < self.limit:
            return 0
        started = values.get(key + ":start", time.time())
        return max(1, math.ceil(started + self.window - time.time()))

    def hit(self, request) -> int:
        """Count one event; returns the count in the current window."""
        key = self._key(request)
        if cache.add(key, 0, self.window):
            cache.set(key + ":start", time.time(), self.window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window)
            cache.set(key + ":start", time.time(), self.window)
            return 1

    def reset(self, request) -> None:
        key = self._key(request)
        cache.delete_many([key, key + ":start"])


def lookup_failures() -> Throttle:
    return Throttle("lookup", settings.PORTAL_LOOKUP_MAX_FAILURES, settings.PORTAL_LOOKUP_WINDOW_SECONDS)


def submissions() -> Throttle:
    return Throttle("submit", settings.PORTAL_SUBMISSIONS_PER_HOUR, 3600)


def minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
