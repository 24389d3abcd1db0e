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
from pathlib import Path
from typing import Any

from trainer import protocol
from trainer.control import RunControl
from trainer.events import CLOSED, EventLog

MAX_CLIENTS = 64
SEND_TIMEOUT_S = 10.0


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
    def __init__(self, path: Path, rc: RunControl, events: EventLog):
        self.path = Path(path)
        self.rc = rc
        self.events = events
        self._sock: socket.socket | None = None
        self._clients = threading.BoundedSemaphore(MAX_CLIENTS)
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
            if not self._clients.acquire(blocking=False):
                self._send_quietly(conn, protocol.error(f"too many clients (max {MAX_CLIENTS})"))
                conn.close()
                continue
            threading.Thread(target=self._serve, args=(conn,), name="control-client", daemon=True).start()

    @staticmethod
    def _send_quietly(conn: socket.socket, obj: dict[str, Any]) -> bool:
        try:
            conn.settimeout(SEND_TIMEOUT_S)
            conn.sendall(protocol.encode(obj))
            return True
        except OSError:
            return False

    def _serve(self, conn: socket.socket) -> None:
        try:
            uid = peer_uid(conn)
            if uid is not None and uid != os.getuid():
                self._send_quietly(conn, protocol.error("permission denied: the trainer belongs to another user"))
                return
            reader = LineReader(conn)
            while not self._closing.is_set():
                conn.settimeout(None)  # an idle client may wait as long as it likes; it only holds this thread
                line = reader.next_line()
                if line is None:
                    return
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
                            self._stream(conn, req)
                            return
                        reply = self.rc.handle(req["cmd"])
                if not self._send_quietly(conn, reply):
                    return
        except OSError:
            return  # the client went away; nothing to clean up but our own socket
        finally:
            with contextlib.suppress(OSError):
                conn.close()
            self._clients.release()

    def _stream(self, conn: socket.socket, req: dict[str, Any]) -> None:
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
                    if sub.overflowed:
                        return
                    continue
                if line == CLOSED:
                    return
                conn.sendall(line)
        except OSError:
            return
        finally:
            sub.close()
