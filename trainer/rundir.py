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


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own exited child not yet reaped) is not a live trainer.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def iter_events(run_dir: Path, from_seq: int = 0) -> Iterator[dict[str, Any]]:
    """Events with seq > from_seq; a torn last line (crash mid-write) is skipped, not fatal."""
    try:
        f = open(run_dir / EVENTS, "rb")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        return
    with f:
        for line in f:
            if not line.endswith(b"\n"):
                break
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(ev, dict) and ev.get("seq", 0) > from_seq:
                yield ev


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

    @property
    def alive(self) -> bool:
        return self.state in protocol.LIVE_STATES

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "name": self.name, "state": self.state, "step": self.step,
                "max_steps": self.max_steps, "loss": self.loss, "eta_s": self.eta_s,
                "last_checkpoint": self.last_checkpoint, "pid": self.pid, "started_t": self.started_t,
                "updated_t": self.updated_t, "error": self.error}


def summarize(run_dir: Path) -> RunSummary:
    """Fold events.jsonl into the run's current picture; a dead pid with no final state is 'interrupted'."""
    state, step, max_steps, loss, eta, err = "created", 0, None, None, None, None
    started = updated = None
    for ev in iter_events(run_dir):
        updated = ev.get("t", updated)
        started = started or ev.get("t")
        kind = ev.get("type")
        if kind == protocol.STATE:
            state = ev.get("state", state)
            max_steps = ev.get("max_steps", max_steps)
            step = ev.get("step", step) or step
        elif kind == protocol.STEP:
            step = ev.get("step", step)
            max_steps = ev.get("max_steps", max_steps)
            loss = ev.get("loss", loss)
            eta = ev.get("eta_s", eta)
        elif kind == protocol.ERROR:
            err = ev.get("message", err)
    pid = read_pid(run_dir)
    if state not in protocol.FINAL_STATES and not pid_alive(pid):
        state = protocol.INTERRUPTED if state != "created" or pid else state
    ckpt = newest_complete_checkpoint(run_dir)
    last = int(ckpt.name.split("-")[1]) if ckpt else None
    return RunSummary(run_dir, run_dir.name, state, step, max_steps, loss, eta, last, pid, started, updated, err)


def list_runs(root: Path) -> list[RunSummary]:
    if not root.is_dir():
        return []
    runs = [summarize(p) for p in root.iterdir() if p.is_dir() and is_run_dir(p)]
    return sorted(runs, key=lambda r: r.started_t or r.path.stat().st_mtime, reverse=True)
