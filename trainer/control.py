"""The run's control state: requests from the socket or signals, read by the training loop at step boundaries.

Socket threads only set flags here; the training thread acts on them between optimizer steps,
so no request ever touches the model, optimizer or files from another thread.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from trainer import protocol
from trainer.events import EventLog


class RunControl:
    def __init__(self, events: EventLog, run_dir: Path, max_steps: int):
        self.events = events
        self.run_dir = run_dir
        self._lock = threading.Lock()
        self.wake = threading.Event()  # set on any request, so a paused loop reacts at once
        self.paused = False
        self.want_checkpoint = False
        self.want_stop = False
        self.state = protocol.STARTING
        self.step = 0
        self.max_steps = max_steps
        self.last_checkpoint: int | None = None

    # -- called by the training thread -------------------------------------------------------
    def set_state(self, state: str, **fields: Any) -> None:
        with self._lock:
            self.state = state
            step, max_steps = self.step, self.max_steps
        self.events.emit(protocol.STATE, state=state, step=step, max_steps=max_steps, **fields)

    def set_progress(self, step: int, max_steps: int) -> None:
        with self._lock:
            self.step, self.max_steps = step, max_steps

    def checkpoint_done(self, step: int) -> None:
        with self._lock:
            self.last_checkpoint = step
            self.want_checkpoint = False

    # -- called by socket threads and signal handlers ----------------------------------------
    def request_stop(self) -> None:
        # Plain attribute writes only: this also runs inside a signal handler, where taking a lock
        # the interrupted thread may hold would deadlock.
        self.want_stop = True
        self.paused = False

    def handle(self, cmd: str) -> dict[str, Any]:
        """Reply to one control command (not subscribe, which the server streams itself)."""
        if cmd == "status":
            return protocol.ok(**self.status())
        with self._lock:
            state = self.state
            if state in protocol.FINAL_STATES:
                return protocol.error(f"the run is already {state}")
            if cmd == "stop":
                self.want_stop, self.paused = True, False
                reply = protocol.ok(stopping=True, state=state)
            elif self.want_stop:
                reply = protocol.error(f"the run is stopping; {cmd} refused")
            elif cmd == "pause":
                self.paused = True
                reply = protocol.ok(paused=True, state=state)
            elif cmd == "resume":
                was = self.paused
                self.paused = False
                reply = protocol.ok(paused=False, was_paused=was, state=state)
            elif cmd == "checkpoint":
                if state in (protocol.STARTING, protocol.LOADING):
                    return protocol.error(f"cannot checkpoint while {state}: no training step has run yet")
                self.want_checkpoint = True
                reply = protocol.ok(checkpoint_requested=True, step=self.step, state=state)
            else:
                reply = protocol.error(f"unknown command {cmd!r}")
        self.wake.set()
        return reply

    def status(self) -> dict[str, Any]:
        last_step = self.events.last.get(protocol.STEP, {})
        res = self.events.last.get(protocol.RESOURCES, {})
        with self._lock:
            out: dict[str, Any] = {
                "state": self.state, "step": self.step, "max_steps": self.max_steps,
                "loss": last_step.get("loss"), "eta_s": last_step.get("eta_s"), "pid": os.getpid(),
                "last_checkpoint": self.last_checkpoint, "run_dir": str(self.run_dir), "paused": self.paused,
                "checkpoint_pending": self.want_checkpoint, "stopping": self.want_stop, "seq": self.events.seq,
            }
        out["last_step"] = {k: last_step[k] for k in protocol.STEP_FIELDS if k in last_step}
        out["resources"] = {k: res[k] for k in protocol.RESOURCE_FIELDS if k in res}
        return out
