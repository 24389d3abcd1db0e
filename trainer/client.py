"""Client side of the control socket: one request/reply, or a subscription to the event stream.

The one subscribe client of the project: the CLI's `follow`, the console's event stream and the
benchmarks all read live events through `subscribe_batches`.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from trainer import protocol, rundir


class NotRunning(ConnectionError):
    """No trainer answers on this run's socket."""


class Unreachable(ConnectionError):
    """Something holds the socket but does not answer (a stopped or overloaded trainer)."""


def _connect(run_dir: Path, timeout: float) -> socket.socket:
    path = rundir.RunPaths(run_dir).socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError) as e:
        s.close()
        raise NotRunning(f"no trainer is running for {run_dir} ({e.strerror})") from e
    except TimeoutError as e:
        s.close()
        raise Unreachable(f"the trainer's socket did not accept within {timeout:.0f}s") from e
    except OSError:
        s.close()
        raise
    return s


def _readline(f: Any) -> dict[str, Any]:
    line = f.readline(protocol.MAX_LINE_BYTES * 16)
    if not line:
        raise NotRunning("the trainer closed the connection")
    obj: dict[str, Any] = json.loads(line)
    return obj


def request(run_dir: Path, cmd: str, timeout: float = 5.0, **args: Any) -> dict[str, Any]:
    """One request, one reply; Unreachable when the trainer does not answer within `timeout`."""
    with _connect(run_dir, timeout) as s:
        try:
            s.sendall(protocol.encode({"cmd": cmd, **args}))
            with s.makefile("rb") as f:
                return _readline(f)
        except TimeoutError as e:
            raise Unreachable(f"the trainer did not answer {cmd!r} within {timeout:.0f}s") from e


def subscribe_batches(run_dir: Path, from_seq: int = 0, cancelled: Callable[[], bool] = lambda: False,
                      poll: float = 0.25, timeout: float | None = None) -> Iterator[list[dict[str, Any]]]:
    """Batches of events with seq > from_seq (replay first, then live) until the trainer goes away.

    Reads in `poll`-second slices so a caller can stop (`cancelled`) without waiting for the next
    event; `timeout` (None: forever) bounds the silence between two events. The first reply line
    ({"ok": true}) is consumed here; a refusal raises NotRunning.
    """
    s = _connect(run_dir, 5.0)
    try:
        s.sendall(protocol.encode({"cmd": "subscribe", "from_seq": from_seq}))
        s.settimeout(poll if timeout is None else min(poll, timeout))
        buf, first, silent = b"", True, 0.0
        while not cancelled():
            try:
                chunk = s.recv(1 << 16)
            except TimeoutError:
                silent += s.gettimeout() or poll
                if timeout is not None and silent >= timeout:
                    raise
                continue
            if not chunk:
                return
            silent = 0.0
            buf += chunk
            *lines, buf = buf.split(b"\n")
            out = []
            for line in lines:
                if not line.strip():
                    continue
                obj = json.loads(line)
                if first:
                    first = False
                    if not obj.get("ok"):
                        raise NotRunning(obj.get("error", "subscribe refused"))
                    continue
                out.append(obj)
            if out:
                yield out
    finally:
        s.close()


def subscribe(run_dir: Path, from_seq: int = 0, timeout: float | None = None) -> Iterator[dict[str, Any]]:
    """Every event with seq > from_seq, then live ones, one at a time (see subscribe_batches)."""
    for batch in subscribe_batches(run_dir, from_seq, timeout=timeout):
        yield from batch
