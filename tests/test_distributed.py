"""Two data-parallel ranks on gloo (CPU), driven as one run: control across ranks, exact resume, equivalence.

Real `accelerate launch` (torchrun) processes training the tiny model; the run is driven through its
socket and the CLI exactly as a one-process run is.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import trainer_fixtures as fx
from faults.fault_fixtures import cli

from trainer import client, faults, protocol, ranks, rundir
from trainer import config as cfgmod

pytestmark = pytest.mark.slow


def _start(tmp: Path, name: str, *, processes: int = 2, steps: int = 6, batch: int = 1, accumulation: int = 2,
           save_every: int = 2, detach: bool = True, fault: str = "", **distributed: Any) -> Path:
    data = fx.write_split_dir(tmp / "data", n_train=48, n_val=0)
    cfg = fx.small_config(data, tmp / "runs", training={
        "max_steps": steps, "per_device_batch_size": batch, "gradient_accumulation_steps": accumulation,
        "eval_every_steps": 0, "logging_steps": 1}, checkpointing={"save_every_steps": save_every},
        distributed={"num_processes": processes, **distributed})
    cfg_file = tmp / f"{name}.yaml"
    cfgmod.save_yaml(cfg, cfg_file)
    run_dir = tmp / name

    res = cli("train", "--config", str(cfg_file), "--run-dir", str(run_dir), *(["--detach"] if detach else []),
              env={faults.ENV: fault} if fault else None)
    assert res.returncode == 0, res.stdout + res.stderr + fx.log_tail(run_dir)
    return run_dir


def _losses(run_dir: Path) -> dict[int, float]:
    out: dict[int, float] = {}
    for e in fx.events(run_dir, protocol.STEP):
        out[e["step"]] = e["loss"]  # file order: the latest attempt's value wins
    return out


def _adapter(d: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(d / "adapter_model.safetensors"))


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _state(run_dir: Path) -> str:
    return rundir.summarize(run_dir).state


def _no_process_left(run_dir: Path) -> bool:
    pids = [*ranks.rank_pids(run_dir).values(), rundir.read_pid(run_dir)]
    if any(rundir.pid_alive(p) for p in pids if p):
        return False
    for proc in Path("/proc").iterdir():  # accelerate / torchrun too: nothing names this run any more
        try:
            if str(run_dir).encode() in (proc / "cmdline").read_bytes() and rundir.pid_alive(int(proc.name)):
                return False
        except (OSError, ValueError):
            continue
    return True


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = _start(tmp_path_factory.mktemp("ref"), "ref", detach=False)
    assert _state(run_dir) == protocol.FINISHED
    return run_dir


def _assert_same_as(run_dir: Path, ref: Path, resumed_from: int) -> None:
    import torch

    a, b = _adapter(run_dir / rundir.FINAL), _adapter(ref / rundir.FINAL)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    mine, theirs = _losses(run_dir), _losses(ref)
    assert {s: mine[s] for s in mine if s > resumed_from} == {s: theirs[s] for s in theirs if s > resumed_from}


def test_two_ranks_pause_past_the_collective_timeout_checkpoint_continue_and_stop(tmp_path: Path) -> None:
    run_dir = _start(tmp_path, "ctl", steps=100_000, save_every=0, collective_timeout_s=10)
    fx.wait_for(lambda: (fx.status(run_dir) or {}).get("step", 0) >= 2, 180, "two steps on two ranks")
    assert client.request(run_dir, "pause")["ok"]
    fx.wait_for(lambda: (fx.status(run_dir) or {}).get("state") == protocol.PAUSED, 60, "paused")
    pids = ranks.rank_pids(run_dir)
    assert sorted(pids) == [0, 1]
    step = fx.status(run_dir)["step"]  # type: ignore[index]
    cpu0 = {r: _cpu_s(p) for r, p in pids.items()}
    time.sleep(30)  # three times the collective timeout: the heartbeat keeps every wait short
    assert fx.status(run_dir)["step"] == step  # type: ignore[index]
    assert all(rundir.pid_alive(p) for p in pids.values())
    spent = {r: _cpu_s(p) - cpu0[r] for r, p in pids.items()}
    assert all(s < 3.0 for s in spent.values()), f"a paused rank spun: {spent} CPU-s in 30 s"
    both = [e for e in fx.events(run_dir, protocol.RESOURCES) if e.get("ranks_reporting") == 2]
    assert both and {r["rank"] for r in both[-1]["ranks"]} == {0, 1} and both[-1]["rss_bytes_sum"] > 0
    assert client.request(run_dir, "checkpoint")["ok"]
    ckpt = run_dir / f"checkpoint-{step}"
    fx.wait_for(lambda: (ckpt / rundir.COMPLETE).exists(), 60, "the checkpoint taken while paused")
    assert (ckpt / "rng_state_0.pth").exists() and (ckpt / "rng_state_1.pth").exists()  # both ranks saved first
    assert client.request(run_dir, "resume")["ok"]
    fx.wait_for(lambda: (fx.status(run_dir) or {}).get("step", 0) >= step + 2, 120, "training again")
    assert client.request(run_dir, "stop")["ok"]
    fx.wait_for(lambda: _state(run_dir) == protocol.STOPPED, 120, "stopped")
    assert (run_dir / rundir.FINAL / "adapter_model.safetensors").exists()
    fx.wait_for(lambda: _no_process_left(run_dir), 30, "every rank and the launcher gone")


def _kill_after_first_checkpoint(run_dir: Path, whom: str) -> float:
    fx.wait_for(lambda: (run_dir / "checkpoint-2" / rundir.COMPLETE).exists(), 180, "the first checkpoint")
    pid = ranks.rank_pids(run_dir)[1] if whom == "rank 1" else rundir.read_pid(run_dir)
    assert pid
    os.kill(pid, signal.SIGKILL)
    return time.monotonic()


def test_killing_one_rank_fails_the_run_within_30s_and_resume_is_exact(uninterrupted: Path, tmp_path: Path) -> None:

    run_dir = _start(tmp_path, "crash")
    t0 = _kill_after_first_checkpoint(run_dir, "rank 1")
    fx.wait_for(lambda: _state(run_dir) == protocol.FAILED and _no_process_left(run_dir), 30,
                "a failed run and no process left")
    assert time.monotonic() - t0 < 30
    assert "rank 1" in (rundir.summarize(run_dir).error or "")
    resumed_from = rundir.summarize(run_dir).last_checkpoint or 0
    res = cli("resume", str(run_dir))
    assert res.returncode == 0, res.stdout + res.stderr + fx.log_tail(run_dir)
    _assert_same_as(run_dir, uninterrupted, resumed_from)


def test_killing_the_launcher_ends_every_rank_and_resume_is_exact(uninterrupted: Path, tmp_path: Path) -> None:

    # Rank 0 learns of the death last (the race that once made this run 'failed'): rank 1 leaves
    # first, and rank 0 then sees a broken collective or torchrun's SIGTERM, neither of which is the run's end.
    run_dir = _start(tmp_path, "crash", fault="slow_supervisor_watch:0")
    _kill_after_first_checkpoint(run_dir, "launcher")
    fx.wait_for(lambda: _no_process_left(run_dir), 30, "the ranks to follow their launcher")
    assert _state(run_dir) == protocol.INTERRUPTED, fx.log_tail(run_dir)
    assert not list(fx.events(run_dir, protocol.ERROR))
    resumed_from = rundir.summarize(run_dir).last_checkpoint or 0
    res = cli("resume", str(run_dir))
    assert res.returncode == 0, res.stdout + res.stderr + fx.log_tail(run_dir)
    _assert_same_as(run_dir, uninterrupted, resumed_from)


def test_two_ranks_with_accumulation_2_match_one_process_with_accumulation_4(tmp_path: Path) -> None:
    two = _start(tmp_path, "two", steps=10, accumulation=2, save_every=0, detach=False)
    one = _start(tmp_path, "one", processes=1, steps=10, accumulation=4, save_every=0, detach=False)
    a, b = _losses(two), _losses(one)
    assert sorted(a) == sorted(b) == list(range(1, 11))
    assert max(abs(a[s] - b[s]) for s in a) < 1e-5


def test_a_changed_world_size_is_refused_on_resume(uninterrupted: Path, tmp_path: Path) -> None:

    res = cli("resume", str(uninterrupted), "--set", "distributed.num_processes=1", "--set", "max_steps=8")
    assert res.returncode == 2 and "distributed.num_processes" in res.stderr and "cannot change" in res.stderr
