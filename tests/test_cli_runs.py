"""`alice-tui runs`, `ctl`, `train` and `resume` as a user scripts them: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alice_tui.commands.runs import progress_line
from trainer import protocol, rundir
from trainer.control import RunControl
from trainer.control_server import ControlServer
from trainer.events import EventLog

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "alice_tui", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def make_run(root: Path, name: str, states: list[str], pid: int | None, step: int = 5) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / rundir.CONFIG).write_text((ROOT / "configs/demo.yaml").read_text())
    log = EventLog(d / rundir.EVENTS)
    for s in states:
        log.emit(protocol.STATE, state=s, step=0, max_steps=60)
    log.emit(protocol.STEP, step=step, max_steps=60, loss=0.6123, eta_s=30.0)
    log.close()
    if pid is not None:
        (d / rundir.PID).write_text(f"{pid}\n")
    return d


@pytest.fixture
def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@pytest.fixture
def live_pid():
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield p.pid
    p.kill()
    p.wait()


def test_runs_lists_states_including_interrupted(tmp_path: Path, dead_pid: int) -> None:
    make_run(tmp_path, "a-finished", [protocol.TRAINING, protocol.FINISHED], dead_pid, step=60)
    make_run(tmp_path, "b-crashed", [protocol.TRAINING], dead_pid, step=17)
    (tmp_path / "not-a-run").mkdir()
    res = cli("--runs-dir", str(tmp_path), "runs")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATE", "STEP", "LOSS", "CHECKPOINT", "STARTED"]
    rows = {ln.split()[0]: ln.split() for ln in lines[1:]}
    assert set(rows) == {"a-finished", "b-crashed"}
    assert rows["a-finished"][1:3] == ["finished", "60/60"]
    assert rows["b-crashed"][1:4] == ["interrupted", "17/60", "0.6123"]

    res = cli("--runs-dir", str(tmp_path), "runs", "--json")
    objs = [json.loads(ln) for ln in res.stdout.splitlines()]
    assert {o["name"]: o["state"] for o in objs} == {"a-finished": "finished", "b-crashed": "interrupted"}


def test_runs_on_an_empty_dir(tmp_path: Path) -> None:
    res = cli("--runs-dir", str(tmp_path / "none"), "runs")
    assert res.returncode == 0 and "no runs" in res.stdout


def test_ctl_on_a_run_with_no_trainer_exits_nonzero_with_json(tmp_path: Path, dead_pid: int) -> None:
    d = make_run(tmp_path, "r", [protocol.TRAINING], dead_pid)
    res = cli("ctl", str(d), "status")
    assert res.returncode == 3
    reply = json.loads(res.stdout)
    assert reply["ok"] is False and reply["state"] == "interrupted" and "not running" in reply["error"]


def test_ctl_on_something_that_is_not_a_run(tmp_path: Path) -> None:
    res = cli("ctl", str(tmp_path), "pause")
    assert res.returncode == 2 and "not a run directory" in res.stderr


def test_ctl_exit_code_follows_the_reply(tmp_path: Path) -> None:
    # A real control server (no model behind it) whose run is already finished: commands are refused.
    d = make_run(tmp_path, "r", [protocol.FINISHED], None)
    events = EventLog(d / rundir.EVENTS)
    rc = RunControl(events, d, max_steps=60)
    rc.set_state(protocol.FINISHED)
    server = ControlServer(d / rundir.SOCKET, rc, events)
    server.start()
    try:
        ok = cli("ctl", str(d), "status")
        assert ok.returncode == 0 and json.loads(ok.stdout)["state"] == "finished"
        refused = cli("ctl", str(d), "pause")
        assert refused.returncode == 1
        assert json.loads(refused.stdout) == {"ok": False, "error": "the run is already finished"}
    finally:
        server.close()
        events.close()


def test_train_with_a_bad_override_names_the_field_and_starts_nothing(tmp_path: Path) -> None:
    res = cli("train", "--config", "configs/demo.yaml", "--detach", "--set", "dpo.beta=-1",
              "--set", f"checkpointing.output_root={tmp_path}")
    assert res.returncode == 2
    assert "dpo.beta" in res.stderr and "out of range" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_resume_refuses_while_the_trainer_lives(tmp_path: Path, live_pid: int) -> None:
    d = make_run(tmp_path, "r", [protocol.TRAINING], live_pid)
    res = cli("resume", str(d))
    assert res.returncode == 2 and "still running" in res.stderr


def test_resume_of_a_finished_run_asks_for_more_steps(tmp_path: Path, dead_pid: int) -> None:
    d = make_run(tmp_path, "r", [protocol.TRAINING, protocol.FINISHED], dead_pid, step=60)
    res = cli("resume", str(d), "--detach")
    assert res.returncode == 2 and "training.max_steps" in res.stderr


def test_progress_line_shows_step_loss_accuracy_speed_and_eta() -> None:
    line = progress_line({"step": 12, "max_steps": 60, "loss": 0.61234, "rewards/accuracies": 0.75,
                          "tokens_per_s": 1234.4, "eta_s": 95.0})
    assert line == "step 12/60  loss 0.6123  acc 0.75  1234 tok/s  ETA 01:35"
    assert "loss -" in progress_line({"step": 1, "max_steps": 2, "loss": None})


@pytest.mark.parametrize("module", ["alice_tui.commands.runs", "trainer.paths", "trainer.control",
                                    "trainer.control_server", "trainer.events", "trainer.checkpoints"])
def test_cli_side_modules_stay_light(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in ('torch', 'transformers', 'trl', 'peft', 'datasets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_unique_field_name_stands_for_its_path() -> None:
    from trainer.overrides import expand as expand_overrides

    assert expand_overrides(["max_steps=200", "seed=3", "beta=0.2", "training.max_steps=5", "nonsense=1"]) == [
        "training.max_steps=200", "seed=3", "dpo.beta=0.2", "training.max_steps=5", "nonsense=1"]
