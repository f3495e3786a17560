"""The Site of a request and its PortalSettings, kept in the default cache between requests.

Wagtail looks both up in the database on every request (the site by host and port, the settings by
site), although they change about never. Here the answers are kept in the default cache (Redis when
``REDIS_URL`` is set, so every node shares them; local memory otherwise) under a generation number
kept in the same cache. Any saved or deleted Site or PortalSettings, and any page moved, renamed or
deleted (a site root page's place in the tree is part of the cached site), increments it: at once,
and again after the commit, so an answer read from the old rows while the transaction was open is
stored under a number that is no longer asked for. Entries also expire after ``TIMEOUT`` seconds, the
most a process with a local-memory cache (no Redis: the embedded set-up) can lag behind a change
made in another process.

What is cached is only what Wagtail would have read itself: the Site with its root page row (as
``Site.find_for_request`` selects it) and the settings row. The root page is always read again as its
specific page when a request is routed, so its content is never served from here. A cache that
cannot be reached only means the database is asked, as before.

- ``site_for_request(request)``: the request's Site, also put where ``Site.find_for_request`` looks
  first (``request._wagtail_site``), so Wagtail's own lookups during the request make no query.
  The page-serving and sitemap views are wrapped with ``with_site`` (portal/urls.py) for that.
- ``cached_settings(model, request)``: used by ``PortalSettings.for_request`` (templates read the
  settings through it); ``for_site``, which editing uses, still reads the database.
"""

from __future__ import annotations

import functools
import hashlib
import logging

# Only ever loads what this process pickled itself (_remember).
import pickle  # nosec B403
import secrets
import time

from django.core.cache import cache
from django.db import transaction
from django.http.request import split_domain_port

logger = logging.getLogger(__name__)

GENERATION_KEY = "portal:site_lookup:generation"
KEY_FORMAT = "portal:site_lookup:{generation}:{name}"
TIMEOUT = 300


def _generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        # Random, not 0: a generation evicted or flushed restarts far from any number still stored.
        cache.add(GENERATION_KEY, secrets.randbelow(2**62), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def forget() -> None:
    """Make every cached site and setting stale, on every node sharing the cache."""
    global _forgotten
    _forgotten += 1
    _local.clear()
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no generation yet (or evicted): any fresh one is a new generation
            cache.set(GENERATION_KEY, secrets.randbelow(2**62), timeout=None)
    except Exception:
        # A cache outage must not break the save that asked; entries expire anyway.
        logger.warning("Could not invalidate the cached sites and settings", exc_info=True)


def forget_after_change(sender=None, using=None, **kwargs) -> None:
    """Signal receiver: forget now and, inside a transaction, again once it commits."""
    forget()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and not any(entry[1] is forget for entry in connection.run_on_commit):
        transaction.on_commit(forget, using=using, robust=True)


def _forget_after_settings_change(sender=None, created=False, using=None, **kwargs):
    # A settings row is created on a site's first request (for_site is get-or-create): nothing was
    # cached of a row that did not exist, so that creation leaves the cached sites alone.
    if not created:
        forget_after_change(using=using)


def _forget_after_page_delete(sender=None, instance=None, using=None, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        forget_after_change(using=using)


#: Entries of the current generations also kept in this process, pickled (every caller gets its own
#: copy, as from the shared cache): key -> (expiry on the monotonic clock, pickled entry). Keys hold
#: the generation, so a change elsewhere is seen as soon as the generation is read; the expiry is
#: the shared cache's. Hosts come from the request, so the memory is bounded.
_local: dict[str, tuple[float, bytes]] = {}
LOCAL_MAX_ENTRIES = 256


_forgotten = 0  # forget() calls in this process: a request that saved a Site reads the generation again


def _request_generation(request):
    # Read once a request (one round trip), unless this process has forgotten since.
    if request is None:
        return _generation()
    memo = getattr(request, "_portal_site_generation", None)
    if memo is None or memo[0] != _forgotten:
        memo = request._portal_site_generation = (_forgotten, _generation())
    return memo[1]


def _remember(key: str, entry: tuple) -> None:
    if len(_local) >= LOCAL_MAX_ENTRIES:
        _local.clear()
    _local[key] = (time.monotonic() + TIMEOUT, pickle.dumps(entry, pickle.HIGHEST_PROTOCOL))


def _cached(name: str, load, request=None):
    """`load()`, or what it returned before under the current generation. None is cached too."""
    try:
        key = KEY_FORMAT.format(generation=_request_generation(request), name=name)
        local = _local.get(key)
        if local is not None and local[0] > time.monotonic():
            # Pickled by this process, above.
            return pickle.loads(local[1])[0]  # noqa: S301 # nosec B301
        hit = cache.get(key)
    except Exception:
        logger.debug("Site lookup cache unreadable", exc_info=True)
        return load()
    if hit is not None:
        _remember(key, hit)
        return hit[0]
    value = load()
    try:
        cache.set(key, (value,), timeout=TIMEOUT)
        _remember(key, (value,))
    except Exception:
        logger.debug("Site lookup cache unwritable", exc_info=True)
    return value


def _host_key(request) -> str:
    # As Site._find_for_request reads them: the raw host (no ALLOWED_HOSTS check) and the port.
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    return hashlib.sha256(f"{hostname}\n{port}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def site_for_request(request):
    """The Site answering `request` (None when no site matches), as ``Site.find_for_request``."""
    from wagtail.models import Site

    if request is None:
        return None
    if not hasattr(request, "_wagtail_site"):
        request._wagtail_site = _cached(f"site:{_host_key(request)}", lambda: Site._find_for_request(request), request)
    return request._wagtail_site


def cached_settings(model, request):
    """`model.for_site()` of the request's site, from the cache; cached on the request as
    ``BaseSiteSetting.for_request`` does."""
    attr_name = model.get_cache_attr_name()
    if hasattr(request, attr_name):
        return getattr(request, attr_name)
    site = site_for_request(request)
    if site is None:
        return model.for_site(site)  # raises DoesNotExist, as Wagtail does
    instance = _cached(f"settings:{model._meta.label_lower}:{site.pk}", lambda: model.for_site(site), request)
    instance._request = request  # as for_request: page URLs in settings resolve for this request
    setattr(request, attr_name, instance)
    return instance


def with_site(view):
    """Wrap a view so the request's Site comes from the cache before Wagtail looks for it."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        site_for_request(request)
        return view(request, *args, **kwargs)

    return wrapped


def connect_signals() -> None:
    """Called from HomeConfig.ready()."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Site
    from wagtail.signals import page_slug_changed, post_page_move

    from .models import PortalSettings

    post_save.connect(forget_after_change, sender=Site, dispatch_uid="home.site_lookup:site")
    post_delete.connect(forget_after_change, sender=Site, dispatch_uid="home.site_lookup:site")
    post_save.connect(_forget_after_settings_change, sender=PortalSettings, dispatch_uid="home.site_lookup:settings")
    post_delete.connect(forget_after_change, sender=PortalSettings, dispatch_uid="home.site_lookup:settings")
    post_delete.connect(_forget_after_page_delete, dispatch_uid="home.site_lookup:page_delete")
    post_page_move.connect(forget_after_change, dispatch_uid="home.site_lookup:page_move")
    page_slug_changed.connect(forget_after_change, dispatch_uid="home.site_lookup:slug")
