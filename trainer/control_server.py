"""The control socket server: JSON-line requests from the console, answered from threads beside training.

Hardening (ARCHITECTURE.md): 0600 socket in the 0700 run dir, peer uid checked via SO_PEERCRED,
lines over 64 KiB and malformed or unknown requests get an error reply and the connection keeps
being served, and a silent, slow or vanished client only ever costs its own thread.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Any

from trainer import protocol
from trainer.control import RunControl
from trainer.events import CLOSED, EventLog

MAX_CLIENTS = 64
SEND_TIMEOUT_S = 10.0
# A request connection that sends nothing for this long is dropped (subscribers are not: they only read).
REQUEST_IDLE_S = 5.0


class _Client:
    """One connection, for the cap: when it last did something and whether it is a subscriber."""

    def __init__(self, conn: socket.socket):
        self.conn = conn
        self.accepted_t = self.active_t = time.monotonic()
        self.streaming = False
        self.evicted = False

    def evict(self) -> None:
        # Shutting the socket down makes its thread's recv/send fail at once; the thread then closes it.
        self.evicted = True  # a subscriber waiting for the next event notices within a second
        with contextlib.suppress(OSError):
            self.conn.shutdown(socket.SHUT_RDWR)


def peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's uid where the OS tells it (Linux SO_PEERCRED, macOS getpeereid)."""
    if hasattr(socket, "SO_PEERCRED"):
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return int(struct.unpack("3i", creds)[1])
    getpeereid = getattr(os, "getpeereid", None)
    if getpeereid is not None:
        return int(getpeereid(conn.fileno())[0])
    return None


class LineReader:
    """Reads newline-terminated requests with a hard cap: an oversized line is reported and skipped."""

    def __init__(self, conn: socket.socket, limit: int = protocol.MAX_LINE_BYTES):
        self.conn = conn
        self.limit = limit
        self.buf = b""

    def next_line(self) -> bytes | Exception | None:
        """A line, None at EOF, or a ProtocolError for an oversized one (already skipped)."""
        skipping = 0
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1:]
                if skipping:
                    return protocol.ProtocolError(
                        f"request too large ({skipping + len(line)} bytes > {self.limit}); ignored")
                return line
            if len(self.buf) > self.limit:
                skipping += len(self.buf)  # drop what we hold; keep reading to the end of this line
                self.buf = b""
            chunk = self.conn.recv(65536)
            if not chunk:
                return None
            self.buf += chunk


class ControlServer:
    def __init__(self, path: Path, rc: RunControl, events: EventLog, idle_timeout: float = REQUEST_IDLE_S,
                 max_clients: int = MAX_CLIENTS):
        self.path = Path(path)
        self.rc = rc
        self.events = events
        self.idle_timeout = idle_timeout
        self.max_clients = max_clients
        self._sock: socket.socket | None = None
        self._clients: list[_Client] = []
        self._clients_lock = threading.Lock()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a stale socket from a killed trainer (pid liveness was checked by the caller)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # created 0600, with no window where it is wider
        try:
            s.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        s.listen(128)
        self._sock = s
        self._thread = threading.Thread(target=self._accept_loop, name="control-accept", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self._closing.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                if self._closing.is_set():
                    return
                continue
            client = _Client(conn)
            with self._clients_lock:
                if len(self._clients) >= self.max_clients:
                    self._victim().evict()
                self._clients.append(client)
            threading.Thread(target=self._serve, args=(client,), name="control-client", daemon=True).start()

    def _victim(self) -> _Client:
        """Who makes room at the cap: the longest-idle request connection, else the oldest subscriber.

        The newcomer is never the one turned away, so a `status` or `stop` always gets through;
        an evicted subscriber can re-subscribe from its last seq without losing an event.
        """
        idle = [c for c in self._clients if not c.streaming]
        if idle:
            return min(idle, key=lambda c: c.active_t)
        return min(self._clients, key=lambda c: c.accepted_t)

    @staticmethod
    def _send_quietly(conn: socket.socket, obj: dict[str, Any]) -> bool:
        try:
            conn.settimeout(SEND_TIMEOUT_S)
            conn.sendall(protocol.encode(obj))
            return True
        except OSError:
            return False

    def _serve(self, client: _Client) -> None:
        conn = client.conn
        try:
            uid = peer_uid(conn)
            if uid is not None and uid != os.getuid():
                self._send_quietly(conn, protocol.error("permission denied: the trainer belongs to another user"))
                return
            reader = LineReader(conn)
            while not self._closing.is_set():
                conn.settimeout(self.idle_timeout)  # silent for too long: TimeoutError, and it is dropped
                line = reader.next_line()
                if line is None:
                    return
                client.active_t = time.monotonic()
                if isinstance(line, Exception):
                    reply: dict[str, Any] = protocol.error(str(line))
                elif not line.strip():
                    continue
                else:
                    try:
                        req = protocol.decode_request(line)
                    except protocol.ProtocolError as e:
                        reply = protocol.error(str(e))
                    else:
                        if req["cmd"] == "subscribe":
                            client.streaming = True
                            self._stream(client, req)
                            return
                        reply = self.rc.handle(req["cmd"])
                if not self._send_quietly(conn, reply):
                    return
        except OSError:
            return  # the client went away; nothing to clean up but our own socket
        finally:
            with contextlib.suppress(OSError):
                conn.close()
            with self._clients_lock:
                if client in self._clients:
                    self._clients.remove(client)

    def _stream(self, client: _Client, req: dict[str, Any]) -> None:
        conn = client.conn
        from_seq = req.get("from_seq", 0)
        if isinstance(from_seq, bool) or not isinstance(from_seq, int) or from_seq < 0:
            self._send_quietly(conn, protocol.error(f"from_seq must be a non-negative integer, got {from_seq!r}"))
            return
        sub = self.events.subscribe(from_seq)
        try:
            conn.settimeout(SEND_TIMEOUT_S)  # a client that stops reading is dropped, never waited on forever
            conn.sendall(protocol.encode(protocol.ok(subscribed=True, from_seq=from_seq, seq=sub.upto_seq)))
            for line in sub.replay():
                conn.sendall(line)
            while not self._closing.is_set():
                try:
                    line = sub.queue.get(timeout=1.0)
                except queue.Empty:
                    if sub.overflowed or client.evicted:
                        return
                    continue
                if line == CLOSED:
                    return
                conn.sendall(line)
        except OSError:
            return
        finally:
            sub.close()
