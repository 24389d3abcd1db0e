"""Synthetic run dirs for the console tests: real files in the run-dir format, written by the test."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

T0 = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC: fixed clock for deterministic screens
MINIMAL_CONFIG = "name: {name}\nseed: 42\ntraining:\n  max_steps: {max_steps}\n"


def step_event(seq: int, t: float, step: int, max_steps: int) -> dict[str, Any]:
    frac = step / max_steps
    return {"seq": seq, "t": t, "type": "step", "step": step, "max_steps": max_steps,
            "loss": round(0.6931 * math.exp(-2.5 * frac) + 0.02 * math.sin(step), 4),
            "rewards/accuracies": round(min(1.0, 0.5 + 0.45 * frac + 0.05 * math.cos(step)), 3),
            "rewards/margins": round(3.0 * frac + 0.1 * math.sin(step * 0.7), 4),
            "rewards/chosen": round(0.5 * frac, 4), "rewards/rejected": round(-2.5 * frac, 4),
            "learning_rate": 5e-4 * (1 - frac), "grad_norm": 1.2, "tokens_per_s": 812.5,
            "step_time_s": 0.9, "eta_s": (max_steps - step) * 0.9, "epoch": round(frac * 0.4, 3)}


def synthetic_events(steps: int, max_steps: int, final_state: str | None, t0: float = T0,
                     checkpoint_every: int = 20) -> list[dict[str, Any]]:
    evs: list[dict[str, Any]] = []

    def add(t: float, type_: str, **f: Any) -> None:
        evs.append({"seq": len(evs) + 1, "t": t, "type": type_, **f})

    add(t0, "state", state="starting")
    add(t0 + 1, "state", state="loading")
    add(t0 + 3, "log", level="info", message="model builtin:tiny-qwen2 on cpu, fp32, LoRA r=16")
    add(t0 + 4, "state", state="training", step=0, max_steps=max_steps)
    t = t0 + 4
    for s in range(1, steps + 1):
        t += 1.0
        ev = step_event(0, t, s, max_steps)
        add(t, "step", **{k: v for k, v in ev.items() if k not in ("seq", "t", "type")})
        if s % 5 == 0:
            add(t, "resources", cpu_percent=150.0 + 10 * math.sin(s), rss_bytes=int(1.5e9 + 1e6 * s),
                sys_mem_percent=42.0 + s * 0.05, device="cpu", device_mem_bytes=None)
        if checkpoint_every and s % checkpoint_every == 0:
            add(t, "checkpoint", step=s, path=f"checkpoint-{s}")
    if final_state:
        add(t + 1, "state", state=final_state, step=steps, max_steps=max_steps)
    return evs


def write_run(root: Path, name: str, steps: int = 30, max_steps: int = 60, final_state: str | None = "finished",
              t0: float = T0, pid: int | None = None, complete_checkpoints: bool = True) -> Path:
    run = root / name
    run.mkdir(parents=True, exist_ok=True)
    (run / "config.yaml").write_text(MINIMAL_CONFIG.format(name=name, max_steps=max_steps))
    events = synthetic_events(steps, max_steps, final_state, t0)
    with open(run / "events.jsonl", "w") as f:
        for ev in events:
            f.write(json.dumps(ev) + "\n")
    for ev in events:
        if ev["type"] == "checkpoint":
            ck = run / ev["path"]
            ck.mkdir(exist_ok=True)
            if complete_checkpoints:
                (ck / "COMPLETE").write_text("")
    if pid is not None:
        (run / "trainer.pid").write_text(str(pid))
    return run


class StreamingRun:
    """A run dir served by the trainer's own EventLog + RunControl + ControlServer, fed steps at `rate`/s.

    Everything but the model: real socket, real events.jsonl, and a loop that honours pause,
    checkpoint and stop the way the trainer's does. For console tests and the TUI benchmark.
    """

    def __init__(self, run_dir: Path, rate: float = 10.0, max_steps: int = 100_000, resources_every: int = 5) -> None:
        import os
        import threading

        from trainer.control import RunControl
        from trainer.control_server import ControlServer
        from trainer.events import EventLog

        self.run_dir = run_dir
        run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(run_dir, 0o700)
        (run_dir / "config.yaml").write_text(MINIMAL_CONFIG.format(name=run_dir.name, max_steps=max_steps))
        (run_dir / "trainer.pid").write_text(str(os.getpid()))
        self.events = EventLog(run_dir / "events.jsonl")
        self.rc = RunControl(self.events, run_dir, max_steps)
        self.server = ControlServer(run_dir / "control.sock", self.rc, self.events)
        self.rate, self.max_steps, self.resources_every = rate, max_steps, resources_every
        self.step = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="streaming-run", daemon=True)

    def __enter__(self) -> StreamingRun:
        self.server.start()
        self.rc.set_state("loading")
        self.rc.set_state("training")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)
        self.server.close()
        (self.run_dir / "trainer.pid").unlink(missing_ok=True)

    def _loop(self) -> None:
        import time

        period = 1.0 / self.rate
        next_t = time.monotonic()
        while not self._done.is_set():
            if self.rc.want_stop:
                self._checkpoint()
                self.rc.set_state("stopped")
                self.server.close()
                (self.run_dir / "trainer.pid").unlink(missing_ok=True)  # as a real trainer's pid dies
                return
            if self.rc.want_checkpoint:
                self._checkpoint()
            if self.rc.paused:
                if self.rc.state != "paused":
                    self.rc.set_state("paused")
                self.rc.wake.wait(0.05)
                self.rc.wake.clear()
                next_t = time.monotonic()
                continue
            if self.rc.state != "training":
                self.rc.set_state("training")
            self.step += 1
            self.rc.set_progress(self.step, self.max_steps)
            ev = step_event(0, 0.0, self.step % self.max_steps or 1, self.max_steps)
            self.events.emit("step", **{k: v for k, v in ev.items() if k not in ("seq", "t", "type", "step")},
                             step=self.step)
            if self.step % self.resources_every == 0:
                self.events.emit("resources", cpu_percent=95.0, rss_bytes=800_000_000, sys_mem_percent=40.0,
                                 device="cpu", device_mem_bytes=None)
            next_t += period
            time.sleep(max(0.0, next_t - time.monotonic()))

    def _checkpoint(self) -> None:
        ck = self.run_dir / f"checkpoint-{self.step}"
        ck.mkdir(exist_ok=True)
        (ck / "COMPLETE").write_text("")
        self.rc.checkpoint_done(self.step)
        self.events.emit("checkpoint", step=self.step, path=str(ck))


async def wait_until(pilot: Any, pred: Any, timeout: float = 10.0, what: str = "condition") -> None:
    """Let the app run until `pred()` holds (workers post from threads, so poll with pauses)."""
    import time

    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.05)


def notes(app: Any) -> list[str]:
    """Every notification the app raised so far (title and message)."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def wait_note(pilot: Any, app: Any, text: str, timeout: float = 10.0) -> None:
    """Notifications travel as messages: wait for one containing `text`."""
    await wait_until(pilot, lambda: any(text in n for n in notes(app)), timeout, f"a notification with {text!r}")


def form_error(app: Any, path: str) -> str:
    """The error drawn under a Config form field, read from the lines the form renders."""
    from alice_tui.panes.config.form_lines import FormLines

    lines = app.query_one(FormLines)
    y, out = lines.row_of(path) + 1, []
    while y < len(lines.lines) and lines.lines[y].kind == "error":
        out.append(lines.line_text(y).strip())
        y += 1
    return " ".join(out)
