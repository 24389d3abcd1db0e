"""Create a run directory, start a detached trainer for it, and resume one: the one way to do each.

Light module: the CLI and the console both start and resume runs through here, so they follow the
same rules (which runs can be resumed, from where, with which overrides) and say the same things.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from trainer import checkpoints, protocol, run_lock, rundir
from trainer import config as cfgmod

PRIVATE_UMASK = 0o077  # everything in a run dir is the owner's alone, not only the dir itself


@contextlib.contextmanager
def _private_files() -> Iterator[None]:
    old = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(old)


def new_run_dir(cfg: cfgmod.TrainConfig, run_dir: Path | None = None) -> Path:
    """Make the 0700 run dir and snapshot the resolved config into it."""
    if run_dir is None:
        root = Path(cfg.checkpointing.output_root)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir = root / f"{cfg.name}-{stamp}"
        n = 1
        while run_dir.exists():
            n += 1
            run_dir = root / f"{cfg.name}-{stamp}-{n}"
        if run_dir.resolve().parent != root.resolve():  # the name is checked plain; this is the backstop
            raise ValueError(f"name: {cfg.name!r} would put the run outside {root}")
    if rundir.is_run_dir(run_dir):
        raise FileExistsError(f"{run_dir} already holds a run; use `alice-tui resume {run_dir}`")
    if run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
        raise FileExistsError(f"{run_dir} exists and is not empty; a new run needs a new or empty directory")
    with _private_files():
        run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(run_dir, 0o700)  # the dir may have existed (empty) with a wider mode
        tmp = run_dir / (rundir.CONFIG + ".tmp")
        cfgmod.save_yaml(cfg, tmp)
        os.replace(tmp, run_dir / rundir.CONFIG)
    return run_dir


def trainer_command(run_dir: Path, resume: bool = False) -> list[str]:
    """One trainer process, or (distributed.num_processes > 1) the launcher of N ranks (trainer.multirank)."""
    module = "trainer"
    try:
        if cfgmod.load(run_dir / rundir.CONFIG).distributed.num_processes > 1:
            module = "trainer.multirank"
    except cfgmod.ConfigError:
        pass  # the trainer itself reports a bad config, in the run's events
    cmd = [sys.executable, "-m", module, "--run-dir", str(run_dir)]
    if resume:
        cmd.append("--resume")
    return cmd


def spawn(run_dir: Path, resume: bool = False, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start the trainer in its own session so that closing the console or SSH never stops it.

    The run's lock is taken here (run_lock.Locked if another trainer has it) and handed to the
    child, so of two simultaneous starts exactly one gets a trainer and the other hears why at once.
    A thread reaps the child when it ends: a console that started it never keeps a <defunct> entry.
    """
    paths = rundir.RunPaths(run_dir)
    lock_fd = run_lock.acquire(run_dir)
    try:
        full_env = {**os.environ, **(env or {}), run_lock.ENV_FD: str(lock_fd)}
        full_env.setdefault("PYTHONUNBUFFERED", "1")
        with _private_files():
            log_fd = os.open(paths.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                proc = subprocess.Popen(trainer_command(run_dir, resume), stdin=subprocess.DEVNULL, stdout=log_fd,
                                        stderr=subprocess.STDOUT, start_new_session=True, env=full_env,
                                        cwd=os.getcwd(), pass_fds=(lock_fd,))
            finally:
                os.close(log_fd)
            tmp = paths.pid.with_suffix(".tmp")
            tmp.write_text(f"{proc.pid}\n")  # at once, so readers never see a started run without a pid
            os.replace(tmp, paths.pid)
    finally:
        os.close(lock_fd)  # the child holds the lock now; ours goes
    threading.Thread(target=proc.wait, name=f"reap-{proc.pid}", daemon=True).start()
    return proc


@dataclass(frozen=True)
class Started:
    ok: bool
    state: str  # the state reached, or "failed"/"exited" when the trainer died first
    message: str


def wait_started(run_dir: Path, proc: subprocess.Popen[bytes], from_seq: int = 0, timeout: float = 120.0) -> Started:
    """Wait until the new trainer reached `loading` (it read its config and owns the socket) or died."""
    deadline = time.monotonic() + timeout
    seq = from_seq
    while True:
        for ev in rundir.iter_events(run_dir, seq):
            seq = ev["seq"]
            if ev.get("type") == protocol.STATE and ev.get("state") not in (protocol.STARTING, None):
                state = str(ev["state"])
                if state == protocol.FAILED:
                    return Started(False, state, _failure_message(run_dir, proc, from_seq))
                return Started(True, state, f"trainer pid {proc.pid} is {state}")
        code = proc.poll()
        if code is not None:
            return Started(False, "exited", _failure_message(run_dir, proc, from_seq))
        if time.monotonic() > deadline:
            return Started(True, "starting", f"trainer pid {proc.pid} is still starting after {timeout:.0f}s")
        time.sleep(0.1)


def _failure_message(run_dir: Path, proc: subprocess.Popen[bytes], from_seq: int) -> str:
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)
    errors = [str(ev.get("message")) for ev in rundir.iter_events(run_dir, from_seq) if ev.get("type") == protocol.ERROR]
    tail = rundir.log_tail(run_dir, 8)
    head = f"the trainer (pid {proc.pid}) failed at start"
    head += f" (exit code {proc.returncode})" if proc.returncode is not None else ""
    lines = [head + (f": {errors[-1]}" if errors else "")]
    if tail:
        lines += [f"last lines of {rundir.RunPaths(run_dir).log}:", *("  " + ln for ln in tail)]
    return "\n".join(lines)


