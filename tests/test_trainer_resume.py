"""Exact resume: a run SIGKILLed after its first checkpoint and resumed ends bit-identical to an uninterrupted one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import trainer_fixtures as fx

from trainer import launch, protocol, rundir

pytestmark = pytest.mark.slow

STEPS, SAVE_EVERY = 8, 4


def _adapter(run_dir: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(run_dir / rundir.FINAL / "adapter_model.safetensors"))


def _losses(run_dir: Path) -> dict[int, float]:
    # A step logged twice (before the kill and again after resume) keeps its last value.
    return {e["step"]: e["loss"] for e in fx.events(run_dir, protocol.STEP)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("resume")
    data = fx.write_split_dir(tmp / "data", n_train=40, n_val=4)
    cfg = fx.small_config(data, tmp / "runs", training={"max_steps": STEPS, "per_device_batch_size": 2,
                                                         "gradient_accumulation_steps": 2},
                          checkpointing={"save_every_steps": SAVE_EVERY}, dpo={"max_length": 256})
    straight = fx.new_run(cfg, tmp / "runs" / "straight")
    broken = fx.new_run(cfg, tmp / "runs" / "broken")
    # Both at once: the uninterrupted run does not depend on the other, and the wall time halves.
    reference = launch.spawn(straight)
    proc = launch.spawn(broken)
    try:
        fx.wait_for(lambda: (broken / f"checkpoint-{SAVE_EVERY}" / rundir.COMPLETE).exists(), 240,
                    "the first complete checkpoint")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        assert reference.wait(300) == 0, fx.log_tail(straight)
    finally:
        for p in (proc, reference):
            if p.poll() is None:
                p.kill()
                p.wait()
    assert rundir.summarize(broken).state == protocol.INTERRUPTED
    # A torn newer checkpoint (crash mid-save: no COMPLETE, no optimizer) must be ignored by resume.
    torn = broken / f"checkpoint-{SAVE_EVERY + 2}"
    if not torn.exists():
        shutil.copytree(broken / f"checkpoint-{SAVE_EVERY}", torn)
    (torn / rundir.COMPLETE).unlink(missing_ok=True)
    (torn / "optimizer.pt").unlink(missing_ok=True)
    assert rundir.newest_complete_checkpoint(broken) == broken / f"checkpoint-{SAVE_EVERY}"
    resumed = fx.run_trainer(broken, resume=True)
    assert resumed.returncode == 0, resumed.stdout.decode()[-3000:]
    return straight, broken


def test_resumed_adapter_is_bit_identical(runs: tuple[Path, Path]) -> None:
    import torch

    straight, broken = runs
    a, b = _adapter(straight), _adapter(broken)
    assert a.keys() == b.keys() and a
    for name in a:
        assert torch.equal(a[name], b[name]), name
    base_b = next(iter(b.values()))
    assert base_b.abs().sum() > 0  # a trained adapter, not two untouched zero inits


def test_losses_after_the_resume_point_match(runs: tuple[Path, Path]) -> None:
    straight, broken = runs
    la, lb = _losses(straight), _losses(broken)
    after = [s for s in range(SAVE_EVERY + 1, STEPS + 1)]
    assert all(s in lb for s in after), lb
    assert [la[s] for s in after] == [lb[s] for s in after]


def test_resume_skipped_the_torn_checkpoint_and_continued_the_log(runs: tuple[Path, Path]) -> None:
    _, broken = runs
    logs = [e["message"] for e in fx.events(broken, protocol.LOG)]
    assert f"resuming from checkpoint-{SAVE_EVERY}" in logs
    seqs = [e["seq"] for e in fx.events(broken)]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))  # seq continued, never restarted
    assert fx.states(broken)[-1] == protocol.FINISHED
    assert rundir.summarize(broken).state == protocol.FINISHED
    pinned = json.loads((broken / rundir.BASE_MODEL).read_text())
    assert pinned["name_or_path"] == "builtin:tiny-qwen2" and Path(pinned["resolved"]).is_dir()
    assert rundir.pinned_base_model(broken) == pinned["resolved"]


def test_resume_refuses_frozen_overrides(runs: tuple[Path, Path]) -> None:
    _, broken = runs
    cmd = [fx.python(), "-m", "alice_tui", "resume", str(broken), "--set", "lora.r=4"]
    res = subprocess.run(cmd, cwd=fx.ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "lora.r" in res.stderr and "cannot change on resume" in res.stderr


def test_a_finished_run_extends_with_more_steps(runs: tuple[Path, Path]) -> None:
    _, broken = runs
    cmd = [fx.python(), "-m", "alice_tui", "resume", str(broken), "--set", f"max_steps={STEPS + 2}"]  # the short form
    res = subprocess.run(cmd, cwd=fx.ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"resuming broken from checkpoint-{STEPS}" in res.stdout  # the finishing checkpoint made this possible
    assert f"step {STEPS + 2}/{STEPS + 2}" in res.stdout and res.stdout.rstrip().endswith(f"finished: {broken}")
    summary = rundir.summarize(broken)
    assert (summary.state, summary.step, summary.max_steps) == (protocol.FINISHED, STEPS + 2, STEPS + 2)
