"""Create a run directory and start a detached trainer process for it.

Light module: used by the CLI and the console alike, so both start runs the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from trainer import config as cfgmod
from trainer import rundir


def new_run_dir(cfg: cfgmod.TrainConfig, run_dir: Path | None = None) -> Path:
    """Make the 0700 run dir and snapshot the resolved config into it."""
    if run_dir is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir = Path(cfg.checkpointing.output_root) / f"{cfg.name}-{stamp}"
        n = 1
        while run_dir.exists():
            n += 1
            run_dir = Path(cfg.checkpointing.output_root) / f"{cfg.name}-{stamp}-{n}"
    if rundir.is_run_dir(run_dir):
        raise FileExistsError(f"{run_dir} already holds a run; use `alice-tui resume {run_dir}`")
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(run_dir, 0o700)  # mkdir's mode is masked by umask, and the dir may have existed
    tmp = run_dir / (rundir.CONFIG + ".tmp")
    cfgmod.save_yaml(cfg, tmp)
    os.replace(tmp, run_dir / rundir.CONFIG)
    return run_dir


def trainer_command(run_dir: Path, resume: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "trainer", "--run-dir", str(run_dir)]
    if resume:
        cmd.append("--resume")
    return cmd


def spawn(run_dir: Path, resume: bool = False, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start the trainer in its own session so that closing the console or SSH never stops it."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    with open(rundir.RunPaths(run_dir).log, "ab") as log:
        return subprocess.Popen(trainer_command(run_dir, resume), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, env=full_env,
                                cwd=os.getcwd())
