"""The run's event log: append-only events.jsonl with a monotonic seq, fanned out to live subscribers.

Every event is written and flushed before it is handed to subscribers, so the file is always the
full truth and a subscriber can replay from it. Each subscriber has a bounded queue: a client that
reads too slowly is cut off (it can re-subscribe from its last seq) instead of ever blocking training.
"""

from __future__ import annotations

import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer import protocol, rundir
from trainer.event_reader import Damage, read_events

SUBSCRIBER_QUEUE = 4096
CLOSED = b""  # queue sentinel: the log is closed or the subscriber fell too far behind


class Subscription:
    def __init__(self, from_seq: int, upto_seq: int, log: EventLog):
        self.from_seq = from_seq
        self.upto_seq = upto_seq  # replay covers (from_seq, upto_seq]; live events come through `queue`
        self.queue: queue.Queue[bytes] = queue.Queue(SUBSCRIBER_QUEUE)
        self.overflowed = False
        self._log = log

    def replay(self) -> list[bytes]:
        """Encoded events already in the file that this subscriber asked for."""
        out = []
        for ev in rundir.iter_events(self._log.path.parent, self.from_seq):
            if ev["seq"] > self.upto_seq:
                break
            out.append(protocol.encode(ev))
        return out

    def close(self) -> None:
        self._log.unsubscribe(self)


@dataclass(frozen=True)
class LogScan:
    """What a new trainer process learns from the log it appends to."""

    last_seq: int
    attempts: int  # trainer processes that started on this run dir before this one
    damage: Damage


def scan(path: Path) -> LogScan:
    seq, attempts, starts = 0, 0, 0
    damage = Damage()
    for ev in read_events(path, damage=damage):
        seq = max(seq, ev["seq"])
        if isinstance(ev.get("attempt"), int):
            attempts = max(attempts, ev["attempt"])
        if ev.get("type") == protocol.STATE and ev.get("state") == protocol.STARTING:
            starts += 1  # logs written before attempts were numbered
    return LogScan(seq, max(attempts, starts), damage)


def last_seq(path: Path) -> int:
    return scan(path).last_seq


class EventLog:
    def __init__(self, path: Path, attempt: int | None = None):
        """Append to `path`; `attempt` None: the next attempt after those in the file."""
        self.path = Path(path)
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self._repair_torn_tail()
        found = scan(self.path)
        self.seq = found.last_seq  # a resumed run continues the numbering
        # Stamped on every event, so readers can drop a dead attempt's steps.
        self.attempt = attempt if attempt is not None else found.attempts + 1
        self.damage = found.damage
        self._f = open(self.path, "ab")  # noqa: SIM115 (held open for the life of the run)
        self.last: dict[str, dict[str, Any]] = {}  # latest event of each type, for status replies

    def _repair_torn_tail(self) -> None:
        # A SIGKILL mid-write leaves a line without "\n" (a power cut: a tail of NULs); appending after it
        # would glue two events together. Only the tail is read, so a long log costs nothing here.
        try:
            with open(self.path, "rb+") as f:
                end = f.seek(0, os.SEEK_END)
                pos = end
                while pos > 0:
                    start = max(0, pos - 65536)
                    f.seek(start)
                    chunk = f.read(pos - start)
                    if pos == end and chunk.endswith(b"\n"):
                        return
                    nl = chunk.rfind(b"\n")
                    if nl >= 0:
                        f.truncate(start + nl + 1)
                        return
                    pos = start
                f.truncate(0)
        except FileNotFoundError:
            pass

    def emit(self, type_: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            self.seq += 1
            ev = protocol.make_event(self.seq, type_, attempt=self.attempt, **fields)
            line = protocol.encode(ev)
            if not self._f.closed:
                self._f.write(line)
                self._f.flush()
            self.last[type_] = ev
            for sub in self._subs:
                if sub.overflowed:
                    continue
                try:
                    sub.queue.put_nowait(line)
                except queue.Full:
                    sub.overflowed = True
        return ev

    def subscribe(self, from_seq: int) -> Subscription:
        with self._lock:
            sub = Subscription(from_seq, self.seq, self)
            self._subs.append(sub)
            return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def sync(self) -> None:
        with self._lock:
            if not self._f.closed:
                self._f.flush()
                os.fsync(self._f.fileno())

    def drain(self, timeout: float) -> None:
        """Give live subscribers up to `timeout` s to send what is queued (the final state event, mostly)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                busy = any(not s.queue.empty() and not s.overflowed for s in self._subs)
            if not busy:
                return
            time.sleep(0.02)

    def close(self) -> None:
        with self._lock:
            subs, self._subs = self._subs, []
            if not self._f.closed:
                self._f.flush()
                os.fsync(self._f.fileno())
                self._f.close()
        for sub in subs:
            try:
                sub.queue.put_nowait(CLOSED)
            except queue.Full:
                sub.overflowed = True


class NullEventLog(EventLog):
    """For ranks other than 0 of a multi-rank run: the same calls, no file (rank 0 writes the one log)."""

    def __init__(self) -> None:  # no file, no scan: nothing of EventLog.__init__ applies
        self.path = Path(os.devnull)
        self._lock = threading.Lock()
        self._subs = []
        self.seq = 0
        self.attempt = 0
        self.damage = Damage()
        self.last = {}

    def emit(self, type_: str, **fields: Any) -> dict[str, Any]:
        return protocol.make_event(0, type_, **fields)

    def sync(self) -> None:
        pass

    def drain(self, timeout: float) -> None:
        pass

    def close(self) -> None:
        pass
