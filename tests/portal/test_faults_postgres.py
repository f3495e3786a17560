"""PostgreSQL connections dropped: a real gunicorn (two workers, persistent connections with health
checks) reaches the test database only through a TCP proxy this test owns (tests/tcp_proxy.py), which
cuts every connection and refuses new ones, or drops one connection exactly at a submission's COMMIT.
The machine's PostgreSQL is never touched.

Readers get a clean 503 page in Chinese, a reporter is told the report was NOT received, nothing of a
submission that did not commit is stored, sending the same form again never files it twice, and the
same gunicorn answers 200 again as soon as the proxy lets connections through."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from disclosures.models import ViolationCategory
from reports import intake
from reports.models import EvidenceFile, Report, ReportCounter

from ..reports.test_evidence import photo
from ..tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.shared_database, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60
CODE_PATTERN = re.compile(r'id="tracking-code"[^>]*>([0-9A-Z-]+)<')
#: What PostgreSQL's COMMIT looks like on the wire (query text, NUL-terminated).
COMMIT = b"COMMIT\x00"
PARTY_NAME = "临翔区某某诊所（故障测试）"
DESCRIPTION = "医生让病人多开药，再把多开的药回收卖掉。故障测试专用描述。"


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


class Gunicorn:
    """`gunicorn portal.wsgi` in a process of its own; stopped at the end of the block."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int):
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--log-level",
                "info",
                # Not the shared default under $HOME, which another gunicorn would also claim.
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self.url = self._wait_until_listening()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_until_listening(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            match = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", self.log())
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.log()[-3000:]}")

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=30, allow_redirects=False, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(self.url + path, timeout=30, allow_redirects=False, **kwargs)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture
def proxy(transactional_db):
    db = connection.settings_dict
    assert db["ENGINE"].endswith("postgresql") and not (db.get("HOST") or "").startswith("/"), (
        "the proxy forwards TCP: DATABASE_URL must name a host and port"
    )
    with TcpProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))) as tcp_proxy:
        yield tcp_proxy


@pytest.fixture
def portal(request, proxy, demo, report_keys, settings, tmp_path):
    """gunicorn on the test database through the proxy, two workers unless the test asks for another
    number (indirect parametrisation). Requested after the database fixture, so it stops before the
    tables are emptied."""
    db = connection.settings_dict
    cache_prefix = f"portal-test-faults-{secrets.token_hex(6)}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}",
        # Persistent connections, as in production: the portal must notice by itself that they broke.
        "DB_CONN_MAX_AGE": "600",
        "PORTAL_KEYRING": str(report_keys),
        "PORTAL_RECEIPT_KEYS": str(settings.PORTAL_RECEIPT_KEYS),
        # The broker is not what this test breaks; memory:// keeps its messages out of the shared Redis.
        "CELERY_BROKER_URL": "memory://",
        # Cache keys of its own: its submission counters for 127.0.0.1 meet no other run's, and its
        # pages start uncached.
        "CACHE_KEY_PREFIX": cache_prefix,
        "LOG_LEVEL": "WARNING",
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    server = Gunicorn(env, tmp_path / "gunicorn.log", workers=getattr(request, "param", 2))
    try:
        wait_until_healthy(server)
        yield server
    finally:
        server.stop()
        # Only this server's keys: the Redis is shared.
        shared = redis.Redis.from_url(settings.REDIS_URL)
        for key in shared.scan_iter(match=f"{cache_prefix}:*", count=1000):
            shared.delete(key)


def wait_until_healthy(server: Gunicorn) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if server.get("/healthz").status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"gunicorn never became healthy:\n{server.log()[-3000:]}")


def report_form(token: str | None = None) -> dict:
    return {
        "data": {
            "party_type": "institution",
            "party_name": PARTY_NAME,
            "region": "临翔区",
            "categories": [str(ViolationCategory.objects.get(slug="drug-reselling").pk)],
            "description": DESCRIPTION,
            "identity_mode": "anonymous",
            "intake_token": token or intake.new_intake_token(),
        },
        "files": [("evidence", ("现场照片.jpg", photo(), "image/jpeg"))],
    }


def assert_clean_503(response: requests.Response) -> str:
    body = response.content.decode()
    assert response.status_code == 503, body[:500]
    assert int(response.headers["Retry-After"]) > 0
    assert "no-store" in response.headers["Cache-Control"]
    assert "服务暂时不可用" in body and "12393" in body
    assert "Traceback" not in body and "OperationalError" not in body
    return body


def assert_not_received(response: requests.Response) -> None:
    body = assert_clean_503(response)
    assert zh("Your report was NOT received.") in body
    assert 'id="tracking-code"' not in body


def test_with_postgresql_unreachable_pages_and_the_report_form_answer_503_and_the_portal_recovers(portal, proxy):
    first = portal.get("/about/")
    assert first.status_code == 200 and first.headers.get("X-Cache") == "MISS"
    for _ in range(4):  # both workers now hold a persistent connection through the proxy
        assert portal.get("/healthz").status_code == 200
    connections_before = proxy.accepted

    proxy.cut()
    for path in ("/", "/how-to-report/", "/search/?q=挂床", "/report/", "/no-such-page/"):
        assert_clean_503(portal.get(path))
    assert portal.get("/healthz").json()["checks"]["database"]["ok"] is False
    # A page read before the outage is still served from the shared page cache.
    cached = portal.get("/about/")
    assert cached.status_code == 200 and cached.headers.get("X-Cache") == "HIT"

    form = report_form()
    assert_not_received(portal.post("/report/", **form))
    assert Report.objects.count() == 0 and EvidenceFile.objects.count() == 0

    proxy.restore()
    # The same gunicorn, never restarted, reconnects on its own: every request succeeds.
    for path in ("/", "/how-to-report/", "/search/?q=挂床", "/report/") * 2:
        assert portal.get(path).status_code == 200, path
    assert portal.process.poll() is None
    assert proxy.accepted > connections_before

    sent = portal.post("/report/", **form)
    assert sent.status_code == 200
    code = CODE_PATTERN.search(sent.content.decode()).group(1)
    report = Report.objects.get()
    assert report.number.endswith("-000001"), "the failed attempt took no number"
    opened = intake.open_with_code(code)
    assert opened.content["description"] == DESCRIPTION and len(opened.evidence) == 1

    log = portal.log()
    assert re.search(r"Database unavailable \(OperationalError, SQLSTATE [0-9A-Z-]+\): answered 503\.", log)
    for secret in (PARTY_NAME, DESCRIPTION, code, form["data"]["intake_token"]):
        assert secret not in log


def test_connections_dropped_between_requests_cost_no_reader_an_error(portal, proxy):
    for _ in range(6):  # through both workers, most likely: each keeps its connection
        assert portal.get("/healthz").status_code == 200
    # PostgreSQL restarted while nobody was asking: every persistent connection is dead.
    proxy.cut()
    proxy.restore()
    # Each worker checks its connection before reusing it and reconnects: no reader sees an error.
    for path in ("/how-to-report/", "/", "/report/") * 3:
        assert portal.get(path).status_code == 200, path


#: One worker: the process whose transaction broke is the one that takes the retry.
ONE_WORKER = pytest.mark.parametrize("portal", [1], indirect=True, ids=["one-worker"])


@ONE_WORKER
def test_a_submission_whose_commit_never_reaches_postgresql_stores_nothing(portal, proxy):
    form = report_form()
    trap = proxy.drop_at(COMMIT, deliver=False)
    assert_not_received(portal.post("/report/", **form))
    assert trap.fired.is_set()
    # Atomic: no report, no file, no number used.
    assert Report.objects.count() == 0 and EvidenceFile.objects.count() == 0
    assert list(ReportCounter.objects.values_list("last", flat=True)) == []

    # The reporter does as told and sends the form again: it is received, with the first number.
    sent = portal.post("/report/", **form)
    assert sent.status_code == 200
    report = Report.objects.get()
    assert report.number.endswith("-000001") and report.evidence.count() == 1
    assert report.number in sent.content.decode()


@ONE_WORKER
def test_a_submission_committed_but_not_confirmed_is_not_filed_twice_when_sent_again(portal, proxy):
    form = report_form()
    trap = proxy.drop_at(COMMIT, deliver=True)
    assert_not_received(portal.post("/report/", **form))
    assert trap.fired.is_set()
    # PostgreSQL did commit: only the answer was lost on the way back.
    stored = Report.objects.get()

    again = portal.post("/report/", **form)
    assert again.status_code == 200
    code = CODE_PATTERN.search(again.content.decode()).group(1)
    assert Report.objects.count() == 1 and stored.number in again.content.decode()
    assert intake.open_with_code(code).report.pk == stored.pk
