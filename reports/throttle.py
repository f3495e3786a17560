"""Per-client counters in the shared cache, for slowing down code guessing and submission floods.

A client is known only by a keyed hash of its address, and only inside a counter that expires with
its window: no address is stored, logged or kept beyond that. Counters live in the cache every web
node shares (Redis in production), so the limits hold across nodes.

When the counters cannot be read or written (Redis down), a throttle made with ``fail_open=True``
lets the request through and logs a warning naming its scope only (never the client, its address or
anything it sent); any other throttle raises, as before, so the request fails rather than going
uncounted.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from portal.cache import UNAVAILABLE, strict

from . import codes

logger = logging.getLogger(__name__)

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
    #: Let requests through, uncounted, while the counters are unreachable (see the factories below).
    fail_open: bool = False

    def _key(self, request) -> str:
        digest = hmac.new(
            codes.lookup_secret(), _LABEL + client_address(request).encode("utf-8"), hashlib.sha256
        ).hexdigest()
        return f"throttle:{self.scope}:{digest[:32]}"

    def _failing_open(self, exc: Exception) -> None:
        # The scope and the exception class only: no address, key or anything the client sent.
        logger.warning("Rate-limit counters unavailable (%s), %s not throttled", type(exc).__name__, self.scope)

    def wait_seconds(self, request) -> int:
        """0 when the client may go on; otherwise how long it must wait."""
        key = self._key(request)
        try:
            # Strict: a degrading cache would read an outage as "no count yet" and pass silently.
            values = strict(cache).get_many([key, key + ":start"])
        except UNAVAILABLE as exc:
            if not self.fail_open:
                raise
            self._failing_open(exc)
            return 0
        if values.get(key, 0) < self.limit:
            return 0
        started = values.get(key + ":start", time.time())
        return max(1, math.ceil(started + self.window - time.time()))

    def hit(self, request) -> int:
        """Count one event; returns the count in the current window (0 when it could not be counted)."""
        key = self._key(request)
        counters = strict(cache)
        try:
            if counters.add(key, 0, self.window):
                counters.set(key + ":start", time.time(), self.window)
            try:
                return counters.incr(key)
            except ValueError:  # expired between add and incr
                counters.set(key, 1, self.window)
                counters.set(key + ":start", time.time(), self.window)
                return 1
        except UNAVAILABLE as exc:
            if not self.fail_open:
                raise
            self._failing_open(exc)
            return 0

    def reset(self, request) -> None:
        key = self._key(request)
        try:
            strict(cache).delete_many([key, key + ":start"])
        except UNAVAILABLE as exc:
            if not self.fail_open:
                raise
            self._failing_open(exc)


def lookup_failures() -> Throttle:
    # Fails open: a reporter checking on their case is not turned away because Redis is down. What
    # this limit guards is load, not the secret: a code has 80 random bits and every guess costs a
    # scrypt run, so even unthrottled guessing for the length of an outage opens no report.
    return Throttle(
        "lookup", settings.PORTAL_LOOKUP_MAX_FAILURES, settings.PORTAL_LOOKUP_WINDOW_SECONDS, fail_open=True
    )


def submissions() -> Throttle:
    # Fails open: a report refused (or a 500) while Redis is down may be a report lost for good, since
    # a reporter seldom tries twice; a burst of submissions for the length of an outage is only more
    # rows for intake to dismiss. The warning tells operators that counting is off.
    return Throttle("submit", settings.PORTAL_SUBMISSIONS_PER_HOUR, 3600, fail_open=True)


def minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
