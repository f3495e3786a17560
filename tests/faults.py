"""Services a fault test may break: its own, never the machine's shared ones.

``private_redis()`` runs a throw-away ``redis-server`` on a spare loopback port, with no persistence (a
restart comes back empty, as a Redis without RDB/AOF does after a crash), for a test to stop and start::

    with private_redis() as redis:
        ...  # point the cache or the broker at redis.url
        redis.stop()
        ...  # Redis is down: connections are refused at once
        redis.start()  # same port, empty
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

START_TIMEOUT = 20.0


def unused_port() -> int:
    """A loopback port nothing listens on right now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class PrivateRedis:
    """One redis-server process on ``port``, owned by the test that made it."""

    def __init__(self, port: int | None = None):
        self.port = port or unused_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="private-redis-")
        self._process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the server (empty) and wait until it answers PING."""
        if self.running:
            return
        self._process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers_ping(self.port):
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server on port {self.port} did not answer within {START_TIMEOUT} s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server; afterwards connections to its port are refused."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    """A running private redis-server for the block; stopped and removed afterwards."""
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.close()
