"""Checkpoint completeness: the COMPLETE marker written last, and pruning that never keeps a torn checkpoint."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from trainer import rundir


def mark_complete(ckpt: Path, step: int) -> None:
    """Write and fsync COMPLETE last: a checkpoint without it was torn by a crash and is never resumed from."""
    marker = ckpt / rundir.COMPLETE
    with open(marker, "w") as f:
        json.dump({"step": step, "t": round(time.time(), 3)}, f)
        f.flush()
        os.fsync(f.fileno())
    for d in (ckpt, ckpt.parent):
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def prune_checkpoints(run_dir: Path, keep: int | None) -> list[Path]:
    """Keep the newest `keep` complete checkpoints; also drop torn ones older than the newest complete one."""
    complete = rundir.checkpoints(run_dir)
    removed: list[Path] = []
    if not complete:
        return removed
    newest = complete[-1][0]
    doomed = [p for _, p in complete[:-keep]] if keep else []
    doomed += [p for s, p in rundir.checkpoints(run_dir, complete_only=False)
               if s < newest and not (p / rundir.COMPLETE).exists()]
    for p in doomed:
        # Drop the marker first, so a crash halfway through leaves a torn (ignored) dir, never a bad "complete" one.
        try:
            (p / rundir.COMPLETE).unlink()
        except FileNotFoundError:
            pass
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed
