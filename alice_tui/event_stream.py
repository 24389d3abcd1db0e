"""Follow one run: replay events.jsonl, then stream live events from the control socket.

Plain module (no Textual): a blocking generator meant for a thread worker. It polls a
cancel callback every `poll` seconds so the app can exit promptly, and falls back to the
events file whenever the socket is not there (trainer still loading, or gone).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer import client, protocol, rundir
from trainer.event_reader import Damage

REPLAY_BATCH = 5000


@dataclass(frozen=True)
class Batch:
    events: list[dict[str, Any]]


@dataclass(frozen=True)
class Connected:
    pass


@dataclass(frozen=True)
class Damaged:
    """Lines of events.jsonl that could not be read and were skipped (power loss, bad bytes)."""

    lines: int
    message: str


@dataclass(frozen=True)
class Ended:
    """No trainer is (or will be) running for this run dir; `final` when the run reached a final state."""

    reason: str
    final: bool


Item = Batch | Connected | Damaged | Ended


def follow(run_dir: Path, cancelled: Callable[[], bool], pid_hint: int | None = None,
           poll: float = 0.25, from_seq: int = 0) -> Iterator[Item]:
    """Everything about a run after `from_seq`, in order: replay, then live; ends when no trainer is left.

    `pid_hint` is the pid of a trainer this app just spawned (its pid file may not exist yet). The
    CLI's attached mode and the console's Run pane both follow runs through here.
    """
    last_seq = from_seq
    final = False
    damage = Damage()  # of the latest full read of the file: each read sees every damaged line again
    reported = 0

    def from_file() -> Iterator[list[dict[str, Any]]]:
        nonlocal damage
        batch: list[dict[str, Any]] = []
        seen = Damage()
        for ev in rundir.iter_events(run_dir, last_seq, seen):
            batch.append(ev)
            if len(batch) >= REPLAY_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch
        if seen.lines >= damage.lines:
            damage = seen

    def note(batch: list[dict[str, Any]]) -> Batch:
        nonlocal last_seq, final
        for ev in batch:
            if isinstance(ev.get("seq"), int):
                last_seq = max(last_seq, ev["seq"])
            if ev.get("type") == protocol.STATE:
                final = ev.get("state") in protocol.FINAL_STATES
        return Batch(batch)

    def damaged() -> Iterator[Damaged]:
        nonlocal reported
        if damage.lines > reported:
            reported = damage.lines
            yield Damaged(damage.lines, damage.describe(run_dir / rundir.EVENTS))

    for batch in from_file():
        yield note(batch)
    yield from damaged()

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
            for batch in client.subscribe_batches(run_dir, last_seq, cancelled, poll):
                if not connected:
                    connected = True
                    yield Connected()
                yield note(batch)
            if cancelled():
                return
        except (OSError, ValueError):  # NotRunning and Unreachable are OSErrors
            pass
        # Socket absent or closed: the file has whatever the trainer wrote meanwhile.
        for batch in from_file():
            yield note(batch)
        yield from damaged()
        if final and not trainer_alive():
            continue
        if not trainer_alive():
            yield Ended("the trainer process is not running", final=False)
            return
        # A live trainer without a socket is still loading its model (minutes for a 3B model on a
        # laptop): keep showing what it writes to the file meanwhile.
        time.sleep(poll)
