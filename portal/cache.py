"""The portal's Redis cache backend: a Redis outage reads as a miss instead of failing the request.

Most of what the default cache holds only saves work: Wagtail's site root paths and image renditions,
the page cache (home/page_cache.py), the site lookup (home/site_lookup.py). Django's own Redis backend
raises on every call while Redis is down, and Wagtail reads its site root paths on every page, so
without this every public page would fail with Redis. Here:

- reads (``get``, ``get_many``, ``has_key``) answer as a miss, and fills (``set``, ``set_many``) are
  skipped: the caller computes the value from the database, as on any miss;
- operations whose answer means something (``add``, ``incr``, ``decr``, ``delete``, ``touch``,
  ``clear``) still raise: "already there", a count or a failed invalidation cannot be made up, so
  their callers decide (the page cache and the site lookup fall back to the database, a staff form
  fails rather than leaving stale state behind);
- callers that must tell "absent" from "unreadable" (the rate-limit counters, reports/throttle.py)
  use ``strict(cache)``, the same cache without the degradation.

An outage is logged as a warning at most once a minute per process (exception class only: messages
can hold the Redis address and password).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: Seconds between two warnings of an ongoing outage in one process (the rest go to DEBUG).
WARNING_INTERVAL = 60.0
UNAVAILABLE = (RedisError, OSError)

_last_warning: float | None = None


def _degraded(operation: str, exc: BaseException) -> None:
    global _last_warning
    now = time.monotonic()
    if _last_warning is None or now - _last_warning >= WARNING_INTERVAL:
        _last_warning = now
        logger.warning("Cache unavailable (%s in %s): serving without it", type(exc).__name__, operation)
    else:
        logger.debug("Cache unavailable (%s in %s)", type(exc).__name__, operation)


def strict(cache):
    """``cache`` with every error raised (itself when it never degrades)."""
    return getattr(cache, "strict", cache)


class RedisCache(DjangoRedisCache):
    """Django's Redis cache whose reads and fills degrade during an outage (module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._arguments = (server, params)

    @cached_property
    def strict(self) -> DjangoRedisCache:
        return DjangoRedisCache(*self._arguments)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            _degraded("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            _degraded("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as exc:
            _degraded("has_key", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _degraded("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            _degraded("set_many", exc)
            return list(data)  # the keys that were not stored
