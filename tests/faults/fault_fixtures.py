"""Shared plumbing of the fault suite: the CLI as a user runs it, and real trainer runs crashed on purpose."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import trainer_fixtures as fx

from trainer import faults

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, timeout: float = 300, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "alice_tui", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def crashed_run(tmp: Path, fault: str, save_every: int = 2, **training: Any) -> Path:
    """A real tiny run whose trainer SIGKILLs itself at `fault` (trainer.faults), left as a crash leaves it."""
    data = fx.write_split_dir(tmp / "data", n_train=16, n_val=0)
    cfg = fx.small_config(data, tmp / "runs", training={"eval_every_steps": 0, "logging_steps": 1, **training},
                          checkpointing={"save_every_steps": save_every})
    run_dir = fx.new_run(cfg)
    res = subprocess.run(fx.launch.trainer_command(run_dir), cwd=ROOT, capture_output=True, timeout=300,
                         env={**os.environ, faults.ENV: fault})
    assert res.returncode == -9, f"expected the fault to kill the trainer: {res.returncode}\n{fx.log_tail(run_dir)}"
    return run_dir


def copy_run(src: Path, dst: Path) -> Path:
    """A private copy of a crashed run, so one crash serves several tests."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("control.sock", "trainer.lock"))
    return dst
