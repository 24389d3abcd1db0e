"""Resume after a crash, with real trainers SIGKILLed at exact points (trainer.faults)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import trainer_fixtures as fx
from fault_fixtures import ROOT, cli, copy_run, crashed_run

from trainer import curves, protocol, rundir

pytestmark = pytest.mark.slow


def _adapter(d: Path) -> dict:  # type: ignore[type-arg]
    from safetensors.torch import load_file

    return load_file(str(d / "adapter_model.safetensors"))


@pytest.mark.parametrize("schedule", ["constant", "linear", "cosine"])
def test_resume_after_the_final_checkpoint_writes_final_and_trains_no_extra_step(tmp_path: Path, schedule: str) -> None:
    import torch

    run_dir = crashed_run(tmp_path, "kill_after_complete:3", save_every=1, max_steps=3, lr_scheduler=schedule)
    assert not (run_dir / rundir.FINAL).exists() and (run_dir / "checkpoint-3" / rundir.COMPLETE).exists()
    res = cli("resume", str(run_dir))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "finished" in res.stdout
    assert not (run_dir / "checkpoint-4").exists()
    final, ckpt = _adapter(run_dir / rundir.FINAL), _adapter(run_dir / "checkpoint-3")
    assert final.keys() == ckpt.keys() and all(torch.equal(final[k], ckpt[k]) for k in final)
    s = rundir.summarize(run_dir)
    assert (s.state, s.step, s.max_steps) == (protocol.FINISHED, 3, 3)
    assert max(e["step"] for e in fx.events(run_dir, protocol.STEP)) == 3


@pytest.fixture(scope="module")
def killed_at_step_3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Steps 1-3 in the log, checkpoint-2 the newest complete one: step 3 belongs to a dead attempt."""
    return crashed_run(tmp_path_factory.mktemp("crash"), "kill_after_step:3", save_every=2, max_steps=4)


def test_history_after_a_resume_keeps_only_the_latest_attempt_of_each_step(killed_at_step_3: Path,
                                                                          tmp_path: Path) -> None:
    run_dir = copy_run(killed_at_step_3, tmp_path / "run")
    assert rundir.summarize(run_dir).step == 3
    res = cli("resume", str(run_dir))
    assert res.returncode == 0, res.stdout + res.stderr
    evs = fx.events(run_dir)
    resumed = [e for e in evs if e["type"] == protocol.RESUMED]
    assert [(e["from_step"], e["attempt"]) for e in resumed] == [(2, 2)]
    after = evs[evs.index(resumed[0]):]
    assert {e["attempt"] for e in after} == {2} and {e["attempt"] for e in evs[:evs.index(resumed[0])]} == {1}
    # What any reader sees the moment the new attempt has started: step 2, not the dead attempt's 3.
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / rundir.CONFIG).write_text((run_dir / rundir.CONFIG).read_text())
    lines = (run_dir / rundir.EVENTS).read_bytes().splitlines(keepends=True)
    (partial / rundir.EVENTS).write_bytes(b"".join(lines[:evs.index(resumed[0]) + 1]))
    assert rundir.summarize(partial).step == 2
    c = curves.fold(evs)
    assert sorted(c.series["loss"]) == [1, 2, 3, 4] and c.resumes == [2]
    step3 = [e for e in evs if e["type"] == protocol.STEP and e["step"] == 3]
    assert len(step3) == 2 and c.series["loss"][3] == step3[-1]["loss"]  # the new attempt's value wins


def test_the_loser_of_two_concurrent_resumes_exits_non_zero_and_says_why(killed_at_step_3: Path,
                                                                        tmp_path: Path) -> None:
    run_dir = copy_run(killed_at_step_3, tmp_path / "run")
    cmd = [sys.executable, "-m", "alice_tui", "resume", "--detach", str(run_dir)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [(p.wait(120), *p.communicate()) for p in procs]
    codes = sorted(o[0] for o in outs)
    assert codes[0] == 0 and codes[1] != 0, outs
    loser = next(o for o in outs if o[0] != 0)
    assert "running" in loser[2], loser
    fx.wait_for(lambda: rundir.summarize(run_dir).state == protocol.FINISHED, 180, "the winner finishes")
    starts = [e for e in fx.events(run_dir, protocol.STATE) if e["state"] == protocol.STARTING]
    assert len(starts) == 2  # the crashed attempt and exactly one resumed trainer


def _corrupt(ckpt: Path) -> Path:
    f = ckpt / "adapter_model.safetensors"
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    return f


def test_a_corrupt_complete_checkpoint_is_one_clear_line_on_resume(killed_at_step_3: Path, tmp_path: Path) -> None:
    run_dir = copy_run(killed_at_step_3, tmp_path / "run")
    bad = _corrupt(run_dir / "checkpoint-2")
    res = cli("resume", str(run_dir))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and str(bad) in res.stderr and "corrupt" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not rundir.pid_alive(rundir.read_pid(run_dir))


def test_a_corrupt_complete_checkpoint_is_one_clear_line_in_eval(killed_at_step_3: Path, tmp_path: Path) -> None:
    run_dir = copy_run(killed_at_step_3, tmp_path / "run")
    bad = _corrupt(run_dir / "checkpoint-2")
    res = cli("eval", str(run_dir), "--checkpoint", "2", "--split", "train", "--limit", "2", "--generations", "0")
    assert res.returncode != 0
    assert "Traceback" not in res.stderr and str(bad) in res.stderr and "corrupt" in res.stderr, res.stderr


def test_a_stopped_trainer_is_unreachable_not_not_running(killed_at_step_3: Path, tmp_path: Path) -> None:
    run_dir = copy_run(killed_at_step_3, tmp_path / "run")
    res = cli("resume", "--detach", "--set", "max_steps=100000", str(run_dir))
    assert res.returncode == 0, res.stderr
    fx.wait_for(lambda: (fx.status(run_dir) or {}).get("state") == protocol.TRAINING, 120, "training")
    pid = rundir.read_pid(run_dir)
    assert pid
    os.kill(pid, signal.SIGSTOP)
    try:
        ctl = cli("ctl", str(run_dir), "status", timeout=60)
        assert ctl.returncode == 4, ctl.stdout + ctl.stderr
        reply = json.loads(ctl.stdout)
        assert "alive but unreachable" in reply["error"] and f"kill -CONT {pid}" in reply["error"]
    finally:
        os.kill(pid, signal.SIGCONT)
    assert cli("ctl", str(run_dir), "stop").returncode == 0
    fx.wait_for(lambda: not rundir.pid_alive(pid), 120, "the trainer to stop")
    assert rundir.summarize(run_dir).state == protocol.STOPPED
