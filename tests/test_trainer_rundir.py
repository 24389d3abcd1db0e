"""Reading a run dir without the trainer: state folding, interrupted detection, complete checkpoints, pruning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from trainer import protocol, rundir
from trainer.checkpoints import mark_complete, prune_checkpoints
from trainer.events import EventLog


def _run_dir(tmp: Path, states: list[str], pid: int | None) -> Path:
    d = tmp / "run"
    d.mkdir()
    (d / rundir.CONFIG).write_text("name: t\n")
    log = EventLog(d / rundir.EVENTS)
    for s in states:
        log.emit(protocol.STATE, state=s, step=3, max_steps=10)
    log.emit(protocol.STEP, step=4, max_steps=10, loss=0.5, eta_s=12.0)
    log.close()
    if pid is not None:
        (d / rundir.PID).write_text(f"{pid}\n")
    return d


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_dead_pid_without_a_final_state_is_interrupted(tmp_path: Path) -> None:
    d = _run_dir(tmp_path, [protocol.STARTING, protocol.TRAINING], _dead_pid())
    s = rundir.summarize(d)
    assert s.state == protocol.INTERRUPTED and s.step == 4 and s.loss == 0.5 and s.max_steps == 10


def test_a_live_pid_keeps_the_last_state(tmp_path: Path) -> None:
    d = _run_dir(tmp_path, [protocol.STARTING, protocol.TRAINING, protocol.PAUSED], os.getpid())
    assert rundir.summarize(d).state == protocol.PAUSED


def test_a_final_state_wins_over_a_dead_pid(tmp_path: Path) -> None:
    d = _run_dir(tmp_path, [protocol.TRAINING, protocol.STOPPED], _dead_pid())
    assert rundir.summarize(d).state == protocol.STOPPED


def test_a_run_that_never_started_is_created_not_interrupted(tmp_path: Path) -> None:
    d = tmp_path / "run"
    d.mkdir()
    (d / rundir.CONFIG).write_text("name: t\n")
    assert rundir.summarize(d).state == "created"


def _ckpt(run: Path, step: int, complete: bool) -> Path:
    c = run / f"checkpoint-{step}"
    c.mkdir(parents=True)
    (c / "adapter_model.safetensors").write_bytes(b"x")
    if complete:
        mark_complete(c, step)
    return c


def test_only_checkpoints_with_complete_count(tmp_path: Path) -> None:
    _ckpt(tmp_path, 10, True)
    _ckpt(tmp_path, 20, True)
    _ckpt(tmp_path, 30, False)  # torn by a crash mid-save
    assert rundir.newest_complete_checkpoint(tmp_path) == tmp_path / "checkpoint-20"
    assert [s for s, _ in rundir.checkpoints(tmp_path)] == [10, 20]
    assert [s for s, _ in rundir.checkpoints(tmp_path, complete_only=False)] == [10, 20, 30]
    assert '"step": 20' in (tmp_path / "checkpoint-20" / rundir.COMPLETE).read_text()


def test_pruning_keeps_the_newest_complete_and_drops_older_torn_ones(tmp_path: Path) -> None:
    for step, ok in [(10, True), (15, False), (20, True), (30, True), (40, False)]:
        _ckpt(tmp_path, step, ok)
    removed = prune_checkpoints(tmp_path, keep=2)
    assert sorted(p.name for p in removed) == ["checkpoint-10", "checkpoint-15"]
    # checkpoint-40 may be a save in progress (newer than every complete one): left alone.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-20", "checkpoint-30", "checkpoint-40"]


def test_pruning_without_a_limit_keeps_every_complete_checkpoint(tmp_path: Path) -> None:
    for step in (1, 2, 3):
        _ckpt(tmp_path, step, True)
    assert prune_checkpoints(tmp_path, keep=None) == []
    assert len(rundir.checkpoints(tmp_path)) == 3


def test_the_base_model_is_pinned_at_first_start_and_reused_on_resume(tmp_path: Path) -> None:
    import json

    import pytest

    from trainer import config as cfgmod
    from trainer.run import pin_base_model

    paths = rundir.RunPaths(tmp_path)
    cfg = cfgmod.from_dict({"model": {"name_or_path": "some-org/some-model"}})
    assert pin_base_model(cfg, paths, resume=False, log=print) == "some-org/some-model"
    assert json.loads(paths.base_model.read_text())["resolved"] == "some-org/some-model"

    # What the first start resolved wins on resume, even if resolving again would now give another answer.
    built = tmp_path / "built-model"
    built.mkdir()
    paths.base_model.write_text(json.dumps({"name_or_path": "some-org/some-model", "resolved": str(built)}))
    assert pin_base_model(cfg, paths, resume=True, log=print) == str(built)
    built.rmdir()
    with pytest.raises(FileNotFoundError, match=r"model\.name_or_path"):
        pin_base_model(cfg, paths, resume=True, log=print)
