"""A multi-node deployment in processes, for the integration tests: gunicorn web nodes, a Celery
worker and beat, all on the same PostgreSQL database, Redis and media bucket; and moto's S3 server
standing in for the object storage.

Every process runs tests/node_settings.py (production settings over loopback HTTP) with an
environment built here from the test's own database and Redis. Each one writes its output to a log
file of the test's temporary directory, read back only to explain a process that did not start."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: Environment variables of this process that must not leak into a node: the nodes get theirs here.
_OWN_PREFIXES = ("DJANGO_", "PORTAL_", "DATABASE_", "REDIS_", "CACHE_", "AWS_", "SECRET_KEY", "ALLOWED_HOSTS")
#: How long a process may take to start answering.
START_SECONDS = 60

S3_ACCESS_KEY = "portal-test-access"
S3_SECRET_KEY = "portal-test-secret-key"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Object storage --------------------------------------------------------------------------------


@contextlib.contextmanager
def s3_server():
    """moto's S3 server in a thread of this process on a free loopback port; yields its URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name="us-east-1",
    )


def new_bucket(endpoint: str) -> dict[str, str]:
    """Create a bucket of its own on the server; returns the environment that points media at it."""
    bucket = f"portal-media-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=bucket)
    return {
        "PORTAL_S3_BUCKET": bucket,
        "PORTAL_S3_ENDPOINT_URL": endpoint,
        "PORTAL_S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "PORTAL_S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "PORTAL_S3_REGION": "us-east-1",
    }


def bucket_objects(media_env: dict[str, str]) -> dict[str, bytes]:
    """Every object of the bucket, key to raw bytes, as anyone holding the bucket would read them."""
    client = s3_client(media_env["PORTAL_S3_ENDPOINT_URL"])
    bucket = media_env["PORTAL_S3_BUCKET"]
    objects = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            objects[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return objects


# Environment -----------------------------------------------------------------------------------


def node_environment(
    *,
    database: str,
    redis: str,
    cache_prefix: str,
    keyring: Path,
    receipt_keys: Path,
    workdir: Path,
    queue: str,
    media: dict[str, str],
    **extra: str,
) -> dict[str, str]:
    """What every process of the deployment shares: the same database, Redis (and cache key prefix),
    keys, secrets, broker queue and bucket. One reverse proxy in front (PORTAL_PROXY_COUNT=1), so
    each test can be a client of its own through X-Forwarded-For."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_OWN_PREFIXES)}
    (workdir / "mail").mkdir(parents=True, exist_ok=True)
    (workdir / "static").mkdir(exist_ok=True)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.node_settings",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database,
        DB_CONN_MAX_AGE="0",
        REDIS_URL=redis,
        CACHE_KEY_PREFIX=cache_prefix,
        SECRET_KEY=secrets.token_urlsafe(48),
        PORTAL_CODE_PEPPER=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PORTAL_KEYRING=str(keyring),
        PORTAL_RECEIPT_KEYS=str(receipt_keys),
        PORTAL_PROXY_COUNT="1",
        PORTAL_TEST_CELERY_QUEUE=queue,
        PORTAL_TEST_EMAIL_DIR=str(workdir / "mail"),
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="ERROR",
        **media,
        **extra,
    )
    return env


# Processes -------------------------------------------------------------------------------------


class Process:
    """A child process whose output goes to ``<workdir>/<name>.log``."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], workdir: Path):
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log_tail(self, characters: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]

    def alive(self) -> bool:
        return self.process.poll() is None

    #: The signal that stops it; it stops its own children.
    stop_signal = signal.SIGTERM

    def terminate(self) -> None:
        if self.alive():
            self.process.send_signal(self.stop_signal)

    def wait_stopped(self) -> None:
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            # Its own session (start_new_session): the group holds this process and its children only.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._log.close()

    def stop(self) -> None:
        self.terminate()
        self.wait_stopped()


class WebNode(Process):
    """gunicorn with 2 sync workers on a free loopback port, as bench/run.py starts it. The application
    is loaded once before the workers fork (--preload), which halves the start on a busy machine."""

    # Quick shutdown: the test is over, no request is left to finish (SIGTERM waits seconds for idle
    # workers).
    stop_signal = signal.SIGINT

    def __init__(self, name: str, env: dict[str, str], workdir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [str(BIN / "gunicorn"), "portal.wsgi:application", "-w", "2", "-k", "sync"]
        command += ["-b", f"127.0.0.1:{self.port}", "--timeout", "120", "--preload"]
        # gunicorn 27 opens a control socket at one fixed path per user: two nodes (or any other
        # gunicorn of this user) would take it from each other.
        command += ["--no-control-socket"]
        super().__init__(name, command, env, workdir)

    def wait_healthy(self) -> WebNode:
        """Until /healthz answers 200 (database, cache and broker reachable)."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if not self.alive():
                break
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"web node {self.name} did not become healthy:\n{self.log_tail()}")


def celery_worker(env: dict[str, str], workdir: Path) -> Process:
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo"]
    command += ["--queues", env["PORTAL_TEST_CELERY_QUEUE"], "--without-gossip", "--without-mingle"]
    command += ["--without-heartbeat", "--loglevel=WARNING"]
    return Process("worker", command, env, workdir)


def celery_beat(env: dict[str, str], workdir: Path) -> Process:
    # Its schedule file in the test's directory, not the checkout.
    command = [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel=WARNING"]
    command += ["--schedule", str(workdir / "beat-schedule")]
    return Process("beat", command, env, workdir)


@dataclass
class Deployment:
    a: WebNode
    b: WebNode
    worker: Process
    beat: Process
    env: dict[str, str]
    workdir: Path
    media: dict[str, str]

    @property
    def outbox(self) -> Path:
        return self.workdir / "mail"

    def processes(self) -> list[Process]:
        return [self.a, self.b, self.worker, self.beat]


@contextlib.contextmanager
def deployment(env: dict[str, str], workdir: Path, media: dict[str, str]):
    """Two web nodes (A and B), a worker and beat on ``env`` (whose bucket is ``media``); stopped when
    the block ends."""
    started: list[Process] = []
    try:
        started.append(celery_worker(env, workdir))
        started.append(celery_beat(env, workdir))
        a = WebNode("node-a", env, workdir)
        started.append(a)
        b = WebNode("node-b", env, workdir)
        started.append(b)
        a.wait_healthy()
        b.wait_healthy()
        yield Deployment(a=a, b=b, worker=started[0], beat=started[1], env=env, workdir=workdir, media=media)
    finally:
        # All at once: each takes a few seconds to finish what it is doing.
        for process in started:
            process.terminate()
        for process in started:
            process.wait_stopped()


def wait_for(condition, seconds: float = 60, interval: float = 0.5, what: str = "the condition"):
    """Poll ``condition()`` until it returns something true, which is returned; fail after ``seconds``
    (a bound against hanging, not a speed requirement)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {seconds} s")
        time.sleep(interval)
