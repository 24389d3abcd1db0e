"""The control plane across data-parallel ranks: one control word per step boundary, agreed by broadcast.

Rank 0 owns the socket, so only rank 0 knows what was asked; at every step boundary it broadcasts
one word (pause / checkpoint / stop bits) and every rank acts on that word, so all act at the same
step. The collective layer is torch.distributed as accelerate set it up (gloo on CPU, NCCL on
CUDA); nothing here replaces it. With one process every call is a no-op that returns its input.

A rank also watches the launcher (trainer.multirank): if the launcher dies, the ranks end too,
so no orphan keeps training (and writing) after its run looks interrupted.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAUSE, CHECKPOINT, STOP = 1, 2, 4
SUPERVISOR_ENV = "ALICE_TUI_SUPERVISOR_PID"
ATTEMPT_ENV = "ALICE_TUI_ATTEMPT"  # set by the launcher: rank 0 stamps this attempt number on its events
RANKS_DIR = "ranks"  # DIR/ranks/rank-N.pid: who is who, for the launcher's account of a death


@dataclass(frozen=True)
class World:
    rank: int
    size: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def world() -> World:
    """This process's place, from the variables torchrun sets (none: a single process)."""
    return World(int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")))


def agree(word: int, w: World) -> int:
    """Every rank gets rank 0's `word`; a collective, so every rank must call it at the same point."""
    if not w.distributed:
        return word
    import torch
    import torch.distributed as dist

    t = torch.tensor([word if w.is_main else 0], dtype=torch.int64)
    dist.broadcast(t, src=0)
    return int(t.item())


def barrier(w: World) -> None:
    if w.distributed:
        import torch.distributed as dist

        dist.barrier()


def write_rank_pid(run_dir: Path, w: World) -> None:
    d = run_dir / RANKS_DIR
    d.mkdir(exist_ok=True)
    tmp = d / f"rank-{w.rank}.pid.tmp"
    tmp.write_text(f"{os.getpid()}\n")
    os.replace(tmp, d / f"rank-{w.rank}.pid")


def rank_pids(run_dir: Path) -> dict[int, int]:
    out = {}
    for p in (run_dir / RANKS_DIR).glob("rank-*.pid"):
        try:
            out[int(p.name[5:-4])] = int(p.read_text().strip())
        except (OSError, ValueError):
            continue
    return out


def _supervisor_pid() -> int | None:
    """The launcher's pid, in a rank started by trainer.multirank (None in a one-process run)."""
    raw = os.environ.get(SUPERVISOR_ENV)
    return int(raw) if raw else None


def supervisor_gone() -> bool:
    """True in a rank whose launcher has died: the run is interrupted, and no rank may say otherwise."""
    from trainer import rundir

    pid = _supervisor_pid()
    return pid is not None and not rundir.pid_alive(pid)


def exit_if_supervisor_gone() -> None:
    """Called where a rank would write an end (failed, stopped): a peer that left because the launcher
    died shows up here as a collective error or torchrun's SIGTERM, which must not pass for the run's end."""
    if supervisor_gone():
        os._exit(137)


def watch_supervisor(poll_s: float = 0.5, first_delay_s: float = 0.0) -> None:
    """End this rank at once if the launcher that owns the run is gone (SIGKILLed, OOM-killed)."""
    if _supervisor_pid() is None:
        return

    def watch() -> None:
        time.sleep(first_delay_s)
        while not supervisor_gone():
            time.sleep(poll_s)
        os._exit(137)  # as SIGKILL would: no cleanup that could write to a run now owned by nobody

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()
