"""Two gunicorn web nodes, a Celery worker and beat, sharing nothing but PostgreSQL, Redis and the
media bucket (tests/nodes.py, production settings over loopback HTTP): a report sent to node A is read
by staff on node B, a page published on node A is not served stale by node B, the per-client limits
count across both, and beat's sweep reaches the worker through the shared broker.

Everything is done over HTTP as browsers do it (forms, CSRF tokens, password and TOTP sign-in); the
test process only prepares rows and reads the outcome from the shared database, Redis and bucket."""

import email
import email.policy
import io
import re
import secrets
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.models import Group
from django.db import connection
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.models import Collection
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from home.demo_content import load_demo_content
from home.models import StandardPage
from reports import codes, crypto, intake, keys, receipts, staff, tasks
from reports.models import Report
from tests.celery_worker import database_url, new_queue
from tests.factories import StandardPageFactory
from tests.nodes import bucket_objects, deployment, new_bucket, node_environment, s3_server, wait_for
from tests.reports.builders import make_submission, photo

pytestmark = [pytest.mark.integration, pytest.mark.shared_database, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-staff-password-for-nodes"
#: Per-client limits of the deployment: a few submissions, the default five failed lookups.
SUBMISSIONS_PER_HOUR = 3
LOOKUP_FAILURES = 5

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
INTAKE_TOKEN = re.compile(r'name="intake_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="intake_token"')
CATEGORY = re.compile(r'name="categories"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="categories"')
REGION_SELECT = re.compile(r'<select[^>]*name="region"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]+)"')
TRACKING_CODE = re.compile(r'id="tracking-code"[^>]*>([0-9A-Z-]+)<')
REPORT_NUMBER = re.compile(r"<strong>(\d{4}-\d{6})</strong>")


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def node_keys(tmp_path_factory):
    """The keyring (with its public export) and receipt keys every process of the deployment reads."""
    directory = tmp_path_factory.mktemp("keys")
    keyring = directory / "keyring"
    crypto.generate_keyring(keyring)
    crypto.write_public_keyring(crypto.load_keyring(keyring), crypto.public_keyring_path(keyring))
    receipts.generate_receipt_keys(directory / "receipt-keys")
    return keyring, directory / "receipt-keys"


@pytest.fixture
def site(transactional_db, node_keys, settings):
    """The demo site, staff groups and root collection again (transactional tests empty the
    database), and this process on the nodes' keys."""
    settings.PORTAL_KEYRING, settings.PORTAL_RECEIPT_KEYS = map(str, node_keys)
    keys.forget_loaded_keys()
    load_demo_content(publications=False)
    staff.ensure_staff_groups()
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    yield
    keys.forget_loaded_keys()


@pytest.fixture
def cluster(site, node_keys, s3_endpoint, tmp_path):
    """A fresh deployment for each test: the processes would otherwise keep ids (content types, pages)
    of rows the previous test's flush removed. Requested after the database, so it stops before the
    tables are emptied."""
    keyring, receipt_keys = node_keys
    media = new_bucket(s3_endpoint)
    env = node_environment(
        database=database_url(connection.settings_dict),
        redis=settings.REDIS_URL,
        # The test process's own prefix: its saves purge what the nodes cache, as a third node's would.
        cache_prefix=settings.CACHES["default"]["KEY_PREFIX"],
        keyring=keyring,
        receipt_keys=receipt_keys,
        workdir=tmp_path,
        queue=new_queue("test-nodes"),
        media=media,
        PORTAL_SUBMISSIONS_PER_HOUR=str(SUBMISSIONS_PER_HOUR),
        PORTAL_LOOKUP_MAX_FAILURES=str(LOOKUP_FAILURES),
        PORTAL_INTAKE_NOTIFY_EMAILS="intake@bureau.example",
        PORTAL_TEST_BEAT_SECONDS="2",
    )
    with deployment(env, tmp_path, media) as running:
        yield running


# Browsers ------------------------------------------------------------------------------------------


def client_address() -> str:
    """An address of this test's own (the nodes trust one proxy's X-Forwarded-For): no counter of
    an earlier test or run is shared with it."""
    return "10." + ".".join(str(secrets.randbelow(256)) for _ in range(3))


class Browser:
    """One visitor with a cookie jar, behind the proxy at ``address``."""

    def __init__(self, address: str | None = None):
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = address or client_address()

    def get(self, node, path, **kwargs):
        return self.session.get(node.base + path, timeout=60, **kwargs)

    def post(self, node, path, **kwargs):
        return self.session.post(node.base + path, timeout=120, **kwargs)

    def form(self, node, path) -> str:
        """The CSRF token of the form at ``path``."""
        page = self.get(node, path)
        assert page.status_code == 200, page.status_code
        return CSRF.search(page.text).group(1)


def staff_member(username, *, group=None, superuser=False):
    """A staff account with an authenticator, its password hashed as the nodes hash them (Argon2)."""
    model = get_user_model()
    user = model.objects.create_superuser(username) if superuser else model.objects.create_user(username)
    hasher = Argon2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save()
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(browser: Browser, node, user, device) -> None:
    """Password, then the six-digit code, through the admin's own forms."""
    token = browser.form(node, "/admin/login/")
    answer = browser.post(
        node,
        "/admin/login/",
        data={"username": user.username, "password": PASSWORD, "next": "/admin/", "csrfmiddlewaretoken": token},
    )
    assert "/admin/2fa/verify/" in answer.url, "staff must pass the second factor"
    token = CSRF.search(answer.text).group(1)
    verified = browser.session.post(
        answer.url, data={"otp_token": f"{totp(device.bin_key):06d}", "csrfmiddlewaretoken": token}, timeout=60
    )
    assert verified.status_code == 200 and verified.url.endswith("/admin/"), verified.url


def _first(match):
    return next(group for group in match.groups() if group)


def send_report(browser: Browser, node, description: str, evidence: bytes | None = None):
    """Open the form on ``node`` and send it; returns the answer."""
    form = browser.get(node, "/report/").text
    regions = [value for value in OPTION.findall(REGION_SELECT.search(form).group(1)) if value]
    data = {
        "party_type": "institution",
        "party_name": "某县人民医院",
        "region": regions[0],
        "categories": [_first(CATEGORY.search(form))],
        "occurred_on": "2026-10-08",
        "amount": "4800",
        "description": description,
        "identity_mode": "anonymous",
        "intake_token": _first(INTAKE_TOKEN.search(form)),
    }
    files = {"evidence": ("病房.jpg", evidence, "image/jpeg")} if evidence else None
    return browser.post(node, "/report/", data=data, files=files)


def mail_subjects(outbox) -> list[str]:
    subjects = []
    for path in sorted(outbox.iterdir()):
        for raw in path.read_bytes().split(b"-" * 79 + b"\n"):
            if raw.strip():
                subjects.append(str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"]))
    return subjects


# Tests -----------------------------------------------------------------------------------------------


def test_a_report_sent_to_node_a_is_read_by_staff_on_node_b(cluster):
    officer, device = staff_member("shouli", group=staff.INTAKE_GROUP)
    description = "住院部多名病人白天不在病房，夜间回来签字，怀疑挂床住院。"
    evidence = photo(size=(120, 90))

    reporter = Browser()
    answer = send_report(reporter, cluster.a, description, evidence)
    assert answer.status_code == 200
    code_match, number_match = TRACKING_CODE.search(answer.text), REPORT_NUMBER.search(answer.text)
    assert code_match is not None and number_match is not None, "the result page shows the code and number"
    code, number = code_match.group(1), number_match.group(1)

    # Node A queued the notice after commit; the worker, on the same broker, sent it.
    report = wait_for(
        lambda: Report.objects.filter(number=number, processed_at__isnull=False).first(), what="the intake notice"
    )
    assert any(number in subject for subject in mail_subjects(cluster.outbox))

    officer_browser = Browser()
    sign_in(officer_browser, cluster.b, officer, device)
    assert number in officer_browser.get(cluster.b, "/admin/cases/").text
    case = officer_browser.get(cluster.b, f"/admin/cases/{report.pk}/")
    assert case.status_code == 200 and description in case.text
    [evidence_url] = set(re.findall(rf"/admin/cases/{report.pk}/evidence/[0-9a-f-]{{36}}/", case.text))
    served = officer_browser.get(cluster.b, evidence_url)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(served.content)).size == (120, 90)

    # The reporter, with the code, follows the report on node B too.
    status = reporter.post(cluster.b, "/report/status/", data={"code": code})
    # Checked apart, so that a failure never prints the page (it repeats the code in its forms).
    opened = status.status_code == 200 and f"举报 {number}" in status.text
    assert opened, "node B opens the report with its code"
    # Nothing of it went to the shared bucket: evidence is sealed in the database.
    assert bucket_objects(cluster.media) == {}


def test_a_page_published_on_node_a_replaces_node_bs_cached_copy(cluster):
    page = StandardPageFactory(slug="hotline-notice", title="举报电话公告", intro="旧的说明")
    admin, device = staff_member("ops", superuser=True)
    reader = Browser()

    editor = Browser()
    sign_in(editor, cluster.a, admin, device)
    # A document uploaded on node A, to the shared bucket.
    uploaded = editor.post(
        cluster.a,
        "/admin/documents/add/",
        data={
            "title": "公告原文",
            "collection": str(Collection.get_first_root_node().pk),
            "csrfmiddlewaretoken": editor.form(cluster.a, "/admin/documents/add/"),
        },
        files={"file": ("notice.txt", "举报电话：12393。".encode(), "text/plain")},
    )
    assert uploaded.status_code == 200
    document = get_document_model().objects.get(title="公告原文")
    assert bucket_objects(cluster.media)[document.file.name] == "举报电话：12393。".encode()

    # Both nodes hold the live page in the shared page cache.
    for node in (cluster.b, cluster.a):
        first, again = reader.get(node, "/hotline-notice/"), reader.get(node, "/hotline-notice/")
        assert first.status_code == 200 and "旧的说明" in again.text
        assert again.headers["X-Cache"] == "HIT"

    body = f'<p>详见<a linktype="document" id="{document.pk}">公告原文</a>。</p>'
    published = editor.post(
        cluster.a,
        f"/admin/pages/{page.pk}/edit/",
        data={
            **nested_form_data(
                {
                    "title": "举报电话公告",
                    "slug": "hotline-notice",
                    "intro": "新的说明",
                    "body": streamfield([("paragraph", rich_text(body))]),
                    "comments": inline_formset([]),
                }
            ),
            "action-publish": "1",
            "csrfmiddlewaretoken": editor.form(cluster.a, f"/admin/pages/{page.pk}/edit/"),
        },
    )
    assert published.status_code == 200
    assert StandardPage.objects.get(pk=page.pk).intro == "新的说明"

    fresh = {node.name: reader.get(node, "/hotline-notice/") for node in (cluster.b, cluster.a)}
    for answer in fresh.values():
        assert "新的说明" in answer.text and "旧的说明" not in answer.text
        assert answer.headers["X-Cache"] == "MISS"
    # Node B links the document node A uploaded, from the same bucket.
    [link] = set(re.findall(r'href="(/documents/\d+/[^"]+)"', fresh[cluster.b.name].text))
    sent_on = reader.get(cluster.b, link, allow_redirects=False)
    assert sent_on.status_code == 302
    assert sent_on.headers["Location"].startswith(
        f"{cluster.media['PORTAL_S3_ENDPOINT_URL']}/{cluster.media['PORTAL_S3_BUCKET']}/"
    )
    assert requests.get(sent_on.headers["Location"], timeout=30).content == "举报电话：12393。".encode()


def test_the_per_client_limits_count_requests_to_both_nodes(cluster):
    guesser = Browser()
    unknown = [codes.format_code(codes.generate_code()) for _ in range(LOOKUP_FAILURES)]
    answers = [
        guesser.post(node, "/report/status/", data={"code": code}).status_code
        for node, code in zip([cluster.a, cluster.b] * LOOKUP_FAILURES, unknown, strict=False)
    ]
    assert answers == [404] * LOOKUP_FAILURES
    one_more = codes.format_code(codes.generate_code())
    assert guesser.post(cluster.a, "/report/status/", data={"code": one_more}).status_code == 429
    assert guesser.post(cluster.b, "/report/status/", data={"code": one_more}).status_code == 429
    # Another client is not held back.
    assert Browser().post(cluster.a, "/report/status/", data={"code": one_more}).status_code == 404

    sender = Browser()
    sent = [
        send_report(sender, node, f"第{n}份举报：药房回收医保药品再次销售。").status_code
        for n, node in enumerate([cluster.a, cluster.b, cluster.a][:SUBMISSIONS_PER_HOUR])
    ]
    assert sent == [200] * SUBMISSIONS_PER_HOUR
    refused = send_report(sender, cluster.b, "再一份举报。")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert Report.objects.count() == SUBMISSIONS_PER_HOUR


def test_beat_schedules_the_sweep_and_the_heartbeat_on_the_shared_broker(cluster, monkeypatch):
    # A report whose own task was lost (queued while the broker was away), well past the grace time.
    monkeypatch.setattr(tasks, "queue_processing", lambda report_id: None)
    lost = intake.submit(make_submission()).report
    Report.objects.filter(pk=lost.pk).update(received_at=lost.received_at - timedelta(minutes=10))
    assert Report.objects.get(pk=lost.pk).processed_at is None

    # Only beat sends the sweep, and only the worker runs it.
    wait_for(lambda: Report.objects.filter(pk=lost.pk, processed_at__isnull=False).exists(), what="the sweep")
    assert any(lost.number in subject for subject in mail_subjects(cluster.outbox))
    health = wait_for(
        lambda: (
            (body := requests.get(cluster.b.base + "/healthz", timeout=30).json())["worker_heartbeat_age_seconds"]
            is not None
            and body
        ),
        what="the worker's heartbeat",
    )
    assert health["checks"]["broker"] == {"ok": True, "detail": "ok"}
