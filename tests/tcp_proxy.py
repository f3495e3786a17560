"""A TCP proxy a fault test puts in front of a real service (the machine's PostgreSQL), so that it can
break the connections of the process it serves without touching the service itself.

It listens on a spare loopback port and forwards every connection to the upstream address, two
threads per connection. The test then:

- ``cut()``: resets every open connection and stops listening, so new ones are refused at once, as
  when the database server goes away; ``restore()`` listens again on the same port;
- ``drop_at(pattern)``: resets the connection whose client sends ``pattern`` (for PostgreSQL, the
  query text ``b"COMMIT\\x00"``), either before the server gets it (``deliver=False``: the server
  never sees the commit and rolls back) or after the server answered it (``deliver=True``: the
  transaction committed, the client never hears so). One shot; ``Trap.fired`` says it happened.

Only this proxy's own sockets are closed. Use it as a context manager: ``close()`` stops everything.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

CHUNK = 65536


class Trap:
    def __init__(self, pattern: bytes, deliver: bool):
        self.pattern = pattern
        self.deliver = deliver
        self.fired = threading.Event()
        self.pair: _Pair | None = None


class _Pair:
    """One client connection and its upstream connection."""

    def __init__(self, proxy: TcpProxy, client: socket.socket, server: socket.socket):
        self.proxy = proxy
        self.client = client
        self.server = server
        self.closed = False
        self._lock = threading.Lock()
        self._tail = b""  # the end of the last client chunk, for a pattern split across chunks

    def start(self) -> None:
        for source, target, upstream in ((self.client, self.server, True), (self.server, self.client, False)):
            threading.Thread(target=self._pump, args=(source, target, upstream), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, upstream: bool) -> None:
        try:
            while data := source.recv(CHUNK):
                if not self.proxy._forward(self, data, upstream):
                    return
                target.sendall(data)
        except OSError:
            pass
        finally:
            self.close()

    def close(self) -> None:
        """Reset both sides (RST, not a polite FIN): what a crashed server or a broken network does."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv()
            with contextlib.suppress(OSError):
                sock.close()
        self.proxy._forget(self)


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port: int = 0
        #: Connections forwarded so far (so a test can show its traffic went through the proxy).
        self.accepted = 0
        self._lock = threading.Lock()
        self._pairs: set[_Pair] = set()
        self._listener: socket.socket | None = None
        self._trap: Trap | None = None
        self._listen()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def listening(self) -> bool:
        return self._listener is not None

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was shut by cut() or close()
            try:
                server = socket.create_connection(self.upstream, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            pair = _Pair(self, client, server)
            with self._lock:
                if self._listener is not listener:  # cut() ran meanwhile
                    pair.closed = True
                    client.close()
                    server.close()
                    return
                self._pairs.add(pair)
                self.accepted += 1
            pair.start()

    def _forget(self, pair: _Pair) -> None:
        with self._lock:
            self._pairs.discard(pair)

    def _forward(self, pair: _Pair, data: bytes, upstream: bool) -> bool:
        """Whether ``data`` goes on; springs the trap (and resets the pair) when it says so."""
        trap = self._trap
        if trap is None or trap.fired.is_set():
            return True
        if upstream and trap.pair is None:
            window = pair._tail + data
            pair._tail = window[-(len(trap.pattern) - 1) :] if len(trap.pattern) > 1 else b""
            if trap.pattern not in window:
                return True
            if not trap.deliver:
                trap.fired.set()
                pair.close()
                return False
            trap.pair = pair  # let it through; swallow the server's answer below
            return True
        if not upstream and trap.pair is pair:
            trap.fired.set()
            pair.close()
            return False
        return True

    def drop_at(self, pattern: bytes, *, deliver: bool) -> Trap:
        """Arm a one-shot trap on what clients send (see the module docstring)."""
        with self._lock:
            for pair in self._pairs:
                pair._tail = b""
        self._trap = Trap(pattern, deliver)
        return self._trap

    def disarm(self) -> None:
        self._trap = None

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until ``restore()``."""
        with self._lock:
            listener, self._listener = self._listener, None
            pairs = list(self._pairs)
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
            listener.close()
        for pair in pairs:
            pair.close()

    def restore(self) -> None:
        """Accept connections again, on the same port."""
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.disarm()
        self.cut()