class ResumeRefused(RuntimeError):
    """The run cannot be resumed as asked; the message says why and what to do instead."""


@dataclass(frozen=True)
class Resumed:
    proc: subprocess.Popen[bytes]
    from_step: int  # the checkpoint the trainer continues from (0: from the start)
    from_seq: int  # events up to here belong to earlier attempts
    message: str


def resume(run_dir: Path, overrides: list[str] | None = None) -> Resumed:
    """Continue a stopped, interrupted or failed run from its newest complete checkpoint.

    `overrides` (`section.key=value`, leaf names allowed) may change what resume allows, e.g.
    `training.max_steps=N` to extend a finished run. With no complete checkpoint the run starts
    again from step 0. Refusals (ResumeRefused) leave the run dir as it was.
    """
    from trainer import overrides as ovmod

    run_dir = Path(run_dir).resolve()
    if not rundir.is_run_dir(run_dir):
        raise ResumeRefused(f"{run_dir} is not a run directory (no {rundir.CONFIG})")
    summary = rundir.summarize(run_dir)
    if rundir.pid_alive(summary.pid) or run_lock.is_locked(run_dir):
        raise ResumeRefused(f"the trainer for {run_dir.name} is still running"
                            + (f" (pid {summary.pid})" if summary.pid else "")
                            + f"; stop it first: alice-tui ctl {run_dir} stop")
    try:
        saved = cfgmod.load(run_dir / rundir.CONFIG)
        expanded = ovmod.expand(overrides or [])
        wanted = cfgmod.load(run_dir / rundir.CONFIG, expanded) if expanded else saved
        cfgmod.check_resume_overrides(saved, wanted)
    except cfgmod.ConfigError as e:
        raise ResumeRefused(str(e)) from None
    if summary.state == protocol.FINISHED and summary.step >= wanted.training.max_steps:
        raise ResumeRefused(f"{run_dir.name} already finished all {summary.step} steps; extend it with "
                            f"training.max_steps=N (N > {summary.step})")
    ckpt = rundir.newest_complete_checkpoint(run_dir)
    if ckpt is not None:
        try:
            checkpoints.verify(ckpt)
        except checkpoints.CorruptCheckpoint as e:
            older = [p.name for _, p in rundir.checkpoints(run_dir)][:-1]
            hint = f"; move {ckpt.name} aside to resume from {older[-1]}" if older else ""
            raise ResumeRefused(f"cannot resume {run_dir.name}: {e}{hint}") from None
    if wanted is not saved:
        with _private_files():
            tmp = run_dir / (rundir.CONFIG + ".tmp")
            cfgmod.save_yaml(wanted, tmp)
            os.replace(tmp, run_dir / rundir.CONFIG)
    from_seq = max((ev["seq"] for ev in rundir.iter_events(run_dir)), default=0)
    try:
        proc = spawn(run_dir, resume=True)
    except run_lock.Locked as e:
        raise ResumeRefused(str(e)) from None
    step = checkpoints.step_of(ckpt) if ckpt else 0
    where = f"from {ckpt.name}" if ckpt else "from step 0 (no complete checkpoint)"
    note = f" (skipped {summary.damaged_lines} damaged line(s) of {rundir.EVENTS})" if summary.damaged_lines else ""
    return Resumed(proc, step, from_seq, f"resuming {run_dir.name} {where}{note}")
