"""The run directory: where everything about one run lives, and how to read it without the trainer.

Light module: the console lists and replays runs from here.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer import protocol
from trainer.event_reader import Damage, read_events

CONFIG = "config.yaml"
EVENTS = "events.jsonl"
LOG = "trainer.log"
PID = "trainer.pid"
SOCKET = "control.sock"
FINAL = "final"
EVAL_DIR = "eval"
COMPLETE = "COMPLETE"
BASE_MODEL = "base_model.json"  # the base model the run resolved at its first start; resume reuses it
_CKPT_RE = re.compile(r"^checkpoint-(\d+)$")


@dataclass(frozen=True)
class RunPaths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / CONFIG

    @property
    def events(self) -> Path:
        return self.root / EVENTS

    @property
    def log(self) -> Path:
        return self.root / LOG

    @property
    def pid(self) -> Path:
        return self.root / PID

    @property
    def socket(self) -> Path:
        return self.root / SOCKET

    @property
    def final(self) -> Path:
        return self.root / FINAL

    @property
    def eval_dir(self) -> Path:
        return self.root / EVAL_DIR

    @property
    def base_model(self) -> Path:
        return self.root / BASE_MODEL


def is_run_dir(path: Path) -> bool:
    return (path / CONFIG).is_file()


def checkpoints(run_dir: Path, complete_only: bool = True) -> list[tuple[int, Path]]:
    """Checkpoints sorted by step; a checkpoint without COMPLETE was torn by a crash and does not count."""
    found = []
    try:
        entries = list(os.scandir(run_dir))
    except FileNotFoundError:
        return []
    for entry in entries:
        m = _CKPT_RE.match(entry.name)
        if m and entry.is_dir() and (not complete_only or os.path.exists(os.path.join(entry.path, COMPLETE))):
            found.append((int(m.group(1)), Path(entry.path)))
    return sorted(found)


def newest_complete_checkpoint(run_dir: Path) -> Path | None:
    ckpts = checkpoints(run_dir)
    return ckpts[-1][1] if ckpts else None


def pinned_base_model(run_dir: Path) -> str | None:
    """What the run's model.name_or_path resolved to at its first start (for builtin: the built dir).

    Evaluation and resume should load this, not re-resolve the name: a built-in model follows the
    project's demo corpus, which may have changed since the run was trained.
    """
    try:
        value = json.loads((run_dir / BASE_MODEL).read_text()).get("resolved")
    except (OSError, ValueError, AttributeError):
        return None
    return str(value) if value else None


def read_pid(run_dir: Path) -> int | None:
    try:
        return int((run_dir / PID).read_text().strip())
    except (OSError, ValueError):
        return None


def _proc_state(pid: int) -> str | None:
    """The one-letter state in /proc/PID/stat (Linux), None where there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(") ", 1)[1][:1]
    except (OSError, IndexError):
        return None


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (an exited child its parent has not reaped yet) is not a live trainer.
    return _proc_state(pid) not in ("Z", "X")


def pid_stopped(pid: int | None) -> bool:
    """Alive but stopped by a signal (SIGSTOP, Ctrl-Z): it holds its socket but cannot answer."""
    return bool(pid) and pid_alive(pid) and _proc_state(pid or 0) in ("T", "t")


def iter_events(run_dir: Path, from_seq: int = 0, damage: Damage | None = None) -> Iterator[dict[str, Any]]:
    """Events with seq > from_seq; torn and damaged lines are skipped (and counted in `damage`), never fatal."""
    return read_events(run_dir / EVENTS, from_seq, damage)


def log_tail(run_dir: Path, lines: int = 5) -> list[str]:
    """The last lines of trainer.log, for the message of a trainer that died before it could say why."""
    try:
        with open(run_dir / LOG, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [ln for ln in text.splitlines() if ln.strip()][-lines:]


@dataclass
class RunSummary:
    path: Path
    name: str
    state: str
    step: int
    max_steps: int | None
    loss: float | None
    eta_s: float | None
    last_checkpoint: int | None
    pid: int | None
    started_t: float | None
    updated_t: float | None
    error: str | None
    attempt: int = 1
    damaged_lines: int = 0  # lines of events.jsonl that could not be read (power loss, bad bytes)

    @property
    def alive(self) -> bool:
        return self.state in protocol.LIVE_STATES

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "name": self.name, "state": self.state, "step": self.step,
                "max_steps": self.max_steps, "loss": self.loss, "eta_s": self.eta_s,
                "last_checkpoint": self.last_checkpoint, "pid": self.pid, "started_t": self.started_t,
                "updated_t": self.updated_t, "error": self.error, "attempt": self.attempt,
                "damaged_lines": self.damaged_lines}


def summarize(run_dir: Path) -> RunSummary:
    """Fold events.jsonl into the run's current picture.

    A dead pid with no final state is 'interrupted'; a start that died before its first event is
    'failed' (with the log's last line). After a `resumed` event the dead attempt's later steps are
    history: step and loss go back to the checkpoint the new attempt continues from.
    """
    state, step, max_steps, eta, err = "created", 0, None, None, None
    losses: dict[int, float] = {}
    started = updated = None
    attempt = 1
    damage = Damage()
    for ev in iter_events(run_dir, damage=damage):
        t = ev.get("t")
        if isinstance(t, int | float):
            updated = t
            started = started or t
        kind = ev.get("type")
        if isinstance(ev.get("attempt"), int):
            attempt = max(attempt, ev["attempt"])
        if kind == protocol.RESUMED:
            from_step = ev.get("from_step")
            step = from_step if isinstance(from_step, int) else 0
            losses = {s: v for s, v in losses.items() if s <= step}
            eta, err = None, None
        elif kind == protocol.STATE:
            state = ev.get("state", state) if isinstance(ev.get("state"), str) else state
            max_steps = _int_or(ev.get("max_steps"), max_steps)
            step = _int_or(ev.get("step"), step) or step
            if state == protocol.STARTING:
                err = None
        elif kind == protocol.STEP:
            step = _int_or(ev.get("step"), step)
            max_steps = _int_or(ev.get("max_steps"), max_steps)
            if isinstance(ev.get("loss"), int | float):
                losses[step] = float(ev["loss"])
            eta = ev.get("eta_s") if isinstance(ev.get("eta_s"), int | float) else eta
        elif kind == protocol.ERROR:
            err = str(ev.get("message", err))
    pid = read_pid(run_dir)
    if state not in protocol.FINAL_STATES and not pid_alive(pid):
        if state != "created":
            state = protocol.INTERRUPTED
        elif pid or (run_dir / LOG).exists():
            state = protocol.FAILED  # a trainer was started but never wrote a word
            tail = log_tail(run_dir, 1)
            err = err or (f"the trainer died at start: {tail[0]}" if tail else "the trainer died at start")
    ckpt = newest_complete_checkpoint(run_dir)
    last = int(ckpt.name.split("-")[1]) if ckpt else None
    loss = losses[max(losses)] if losses else None
    return RunSummary(run_dir, run_dir.name, state, step, max_steps, loss, eta, last, pid, started, updated, err,
                      attempt, damage.lines)


def _int_or(v: Any, default: Any) -> Any:
    return v if isinstance(v, int) and not isinstance(v, bool) else default


def list_runs(root: Path) -> list[RunSummary]:
    if not root.is_dir():
        return []
    runs = [summarize(p) for p in root.iterdir() if p.is_dir() and is_run_dir(p)]
    return sorted(runs, key=lambda r: r.started_t or r.path.stat().st_mtime, reverse=True)
