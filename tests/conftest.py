from html.parser import HTMLParser

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from wagtail.models import Site

from home.demo_content import load_demo_content
from home.health import HEARTBEAT_CACHE_KEY
from home.models import PortalSettings


def _forget_cached_state():
    from home import privacy, routing, site_lookup

    if isinstance(caches["default"], LocMemCache):
        cache.clear()
    else:
        # Never flush a shared Redis; drop only what the tests write.
        cache.delete(HEARTBEAT_CACHE_KEY)
        # Sites and settings cached by an earlier test name rows its rollback removed.
        site_lookup.forget()
    # Page types remembered by routing name pages an earlier test's rollback removed.
    routing.forget()
    # A streamed response left unread never finished its request: drop its view restrictions.
    privacy.end_of_request()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The database is rolled back after each test, the cache is not: stale Wagtail site
    # paths or a heartbeat from an earlier test would leak into the next one.
    _forget_cached_state()
    yield
    _forget_cached_state()


@pytest.fixture(autouse=True)
def private_throttle_counters(monkeypatch):
    """Throttle counters of one test never meet another's, even in a shared Redis."""
    import uuid

    from reports import throttle

    monkeypatch.setattr(throttle, "_LABEL", throttle._LABEL + uuid.uuid4().bytes)


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Outside the integration tests, Celery tasks run in this process even when REDIS_URL is set, so
    no test leaves messages in the shared broker for a worker that never comes."""
    if request.node.get_closest_marker("integration") is not None:
        yield
        return
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """Client.force_login stands for a staff member who signed in with both factors: the session also
    holds a confirmed TOTP device, as /admin/2fa/verify/ leaves it (reports/two_factor.py). Tests of
    the second factor itself sign in with Client.login, the password alone."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    force_login = Client.force_login

    def force_login_with_second_factor(self, user, backend=None):
        force_login(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture
def demo(db):
    """The demo site as `make run` builds it, without the publications (tests add their own);
    returns the home page."""
    load_demo_content(publications=False)
    return Site.objects.get(is_default_site=True).root_page.specific


@pytest.fixture
def portal_settings(demo):
    return PortalSettings.for_site(Site.objects.get(is_default_site=True))


@pytest.fixture
def report_keys(settings, tmp_path):
    """A fresh keyring (with its public export) and receipt signing keys for this test."""
    from reports import crypto, keys, receipts

    keyring_path = tmp_path / "keyring"
    crypto.generate_keyring(keyring_path)
    crypto.write_public_keyring(crypto.load_keyring(keyring_path), crypto.public_keyring_path(keyring_path))
    receipt_path = tmp_path / "receipt-keys"
    receipts.generate_receipt_keys(receipt_path)
    settings.PORTAL_KEYRING = str(keyring_path)
    settings.PORTAL_RECEIPT_KEYS = str(receipt_path)
    keys.forget_loaded_keys()
    yield keyring_path
    keys.forget_loaded_keys()


class ParsedPage(HTMLParser):
    """The bits of a rendered page the tests look at: every start tag with its attributes,
    and every link with its text and the landmark it sits in."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.links: list[dict] = []
        self._open: list[str] = []
        self._link: dict | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("header", "nav", "main", "footer"):
            self._open.append(tag)
        if tag == "a":
            self._link = {**attrs, "text": "", "within": set(self._open)}

    def handle_endtag(self, tag):
        if tag in ("header", "nav", "main", "footer") and tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag)]
        if tag == "a" and self._link is not None:
            self._link["text"] = self._link["text"].strip()
            self.links.append(self._link)
            self._link = None

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def links_in(self, landmark):
        return [link for link in self.links if landmark in link["within"]]


@pytest.fixture
def parse():
    def _parse(response):
        return ParsedPage(response.content.decode())

    return _parse
