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

from trainer import client, launch, paths, protocol, rundir
from trainer import config as cfgmod

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_RUNNING = 0, 1, 2, 3


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


def expand_overrides(overrides: list[str]) -> list[str]:
    """Let a unique leaf name stand for its full path: `max_steps=200` means `training.max_steps=200`."""
    specs = [f.path for f in cfgmod.field_specs()]
    out = []
    for item in overrides:
        key, sep, value = item.partition("=")
        if sep and "." not in key and key not in specs:
            matches = [p for p in specs if p.endswith("." + key.strip())]
            if len(matches) == 1:
                item = f"{matches[0]}={value}"
        out.append(item)
    return out


def _load_config(path: Path, overrides: list[str]) -> cfgmod.TrainConfig | None:
    try:
        return paths.resolve_config_paths(cfgmod.load(path, expand_overrides(overrides)))
    except cfgmod.ConfigError as e:
        _err(str(e))
        return None


def cmd_train(args: argparse.Namespace) -> int:
    cfg = _load_config(args.config, args.overrides)
    if cfg is None:
        return EXIT_USAGE
    try:
        run_dir = launch.new_run_dir(cfg, args.run_dir.resolve() if args.run_dir else None)
    except (FileExistsError, OSError) as e:
        _err(str(e))
        return EXIT_USAGE
    proc = launch.spawn(run_dir)
    if args.detach:
        print(run_dir)
        return EXIT_OK
    print(f"run dir: {run_dir}  (trainer pid {proc.pid}; log: {rundir.RunPaths(run_dir).log})", flush=True)
    return follow(run_dir, proc.pid)


def cmd_resume(args: argparse.Namespace) -> int:
    run_dir: Path = args.run_dir.resolve()
    if not rundir.is_run_dir(run_dir):
        _err(f"{run_dir} is not a run directory (no {rundir.CONFIG})")
        return EXIT_USAGE
    pid = rundir.read_pid(run_dir)
    if rundir.pid_alive(pid):
        _err(f"the trainer for {run_dir} is still running (pid {pid}); use `alice-tui ctl {run_dir} stop` first")
        return EXIT_USAGE
    try:
        saved = cfgmod.load(run_dir / rundir.CONFIG)
        overrides = expand_overrides(args.overrides)
        wanted = cfgmod.load(run_dir / rundir.CONFIG, overrides) if overrides else saved
        cfgmod.check_resume_overrides(saved, wanted)
    except cfgmod.ConfigError as e:
        _err(str(e))
        return EXIT_USAGE
    summary = rundir.summarize(run_dir)
    if summary.state == protocol.FINISHED and summary.step >= wanted.training.max_steps:
        _err(f"{run_dir.name} already finished all {summary.step} steps; extend it with "
             f"--set training.max_steps=N (N > {summary.step})")
        return EXIT_USAGE
    if wanted is not saved:
        tmp = run_dir / (rundir.CONFIG + ".tmp")
        cfgmod.save_yaml(wanted, tmp)
        tmp.replace(run_dir / rundir.CONFIG)
    ckpt = rundir.newest_complete_checkpoint(run_dir)
    seen = max((ev.get("seq", 0) for ev in rundir.iter_events(run_dir)), default=0)
    print(f"resuming {run_dir.name} from {ckpt.name if ckpt else 'step 0 (no complete checkpoint)'}", flush=True)
    proc = launch.spawn(run_dir, resume=True)
    if args.detach:
        print(run_dir)
        return EXIT_OK
    return follow(run_dir, proc.pid, from_seq=seen)  # the earlier attempts' final state is history


def follow(run_dir: Path, pid: int, from_seq: int = 0, out: Any = None) -> int:
    """Attached mode: a live progress line until the run ends; Ctrl-C asks for a graceful stop and waits."""
    out = out or sys.stdout
    stop_sent = False
    last_seq = from_seq
    final: str | None = None
    tty = out.isatty()

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal stop_sent
        if stop_sent:
            raise KeyboardInterrupt  # a second Ctrl-C leaves the trainer running and returns
        stop_sent = True
        try:
            client.request(run_dir, "stop")
            print("\nstop requested: checkpointing, then the trainer exits (Ctrl-C again to detach)",
                  file=out, flush=True)
        except (client.NotRunning, OSError) as e:
            print(f"\ncould not reach the trainer: {e}", file=out, flush=True)

    old = signal.signal(signal.SIGINT, on_sigint)
    try:
        while final is None:
            try:
                for ev in client.subscribe(run_dir, from_seq=last_seq):
                    last_seq = ev.get("seq", last_seq)
                    final = _show(ev, out, tty) or final
                    if final:
                        break
            except (client.NotRunning, OSError):
                pass
            if final is None:
                if not rundir.pid_alive(pid) and rundir.read_pid(run_dir) in (None, pid):
                    states = [e.get("state") for e in rundir.iter_events(run_dir, from_seq)
                              if e.get("type") == protocol.STATE]
                    last = states[-1] if states else None
                    final = last if last in protocol.FINAL_STATES else protocol.INTERRUPTED
                    if final == protocol.INTERRUPTED:
                        print(f"\nthe trainer exited without a final state; see {rundir.RunPaths(run_dir).log}",
                              file=out)
                    break
                time.sleep(0.2)  # the socket is not up yet (loading) or we were dropped: reconnect
    except KeyboardInterrupt:
        print(f"\ndetached; the trainer keeps running. Re-attach with the console, or: "
              f"alice-tui ctl {run_dir} status", file=out)
        return EXIT_OK
    finally:
        signal.signal(signal.SIGINT, old)
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
    except (client.NotRunning, OSError) as e:
        state = rundir.summarize(run_dir).state
        print(json.dumps({"ok": False, "error": f"not running ({state}): {e}", "state": state}))
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
    return EXIT_OK
