"""Starts that fail, runs that look fine but are not, zombies, and file modes: real processes and files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import trainer_fixtures as fx
from fault_fixtures import cli

from trainer import faults, launch, protocol, rundir


def _config_file(tmp_path: Path, **extra: str) -> Path:
    data = fx.write_split_dir(tmp_path / "data", n_train=8, n_val=0)
    p = tmp_path / "c.yaml"
    p.write_text(f"data:\n  path: {data}\n  recipe: null\ncheckpointing:\n  output_root: {tmp_path / 'runs'}\n"
                 "device:\n  device: cpu\ntraining:\n  max_steps: 1\n  per_device_batch_size: 2\n"
                 "dpo:\n  max_length: 64\n" + "".join(f"{k}: {v}\n" for k, v in extra.items()))
    return p


def test_detach_reports_a_trainer_that_dies_at_once_with_the_log_and_a_non_zero_code(tmp_path: Path) -> None:
    res = cli("train", "--config", str(_config_file(tmp_path)), "--detach", env={faults.ENV: "enospc_at_start"})
    assert res.returncode == 1, res.stdout + res.stderr
    assert "failed at start" in res.stderr and "No space left on device" in res.stderr
    assert res.stdout == ""  # no run dir printed as if it had started


def test_a_run_whose_start_died_before_its_first_event_shows_as_failed(tmp_path: Path) -> None:
    cli("train", "--config", str(_config_file(tmp_path)), "--detach", env={faults.ENV: "enospc_at_start"})
    res = cli("--runs-dir", str(tmp_path / "runs"), "runs", "--json")
    (row,) = map(json.loads, res.stdout.splitlines())
    assert row["state"] == protocol.FAILED, row
    assert "died at start" in row["error"] and "No space left" in row["error"]


def test_train_into_a_non_empty_directory_that_is_not_a_run_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "home-ish"
    target.mkdir()
    (target / "notes.txt").write_text("precious")
    res = cli("train", "--config", str(_config_file(tmp_path)), "--run-dir", str(target), "--detach")
    assert res.returncode == 2 and "not empty" in res.stderr, res.stderr
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert oct(target.stat().st_mode & 0o777) != "0o700"  # not even chmodded


def test_pid_alive_treats_a_zombie_as_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    fx.wait_for(lambda: Path(f"/proc/{child.pid}/stat").read_text().rsplit(") ", 1)[1][0] == "Z", 30, "a zombie")
    try:
        assert not rundir.pid_alive(child.pid)
    finally:
        child.wait()


def test_a_trainer_started_like_the_console_does_is_reaped_when_it_ends(tmp_path: Path) -> None:
    run_dir = tmp_path / "r"
    cfg = fx.small_config(tmp_path / "gone", tmp_path)  # no data: the trainer fails right after start-up
    launch.new_run_dir(cfg, run_dir)
    proc = launch.spawn(run_dir)  # the console keeps the Popen and never waits on it itself
    fx.wait_for(lambda: rundir.summarize(run_dir).state == protocol.FAILED, 120, "the trainer to fail")
    fx.wait_for(lambda: not Path(f"/proc/{proc.pid}").exists(), 30, "the ended trainer to be reaped, not <defunct>")


def test_a_second_start_on_a_locked_run_dir_is_refused_by_the_lock(tmp_path: Path) -> None:
    from trainer import run_lock

    run_dir = tmp_path / "r"
    launch.new_run_dir(fx.small_config(tmp_path / "gone", tmp_path), run_dir)
    fd = run_lock.acquire(run_dir)  # as a live trainer holds it
    try:
        with pytest.raises(run_lock.Locked):
            launch.spawn(run_dir)
        res = subprocess.run([sys.executable, "-m", "trainer", "--run-dir", str(run_dir)], capture_output=True,
                             text=True, timeout=60)
        assert res.returncode == 2 and "already running" in res.stderr
    finally:
        os.close(fd)
    assert not (run_dir / rundir.EVENTS).exists()


@pytest.mark.slow
def test_every_file_a_run_writes_is_private_to_its_owner(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a typical login umask: files would be 0644 without the trainer's own
    try:
        res = cli("train", "--config", str(_config_file(tmp_path)), "--set", "checkpointing.save_every_steps=1")
    finally:
        os.umask(old)
    assert res.returncode == 0, res.stdout + res.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    paths = [run_dir, *run_dir.rglob("*")]
    assert any(p.name == "adapter_model.safetensors" for p in paths) and (run_dir / rundir.LOG).exists()
    loose = [f"{p.relative_to(run_dir)} {stat.filemode(p.stat().st_mode)}" for p in paths
             if not p.is_socket() and p.stat().st_mode & 0o077]
    assert loose == []
