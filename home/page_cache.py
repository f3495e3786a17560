"""Anonymous public pages served from Django's default cache, purged by a shared generation number.

``PageCacheMiddleware`` answers anonymous GET and HEAD requests for public pages from the default cache
(Redis when ``REDIS_URL`` is set, so every web node shares it; local memory otherwise) and stores the
eligible responses of GET requests for ``PORTAL_PAGE_CACHE_SECONDS`` (0 turns it off).

Keys hold the publication generation, a number kept in the same cache: ``purge()`` increments it, so
every node misses at once and the old entries simply expire. Any saved or deleted row of the apps
public pages are built from (``WATCHED_APPS``), Wagtail's publish, unpublish and move signals, and
``migrate`` call ``purge()``. Inside a transaction it runs twice: at once, and again after the commit,
so a page rendered from the old rows while the transaction was open cannot stay under the new number.

A request is looked up only when it is anonymous beyond doubt: GET/HEAD, no session cookie nor any other
cookie that could change the page (only the CSRF cookie and the elder-mode cookie are allowed, the latter
being part of the key), no Authorization header, and a path outside the report channel, the admin,
``/healthz``, documents, static and media files. ``/search/`` is cached only without a query.

A response is stored only when it came from such a GET with status 200, is not streamed, sets no cookie
(a page with a CSRF token always sets one: Django re-sends the cookie whenever ``get_token`` is used,
and the body is checked for a token as well), says nothing of ``private``, ``no-store`` or ``no-cache``,
varies on nothing but ``Cookie`` (and is not content-encoded), is not a preview, is at most
``MAX_BODY_BYTES`` and fits the generation's ``STORE_BUDGET_BYTES``.

Served pages say ``Cache-Control: max-age=0``: the purge reaches this cache only, so no reverse proxy
or browser may keep a copy. ``X-Cache`` says ``HIT`` or ``MISS`` on every request that was looked up.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import cc_delim_re, patch_cache_control
from wagtail import signals as wagtail_signals

from .elder import COOKIE_NAME as ELDER_COOKIE_NAME
from .elder import is_elder_mode

logger = logging.getLogger(__name__)

GENERATION_KEY = "page_cache:generation"
KEY_FORMAT = "page_cache:v1:{generation}:{digest}"
BUDGET_KEY_FORMAT = "page_cache:v1:{generation}:stored-bytes"

#: Never looked up nor stored, whatever the response says. Matched as a whole path segment, so
#: ``/report/…`` is excluded and a page at ``/reporting-guide/`` is not.
EXCLUDED_PATHS = ("/report", "/admin", "/django-admin", "/healthz", "/documents", "/elder-mode")
#: Search results are not cached: queries are free text (an endless key space) that readers fill with
#: hospital names and illnesses, and the results page repeats the query; keeping it in a shared cache
#: would store what the portal promises never to store. The empty search page is cached.
SEARCH_PATH = "/search/"
#: Longer query strings are passed through: no legitimate filter comes near it.
MAX_QUERY_STRING = 1024
#: Larger bodies (big exports) are not stored.
MAX_BODY_BYTES = 1024 * 1024
#: Bytes of pages stored per generation and PORTAL_PAGE_CACHE_SECONDS window. Query strings make the
#: key space endless (a page ignores a parameter it does not know, /cases/?x=1, ?x=2, … all render);
#: past the budget new variants are served uncached until the window ends or a purge starts a new
#: generation. The cache shares Redis with the Celery broker: its memory must stay bounded.
STORE_BUDGET_BYTES = 256 * 1024 * 1024
#: Response Vary headers the key already accounts for: cookies (only harmless ones reach a lookup)
#: and Accept-Encoding as long as the body is not encoded.
HANDLED_VARY = frozenset({"cookie", "accept-encoding"})
REFUSING_CACHE_CONTROL = frozenset({"private", "no-store", "no-cache"})
CSRF_FORM_FIELD = b'name="csrfmiddlewaretoken"'


def enabled() -> bool:
    return getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 0) > 0


def _default_cache():
    return caches["default"]


# Generation ---------------------------------------------------------------------------------------


def _fresh_generation() -> int:
    # Random, not 0: if the key is ever evicted or flushed, counting restarts far from any number
    # whose entries may still be in the cache.
    return secrets.randbelow(2**62)


def generation(cache=None) -> int | None:
    """The current publication generation, created if missing; None when the cache has none."""
    cache = _default_cache() if cache is None else cache
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def purge(cache=None) -> None:
    """Make every cached page stale on every node: start a new generation."""
    cache = _default_cache() if cache is None else cache
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no generation yet (or evicted): any fresh one is a new generation
            cache.set(GENERATION_KEY, _fresh_generation(), timeout=None)
    except Exception:
        # Never let a cache outage break the save that asked for the purge; entries expire anyway.
        logger.warning("Could not purge the page cache", exc_info=True)


# Keys ---------------------------------------------------------------------------------------------


def normalised_query(request) -> str:
    """The query string as the view reads it: parameters sorted by name, repeated values kept in
    their order, one spelling of each character."""
    pairs = [(name, value) for name, values in request.GET.lists() for value in values]
    pairs.sort(key=lambda pair: pair[0])
    return urlencode(pairs)


def cache_key(request, gen: int) -> str:
    parts = (
        request.scheme,
        request.get_host(),
        request.path,
        normalised_query(request),
        translation.get_language() or "",
        "elder" if is_elder_mode(request) else "",
    )
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return KEY_FORMAT.format(generation=gen, digest=digest)


# Eligibility --------------------------------------------------------------------------------------


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _harmless_cookies() -> frozenset[str]:
    # The CSRF cookie changes nothing on a cacheable page (a page that uses the token sets the cookie
    # and is never stored); elder mode is part of the key. Any other cookie (session, messages,
    # language, whatever a future feature reads) sends the request past the cache.
    return frozenset({settings.CSRF_COOKIE_NAME, ELDER_COOKIE_NAME})


def request_is_eligible(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    if not set(request.COOKIES) <= _harmless_cookies():
        return False
    path = request.path_info
    if any(_under(path, prefix) for prefix in EXCLUDED_PATHS):
        return False
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and url.startswith("/") and path.startswith(url):
            return False
    query = request.META.get("QUERY_STRING", "")
    if len(query) > MAX_QUERY_STRING:
        return False
    return not (path == SEARCH_PATH and query)


def _vary_is_handled(response) -> bool:
    if not response.has_header("Vary"):
        return True
    varied = {header.strip().lower() for header in cc_delim_re.split(response["Vary"]) if header.strip()}
    if not varied <= HANDLED_VARY:
        return False
    return not ("accept-encoding" in varied and response.has_header("Content-Encoding"))


def response_is_storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if response.cookies or response.has_header("Set-Cookie"):
        return False
    if response.has_header("Cache-Control"):
        directives = {d.split("=", 1)[0].strip().lower() for d in cc_delim_re.split(response["Cache-Control"])}
        if directives & REFUSING_CACHE_CONTROL:
            return False
    if not _vary_is_handled(response):
        return False
    if getattr(request, "is_preview", False):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    if len(response.content) > MAX_BODY_BYTES:
        return False
    # Belt and braces: a per-visitor CSRF token must never be shared, even if a view managed to put
    # one in the page without the cookie.
    return CSRF_FORM_FIELD not in response.content


# Middleware ---------------------------------------------------------------------------------------


class PageCacheMiddleware:
    """Place it right after WhiteNoise, before the session middleware: a hit then skips sessions,
    CSRF, authentication and the rest, and what is stored already carries their headers."""

    def __init__(self, get_response, cache=None):
        self.get_response = get_response
        self._cache = cache  # a fixed cache object (tests of several nodes); default: caches["default"]

    def __call__(self, request):
        if not enabled() or not request_is_eligible(request):
            return self.get_response(request)
        cache = _default_cache() if self._cache is None else self._cache
        try:
            gen = generation(cache)
            key = None if gen is None else cache_key(request, gen)
            entry = None if key is None else cache.get(key)
        except Exception:
            # An unreadable cache, a host Django refuses, a malformed query: let the view answer.
            logger.debug("Page cache lookup skipped", exc_info=True)
            return self.get_response(request)
        if entry is not None:
            return self._from_entry(entry)

        response = self.get_response(request)
        if response_is_storable(request, response):
            self._mark_public(response)
            if request.method == "GET" and key is not None:
                self._store(cache, gen, key, response)
        response["X-Cache"] = "MISS"
        return response

    @staticmethod
    def _mark_public(response) -> None:
        # The purge reaches this cache only, not a reverse proxy's nor a browser's: they must ask
        # again every time, or a published change would not show at once.
        patch_cache_control(response, max_age=0)
        if "s-maxage" in response.get("Cache-Control", ""):
            patch_cache_control(response, s_maxage=0)

    @staticmethod
    def _store(cache, gen: int, key: str, response) -> None:
        headers = [(name, value) for name, value in response.items() if name.lower() != "x-cache"]
        entry = {"status": response.status_code, "headers": headers, "content": response.content}
        seconds = settings.PORTAL_PAGE_CACHE_SECONDS
        try:
            budget_key = BUDGET_KEY_FORMAT.format(generation=gen)
            cache.add(budget_key, 0, timeout=seconds)
            if cache.incr(budget_key, len(response.content)) > STORE_BUDGET_BYTES:
                return
            cache.set(key, entry, timeout=seconds)
        except Exception:
            logger.warning("Could not store a page in the page cache", exc_info=True)

    @staticmethod
    def _from_entry(entry) -> HttpResponse:
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response["X-Cache"] = "HIT"
        return response


# Invalidation -------------------------------------------------------------------------------------

#: Public pages are built from the rows of these apps: pages and their inline rows, snippets and
#: vocabularies, site settings, the inspection directories and draws, sites, view restrictions,
#: images, documents, redirects, embeds, tags. A save or delete of any of them purges.
WATCHED_APPS = frozenset(
    {
        "home",
        "disclosures",
        "wagtailcore",
        "wagtailimages",
        "wagtaildocs",
        "wagtailredirects",
        "wagtailembeds",
        "taggit",
    }
)
#: Rows of those apps that no public page shows, written often without any public change (logs,
#: moderation state, editors' comments, renditions made while a page renders).
IGNORED_MODELS = frozenset(
    {
        "wagtailcore.pagelogentry",
        "wagtailcore.modellogentry",
        "wagtailcore.referenceindex",
        "wagtailcore.taskstate",
        "wagtailcore.workflowstate",
        "wagtailcore.comment",
        "wagtailcore.commentreply",
        "wagtailcore.pagesubscription",
        "wagtailcore.uploadedfile",
        "wagtailimages.rendition",
    }
)
WAGTAIL_SIGNALS = (
    wagtail_signals.page_published,
    wagtail_signals.page_unpublished,
    wagtail_signals.post_page_move,
    wagtail_signals.page_slug_changed,
    wagtail_signals.published,
    wagtail_signals.unpublished,
)


def watched_models():
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in WATCHED_APPS and model._meta.label_lower not in IGNORED_MODELS:
            yield model


def purge_after_change(sender=None, using=None, **kwargs) -> None:
    """Purge now and, inside a transaction, again once it commits."""
    purge()
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    # One purge after the commit is enough, however many rows the transaction saves. The callback
    # this module registered last is remembered by position and identity, so the check costs the same
    # for 10,000 saves; a rolled-back savepoint drops it from the list, and the next change adds it again.
    pending = connection.run_on_commit
    mark = getattr(connection, "_page_cache_purge", None)
    if mark is not None and mark[0] < len(pending) and pending[mark[0]] is mark[1]:
        return
    transaction.on_commit(purge, using=using, robust=True)
    pending = connection.run_on_commit
    connection._page_cache_purge = (len(pending) - 1, pending[-1])


def _purge_on_migrate(sender=None, **kwargs) -> None:
    # Data migrations save through historical models, which send no signal to the receivers above.
    purge()


def _purge_on_setting_change(**kwargs) -> None:
    # Settings change at run time only in tests; a page rendered under the old value must not stay.
    purge()


def connect_signals() -> None:
    """Called from HomeConfig.ready(), once every model is loaded."""
    for model in watched_models():
        uid = f"home.page_cache:{model._meta.label_lower}"
        post_save.connect(purge_after_change, sender=model, dispatch_uid=uid)
        post_delete.connect(purge_after_change, sender=model, dispatch_uid=uid)
        m2m_changed.connect(purge_after_change, sender=model, dispatch_uid=uid)
    for index, signal in enumerate(WAGTAIL_SIGNALS):
        signal.connect(purge_after_change, dispatch_uid=f"home.page_cache:wagtail:{index}")
    post_migrate.connect(_purge_on_migrate, dispatch_uid="home.page_cache:migrate")
    setting_changed.connect(_purge_on_setting_change, dispatch_uid="home.page_cache:settings")
