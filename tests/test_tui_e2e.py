"""The console driving a REAL trainer subprocess: start, pause, resume, checkpoint, quit and re-attach, stop, resume."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from trainer_fixtures import write_split_dir
from tui_fixtures import notes, wait_until

from alice_tui.app import make_app
from alice_tui.panes.run import RunPane
from alice_tui.panes.runs import RunsPane
from trainer import rundir

ROOT = Path(__file__).resolve().parents[1]
LOAD_S = 180  # model build + first step on a busy 2-core CI box


def _config(tmp: Path) -> Path:
    data = write_split_dir(tmp / "data")
    cfg = tmp / "e2e.yaml"
    # The demo config, shrunk by overrides in the same file: tiny LoRA, short sequences, no periodic saves.
    cfg.write_text((ROOT / "configs/demo.yaml").read_text() + """
# test overrides
""")
    import yaml

    d = yaml.safe_load(cfg.read_text())
    d["name"] = "e2e"
    d["data"] = {"path": str(data), "recipe": None, "train_file": "train.jsonl", "eval_file": None}
    d["lora"].update(r=4, alpha=8, target_modules=["q_proj", "v_proj"])
    d["dpo"]["max_length"] = 128
    d["training"].update(max_steps=2000, per_device_batch_size=2, warmup_ratio=0.0)
    d["device"] = {"device": "cpu", "precision": "fp32", "num_threads": 1}
    d["checkpointing"] = {"save_every_steps": 0, "save_total_limit": None, "output_root": str(tmp / "runs")}
    cfg.write_text(yaml.safe_dump(d, sort_keys=False))
    return cfg


def _kill_leftovers(runs: Path) -> None:
    for run in runs.glob("*") if runs.is_dir() else []:
        pid = rundir.read_pid(run)
        if rundir.pid_alive(pid):
            assert pid is not None
            os.kill(pid, signal.SIGTERM)


@pytest.mark.slow
async def test_console_drives_a_real_trainer_end_to_end(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    runs = tmp_path / "runs"
    try:
        # -- start from the Run pane, watch steps arrive, pause, resume, checkpoint ------------
        app = make_app(runs, config_path=cfg, base=ROOT, initial_pane="run", poll_s=0.1)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = app.query_one(RunPane)
            await pilot.press("n")
            await pilot.press("y")
            await wait_until(pilot, lambda: pane.view is not None and pane.view.step >= 2, LOAD_S, "first steps")
            view = pane.view
            assert view is not None and view.state == "training" and pane.connected
            run_dir = view.run_dir
            assert run_dir.parent == runs
            await pilot.press("p")
            await wait_until(pilot, lambda: view.state == "paused", 30, "paused")
            held = view.step
            await pilot.pause(1.0)
            assert view.step <= held + 1 and view.state == "paused"
            await pilot.press("p")
            await wait_until(pilot, lambda: view.state == "training" and view.step > held + 1, 30, "training again")
            await pilot.press("c")
            await wait_until(pilot, lambda: bool(view.checkpoints), 60, "checkpoint event")
            ckpt = view.checkpoints[0]
            assert (run_dir / f"checkpoint-{ckpt}" / rundir.COMPLETE).exists()
            await pilot.press("4")
            runs_pane = app.query_one(RunsPane)
            await wait_until(pilot, lambda: any(r.last_checkpoint == ckpt for r in runs_pane.runs), 10,
                             "checkpoint listed on the Runs pane")
            seen_step = view.step
            await pilot.press("q")
        # -- the app is gone; the trainer is not ------------------------------------------------
        pid = rundir.read_pid(run_dir)
        assert rundir.pid_alive(pid)
        time.sleep(1.0)
        assert rundir.summarize(run_dir).step > seen_step  # still training without a console

        # -- a new console re-attaches with the full history, then stops the run ---------------
        app2 = make_app(runs, config_path=cfg, base=ROOT, poll_s=0.1)
        async with app2.run_test(size=(80, 24)) as pilot:
            pane = app2.query_one(RunPane)
            await wait_until(pilot, lambda: pane.connected and pane.view is not None, 15, "re-attached")
            view = pane.view
            assert view is not None and view.run_dir == run_dir
            assert view.loss_series.xs[0] == 1.0 and view.step > seen_step  # earlier steps replayed
            assert ckpt in view.checkpoints
            await pilot.press("s")
            await pilot.press("y")
            await wait_until(pilot, lambda: view.state == "stopped", 90, "stopped")
            await wait_until(pilot, lambda: not pane.connected, 30, "trainer closed its socket")
            # `r` on a run whose trainer is still exiting attaches to it instead: wait for the process to end.
            await wait_until(pilot, lambda: not rundir.pid_alive(pid), 30, "trainer exited")
            stopped_at = view.step

            # -- resume it from the Runs pane: a new trainer continues from the checkpoint -----
            await pilot.press("4")
            runs_pane = app2.query_one(RunsPane)
            await wait_until(pilot, lambda: any(r.state == "stopped" for r in runs_pane.runs), 10, "listed stopped")
            await pilot.press("r")
            await wait_until(pilot, lambda: pane.view is not None and pane.connected
                             and pane.view.state == "training" and pane.view.step > stopped_at, LOAD_S, "resumed")
            assert app2.query_one("#panes").active == "run"
            assert not [n for n in notes(app2) if "failed" in n]
            await pilot.press("s", "y")
            await wait_until(pilot, lambda: pane.view is not None and pane.view.state == "stopped", 90, "stopped again")
    finally:
        _kill_leftovers(runs)
