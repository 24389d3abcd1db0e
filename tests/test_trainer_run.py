"""Run features beyond the basic loop: IPO, precomputed reference, periodic eval; and a failing run."""

from __future__ import annotations

from pathlib import Path

import pytest
import trainer_fixtures as fx

from trainer import protocol, rundir

pytestmark = pytest.mark.slow


def test_ipo_with_precomputed_reference_and_periodic_eval(tmp_path: Path) -> None:
    data = fx.write_split_dir(tmp_path / "data", n_train=16, n_val=4)
    cfg = fx.small_config(data, tmp_path / "runs", dpo={"loss_type": "ipo", "beta": 0.2, "max_length": 256,
                                                        "precompute_ref_log_probs": True},
                          training={"max_steps": 4, "eval_every_steps": 2, "per_device_batch_size": 2})
    run_dir = fx.new_run(cfg)
    res = fx.run_trainer(run_dir)
    assert res.returncode == 0, res.stdout.decode()[-3000:]
    evals = fx.events(run_dir, protocol.EVAL)
    assert [e["step"] for e in evals] == [2, 4]
    for key in ("eval_loss", "eval_rewards/accuracies", "eval_rewards/margins"):
        assert all(isinstance(e[key], float) for e in evals), key
    steps = fx.events(run_dir, protocol.STEP)
    assert [e["step"] for e in steps] == [1, 2, 3, 4]
    assert all(e["tokens_per_s"] and e["tokens_per_s"] > 0 for e in steps[1:])
    assert fx.states(run_dir)[-1] == protocol.FINISHED
    res_ev = fx.events(run_dir, protocol.RESOURCES)
    assert res_ev and res_ev[-1]["rss_bytes"] > 0 and res_ev[-1]["device"] == "cpu"


def test_bad_data_fails_the_run_with_the_file_and_line(tmp_path: Path) -> None:
    data = fx.write_split_dir(tmp_path / "data", n_train=8, n_val=2)
    lines = (data / "train.jsonl").read_text().splitlines()
    lines[2] = '{"prompt": [{"role": "user", "content": "hi"}], "chosen": "not a list", "rejected": []}'
    (data / "train.jsonl").write_text("\n".join(lines) + "\n")
    run_dir = fx.new_run(fx.small_config(data, tmp_path / "runs"))
    res = fx.run_trainer(run_dir)
    assert res.returncode == 1
    err = fx.events(run_dir, protocol.ERROR)[-1]
    assert f"{data / 'train.jsonl'}:3" in err["message"] and "'chosen'" in err["message"]
    assert "Traceback" in err["traceback"]
    assert fx.states(run_dir)[-1] == protocol.FAILED
    assert rundir.summarize(run_dir).state == protocol.FAILED
    assert not (run_dir / rundir.PID).exists() and not (run_dir / rundir.SOCKET).exists()


def test_a_second_trainer_for_the_same_run_is_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    data = fx.write_split_dir(tmp_path / "data", n_train=8, n_val=2)
    run_dir = fx.new_run(fx.small_config(data, tmp_path / "runs"))
    # Another process holds the run's lock, as a live trainer does (a pid file alone proves nothing).
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from trainer import run_lock; run_lock.acquire(Path(sys.argv[1])); print('held', "
                               "flush=True); time.sleep(60)", str(run_dir)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        (run_dir / rundir.PID).write_text(f"{holder.pid}\n")
        res = fx.run_trainer(run_dir, timeout=60)
        assert res.returncode == 2 and b"already running" in res.stderr
        assert not (run_dir / rundir.EVENTS).exists()
    finally:
        holder.kill()
        holder.wait()


def test_attached_train_turns_ctrl_c_into_a_graceful_stop(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from trainer import config as cfgmod

    data = fx.write_split_dir(tmp_path / "data", n_train=16, n_val=2)
    cfg = fx.small_config(data, tmp_path / "runs", training={"max_steps": 500, "per_device_batch_size": 2},
                          dpo={"max_length": 96})
    cfg_file = tmp_path / "cfg.yaml"
    cfg_file.write_text(cfgmod.dump_yaml(cfg))
    run_dir = tmp_path / "runs" / "attached"
    cli = subprocess.Popen([sys.executable, "-m", "alice_tui", "train", "--config", str(cfg_file),
                            "--run-dir", str(run_dir)], cwd=fx.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        fx.wait_for(lambda: (fx.status(run_dir) or {}).get("step", 0) >= 2, 300, "training to start")
        cli.send_signal(signal.SIGINT)
        out, err = cli.communicate(timeout=180)
    finally:
        if cli.poll() is None:
            cli.kill()
    assert cli.returncode == 0, out + err
    assert "stop requested" in out and out.rstrip().endswith(f"stopped: {run_dir}")
    assert "step 2/500  loss" in out
    summary = rundir.summarize(run_dir)
    assert summary.state == protocol.STOPPED and summary.last_checkpoint == summary.step
    assert (run_dir / rundir.FINAL / "adapter_model.safetensors").is_file()
