"""Follow one run: replay events.jsonl, then stream live events from the control socket.

Plain module (no Textual): a blocking generator meant for a thread worker. It polls a
cancel callback every `poll` seconds so the app can exit promptly, and falls back to the
events file whenever the socket is not there (trainer still loading, or gone).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer import protocol, rundir

REPLAY_BATCH = 5000


@dataclass(frozen=True)
class Batch:
    events: list[dict[str, Any]]


@dataclass(frozen=True)
class Connected:
    pass


@dataclass(frozen=True)
class Ended:
    """No trainer is (or will be) running for this run dir; `final` when the run reached a final state."""

    reason: str
    final: bool


Item = Batch | Connected | Ended


class StreamRefused(ConnectionError):
    pass


def _live_lines(path: Path, from_seq: int, cancelled: Callable[[], bool], poll: float) -> Iterator[list[dict[str, Any]]]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(5.0)
        s.connect(str(path))
        s.sendall(protocol.encode({"cmd": "subscribe", "from_seq": from_seq}))
        s.settimeout(poll)
        buf = b""
        first = True
        while not cancelled():
            try:
                chunk = s.recv(1 << 16)
            except TimeoutError:
                continue
            if not chunk:
                return
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
                        raise StreamRefused(obj.get("error", "subscribe refused"))
                    continue
                out.append(obj)
            if out:
                yield out
    finally:
        s.close()


def follow(run_dir: Path, cancelled: Callable[[], bool], pid_hint: int | None = None,
           poll: float = 0.25) -> Iterator[Item]:
    """Everything about a run, in order: replay, then live; ends when no trainer is left to follow.

    `pid_hint` is the pid of a trainer this app just spawned (its pid file may not exist yet).
    """
    paths = rundir.RunPaths(run_dir)
    last_seq = 0
    final = False

    def from_file() -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for ev in rundir.iter_events(run_dir, last_seq):
            batch.append(ev)
            if len(batch) >= REPLAY_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def note(batch: list[dict[str, Any]]) -> Batch:
        nonlocal last_seq, final
        for ev in batch:
            if isinstance(ev.get("seq"), int):
                last_seq = max(last_seq, ev["seq"])
            if ev.get("type") == protocol.STATE:
                final = ev.get("state") in protocol.FINAL_STATES
        return Batch(batch)

    for batch in from_file():
        yield note(batch)

    def trainer_alive() -> bool:
        return rundir.pid_alive(rundir.read_pid(run_dir)) or rundir.pid_alive(pid_hint)

    while not cancelled():
        # A final state in the file is the end unless a trainer lives: a resumed run appends to the
        # same events.jsonl, after the `stopped` of the process before it.
        if final and not trainer_alive():
            yield Ended("the run is over", final=True)
            return
        try:
            connected = False
            for batch in _live_lines(paths.socket, last_seq, cancelled, poll):
                if not connected:
                    connected = True
                    yield Connected()
                yield note(batch)
            if cancelled():
                return
        except (FileNotFoundError, ConnectionRefusedError, StreamRefused, OSError, ValueError):
            pass
        # Socket absent or closed: the file has whatever the trainer wrote meanwhile.
        for batch in from_file():
            yield note(batch)
        if final and not trainer_alive():
            continue
        if not trainer_alive():
            yield Ended("the trainer process is not running", final=False)
            return
        # A live trainer without a socket is still loading its model (minutes for a 3B model on a
        # laptop): keep showing what it writes to the file meanwhile.
        time.sleep(poll)
