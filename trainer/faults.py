"""Fault injection for the fault suite (tests/faults/): crash the trainer at an exact point.

`ALICE_TUI_FAULT` names one fault; unset (always, outside tests) nothing here does anything.
A power cut cannot be scheduled from a test, but a SIGKILL at the same instant leaves the same
files behind, which is what crash recovery has to handle.
  kill_after_complete:STEP  SIGKILL ourselves right after checkpoint-STEP/COMPLETE is written
  kill_after_step:STEP      SIGKILL ourselves right after step STEP's event is written
  enospc_at_start           fail the first write of the run as a full disk would
  slow_supervisor_watch:RANK  rank RANK notices a dead launcher only after 20 s, so its peers go first
"""

from __future__ import annotations

import errno
import os
import signal

ENV = "ALICE_TUI_FAULT"


def _fault() -> tuple[str, str]:
    name, _, arg = os.environ.get(ENV, "").partition(":")
    return name, arg


def after_checkpoint_complete(step: int) -> None:
    name, arg = _fault()
    if name == "kill_after_complete" and arg == str(step):
        os.kill(os.getpid(), signal.SIGKILL)


def after_step_logged(step: int) -> None:
    name, arg = _fault()
    if name == "kill_after_step" and arg == str(step):
        os.kill(os.getpid(), signal.SIGKILL)


def at_start() -> None:
    if _fault()[0] == "enospc_at_start":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def supervisor_watch_delay_s(rank: int) -> float:
    """Forces the race a dead launcher starts: one rank learns of it late, after a peer already left."""
    name, arg = _fault()
    return 20.0 if name == "slow_supervisor_watch" and arg == str(rank) else 0.0
