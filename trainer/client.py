"""Client side of the control socket: one request/reply, or a subscription to the event stream."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trainer import protocol, rundir


class NotRunning(ConnectionError):
    """No trainer answers on this run's socket."""


def _connect(run_dir: Path, timeout: float) -> socket.socket:
    path = rundir.RunPaths(run_dir).socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError) as e:
        s.close()
        raise NotRunning(f"no trainer is running for {run_dir} ({e.strerror})") from e
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
    with _connect(run_dir, timeout) as s:
        s.sendall(protocol.encode({"cmd": cmd, **args}))
        with s.makefile("rb") as f:
            return _readline(f)


def subscribe(run_dir: Path, from_seq: int = 0, timeout: float | None = None) -> Iterator[dict[str, Any]]:
    """Yield every event with seq > from_seq, then live ones, until the trainer goes away.

    The first reply line ({"ok": true}) is consumed here; a refusal raises NotRunning.
    """
    s = _connect(run_dir, 5.0)
    s.settimeout(timeout)
    try:
        s.sendall(protocol.encode({"cmd": "subscribe", "from_seq": from_seq}))
        with s.makefile("rb") as f:
            first = _readline(f)
            if not first.get("ok"):
                raise NotRunning(first.get("error", "subscribe refused"))
            while True:
                line = f.readline()
                if not line:
                    return
                yield json.loads(line)
    finally:
        s.close()
