"""Headless run commands: `alice-tui train`, `resume`, `ctl` and `runs`.

Light on purpose: only the trainer's light contracts (config, protocol, rundir, client, launch)
are imported, never torch; the training itself runs in its own detached process.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from trainer import client, launch, paths, preconditions, protocol, run_lock, rundir
from trainer import config as cfgmod
from trainer import overrides as overrides_mod

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_RUNNING, EXIT_UNREACHABLE = 0, 1, 2, 3, 4


def _err(message: str) -> None:
    print(f"alice-tui: {message}", file=sys.stderr)


def _fmt_duration(s: float | None) -> str:
    if s is None:
        return "--:--"
    s = round(s)
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60:02d}:{rem % 60:02d}"


def _num(v: Any, fmt: str) -> str:
    return format(v, fmt) if isinstance(v, int | float) else "-"


def progress_line(ev: dict[str, Any]) -> str:
    """One line for a step event: step/max, loss, reward accuracy, tokens/s, ETA."""
    return (f"step {ev.get('step')}/{ev.get('max_steps')}  loss {_num(ev.get('loss'), '.4f')}  "
            f"acc {_num(ev.get('rewards/accuracies'), '.2f')}  {_num(ev.get('tokens_per_s'), '.0f')} tok/s  "
            f"ETA {_fmt_duration(ev.get('eta_s'))}")


def _load_config(path: Path, overrides: list[str]) -> cfgmod.TrainConfig | None:
    try:
        cfg = paths.resolve_config_paths(cfgmod.load(path, overrides_mod.expand(overrides)))
        preconditions.require(cfg)
    except cfgmod.ConfigError as e:
        _err(str(e) if e.source else f"{path}: {e}")
        return None
    return cfg


def cmd_train(args: argparse.Namespace) -> int:
    cfg = _load_config(args.config, args.overrides)
    if cfg is None:
        return EXIT_USAGE
    try:
        run_dir = launch.new_run_dir(cfg, args.run_dir.resolve() if args.run_dir else None)
        proc = launch.spawn(run_dir)
    except (FileExistsError, ValueError, OSError, run_lock.Locked) as e:
        _err(str(e))
        return EXIT_USAGE
    if args.detach:
        return _detached(run_dir, proc)
    print(f"run dir: {run_dir}  (trainer pid {proc.pid}; log: {rundir.RunPaths(run_dir).log})", flush=True)
    return follow(run_dir, proc.pid)


def _detached(run_dir: Path, proc: Any, from_seq: int = 0) -> int:
    """Return once the trainer is up (it read its config and owns its socket), or say why it is not."""
    started = launch.wait_started(run_dir, proc, from_seq)
    if not started.ok:
        _err(started.message)
        return EXIT_FAILED
    print(run_dir)
    return EXIT_OK


def cmd_resume(args: argparse.Namespace) -> int:
    try:
        resumed = launch.resume(args.run_dir, args.overrides)
    except launch.ResumeRefused as e:
        _err(str(e))
        return EXIT_USAGE
    run_dir = args.run_dir.resolve()
    print(resumed.message, flush=True)
    if args.detach:
        return _detached(run_dir, resumed.proc, resumed.from_seq)
    return follow(run_dir, resumed.proc.pid, from_seq=resumed.from_seq)  # earlier attempts are history


def follow(run_dir: Path, pid: int, from_seq: int = 0, out: Any = None) -> int:
    """Attached mode: a live progress line until the run ends; Ctrl-C asks for a graceful stop and waits."""
    from alice_tui import event_stream

    out = out or sys.stdout
    stop_sent = detach = False
    final: str | None = None
    tty = out.isatty()

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal stop_sent, detach
        if stop_sent:
            detach = True  # a second Ctrl-C leaves the trainer running and returns
            return
        stop_sent = True
        try:
            client.request(run_dir, "stop")
            print("\nstop requested: checkpointing, then the trainer exits (Ctrl-C again to detach)",
                  file=out, flush=True)
        except OSError as e:
            print(f"\ncould not reach the trainer: {e}", file=out, flush=True)

    old = signal.signal(signal.SIGINT, on_sigint)
    try:
        for item in event_stream.follow(run_dir, lambda: detach, pid_hint=pid, from_seq=from_seq):
            if isinstance(item, event_stream.Batch):
                for ev in item.events:
                    final = _show(ev, out, tty) or final
            elif isinstance(item, event_stream.Damaged):
                print(("\n" if tty else "") + f"warning: {item.message}", file=out, flush=True)
            elif isinstance(item, event_stream.Ended):
                break
    finally:
        signal.signal(signal.SIGINT, old)
    if detach:
        print(f"\ndetached; the trainer keeps running. Re-attach with the console, or: "
              f"alice-tui ctl {run_dir} status", file=out)
        return EXIT_OK
    if final is None:
        final = protocol.INTERRUPTED
        print(f"\nthe trainer exited without a final state; see {rundir.RunPaths(run_dir).log}", file=out)
    print(file=out)
    print(f"{final}: {run_dir}", file=out, flush=True)
    return EXIT_OK if final in (protocol.FINISHED, protocol.STOPPED) else EXIT_FAILED


def _show(ev: dict[str, Any], out: Any, tty: bool) -> str | None:
    kind = ev.get("type")
    if kind == protocol.STEP:
        line = progress_line(ev)
        print(("\r" + line + "\033[K") if tty else line, end="" if tty else "\n", file=out, flush=True)
    elif kind == protocol.STATE:
        state = ev.get("state")
        if state in protocol.FINAL_STATES:
            return str(state)
        if state in (protocol.LOADING, protocol.PAUSED, protocol.STOPPING):
            print(("\n" if tty else "") + f"[{state}]", file=out, flush=True)
    elif kind == protocol.CHECKPOINT:
        print(("\n" if tty else "") + f"checkpoint {ev.get('path')}", file=out, flush=True)
    elif kind == protocol.ERROR:
        print(("\n" if tty else "") + f"error: {ev.get('message')}", file=out, flush=True)
    elif kind == protocol.LOG and ev.get("level") in ("warning", "error"):
        print(("\n" if tty else "") + f"{ev.get('level')}: {ev.get('message')}", file=out, flush=True)
    return None


def cmd_ctl(args: argparse.Namespace) -> int:
    run_dir: Path = args.run_dir
    if not rundir.is_run_dir(run_dir):
        _err(f"{run_dir} is not a run directory (no {rundir.CONFIG})")
        return EXIT_USAGE
    try:
        reply = client.request(run_dir, args.action)
    except OSError as e:  # NotRunning, Unreachable, a reset or broken connection
        summary = rundir.summarize(run_dir)
        if rundir.pid_alive(summary.pid):
            # Alive but not answering is its own case: "not running" would invite a second trainer.
            why = (f"it is stopped (SIGSTOP or Ctrl-Z); continue it with: kill -CONT {summary.pid}"
                   if rundir.pid_stopped(summary.pid) else f"{e}")
            print(json.dumps({"ok": False, "error": f"the trainer (pid {summary.pid}) is alive but unreachable: {why}",
                              "state": summary.state, "pid": summary.pid}))
            return EXIT_UNREACHABLE
        print(json.dumps({"ok": False, "error": f"not running ({summary.state}): {e}", "state": summary.state}))
        return EXIT_NOT_RUNNING
    print(json.dumps(reply, indent=2))
    return EXIT_OK if reply.get("ok") else EXIT_FAILED


def cmd_runs(args: argparse.Namespace) -> int:
    root: Path = args.runs_dir
    runs = rundir.list_runs(root)
    if args.json:
        for r in runs:
            print(json.dumps(r.as_dict()))
        return EXIT_OK
    if not runs:
        print(f"no runs in {root}")
        return EXIT_OK
    rows = [("NAME", "STATE", "STEP", "LOSS", "CHECKPOINT", "STARTED")]
    for r in runs:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.started_t)) if r.started_t else "-"
        rows.append((r.name, r.state, f"{r.step}/{r.max_steps or '?'}", _num(r.loss, ".4f"),
                     str(r.last_checkpoint) if r.last_checkpoint is not None else "-", started))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    for r in runs:
        if r.damaged_lines:
            _err(f"{r.name}: skipped {r.damaged_lines} damaged line(s) of {r.path / rundir.EVENTS}")
    return EXIT_OK
