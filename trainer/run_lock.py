"""One trainer per run dir, enforced by the kernel: an exclusive flock on `trainer.lock`.

A pid file alone is read-check-replace, and two `resume` calls at the same moment both pass the
check. The lock is taken by whoever starts the trainer (the CLI or the console, so the loser learns
it at once and can say so) and handed to the trainer process as an inherited file descriptor: the
open file description, and with it the lock, lives exactly as long as the trainer does, whatever
kills it. A trainer started by hand (`python -m trainer`) takes the lock itself.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK = "trainer.lock"
ENV_FD = "ALICE_TUI_LOCK_FD"  # the inherited, already locked descriptor


class Locked(RuntimeError):
    """Another process holds this run dir's lock."""


def acquire(run_dir: Path) -> int:
    """An open, exclusively locked fd on the run's lock file; Locked when someone else has it."""
    fd = os.open(run_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        from trainer import rundir

        pid = rundir.read_pid(run_dir)
        holder = f" (pid {pid})" if pid and rundir.pid_alive(pid) else ""
        raise Locked(f"another trainer{holder} is already running for {run_dir}") from None
    return fd


def inherited_or_acquire(run_dir: Path) -> int:
    """In the trainer: the descriptor the launcher passed down, or a lock of our own."""
    raw = os.environ.pop(ENV_FD, None)
    if raw is not None:
        try:
            fd = int(raw)
            held, lock = os.fstat(fd), os.stat(run_dir / LOCK)
            if (held.st_dev, held.st_ino) == (lock.st_dev, lock.st_ino):
                return fd
        except (ValueError, OSError):
            pass  # a variable that outlived its descriptor (or names another file): lock for ourselves
    return acquire(run_dir)


def is_locked(run_dir: Path) -> bool:
    """Whether a trainer holds the lock now (a probe that takes and drops it at once)."""
    try:
        fd = acquire(run_dir)
    except Locked:
        return True
    except OSError:
        return False
    os.close(fd)
    return False
