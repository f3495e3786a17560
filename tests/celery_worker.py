"""A real `celery worker` process for the integration tests, on a queue of its own so that it takes only
the tasks the test sends."""

import contextlib
import email
import email.policy
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]


def database_url(settings_dict: dict, name: str | None = None) -> str:
    """The URL of a database connection's settings (the test database, not the configured one), for a
    process that must open the same database; ``name`` names another database on the same server."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(name or settings_dict['NAME'], safe='')}"


def mails_in(outbox: Path) -> list[email.message.EmailMessage]:
    """The mails a worker wrote with the file e-mail backend (PORTAL_TEST_EMAIL_DIR) into ``outbox``."""
    messages = []
    for path in sorted(outbox.iterdir()):
        # The file backend appends each message followed by a line of 79 dashes; two connections in
        # the same second may share a file.
        for raw in path.read_bytes().split(b"-" * 79 + b"\n"):
            if raw.strip():
                messages.append(email.message_from_bytes(raw, policy=email.policy.default))
    return messages


def new_queue(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def running_worker(queue: str, **env_overrides: str):
    """Run a solo-pool worker on ``queue`` until the block ends; ``env_overrides`` are added to its
    environment (test settings always)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", **env_overrides}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
