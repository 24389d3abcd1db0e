"""End to end: the demo config started detached, then pause, resume, checkpoint and stop through `alice-tui ctl`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import trainer_fixtures as fx

from trainer import protocol, rundir

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def ctl(run_dir: Path, action: str) -> dict:
    res = subprocess.run([sys.executable, "-m", "alice_tui", "ctl", str(run_dir), action], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, (action, res.stdout, res.stderr)
    reply = json.loads(res.stdout)
    assert reply["ok"] is True
    return reply


def test_demo_run_pause_resume_checkpoint_stop(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "alice_tui", "train", "--config", "configs/demo.yaml", "--detach",
                          "--set", f"checkpointing.output_root={tmp_path}", "--set", "checkpointing.save_every_steps=0",
                          "--set", "training.per_device_batch_size=2"],  # the demo, with lighter steps
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    run_dir = Path(res.stdout.strip().splitlines()[-1])
    assert run_dir.parent == tmp_path and rundir.is_run_dir(run_dir)
    pid = rundir.read_pid(run_dir) or fx.wait_for(lambda: rundir.read_pid(run_dir), 30, "trainer.pid")
    try:
        fx.wait_for(lambda: (fx.status(run_dir) or {}).get("step", 0) >= 1, 600,
                    "the first training step\n" + fx.log_tail(run_dir))
        st = ctl(run_dir, "status")
        assert st["state"] == protocol.TRAINING and st["max_steps"] == 60 and st["pid"] == pid

        ctl(run_dir, "pause")
        fx.wait_for(lambda: fx.status(run_dir)["state"] == protocol.PAUSED, 120, "the pause to take hold")
        held = fx.status(run_dir)["step"]
        for _ in range(6):  # the step counter stays still while the socket keeps answering
            time.sleep(0.5)
            st = ctl(run_dir, "status")
            assert st["step"] == held and st["paused"] is True and st["state"] == protocol.PAUSED

        ctl(run_dir, "checkpoint")  # taken while paused, at the held step
        paused_ckpt = fx.wait_for(lambda: fx.events(run_dir, protocol.CHECKPOINT), 120, "a checkpoint while paused")[0]
        assert paused_ckpt["step"] == held and (run_dir / f"checkpoint-{held}" / rundir.COMPLETE).is_file()
        fx.wait_for(lambda: fx.status(run_dir)["state"] == protocol.PAUSED, 30, "back to paused after saving")
        assert fx.status(run_dir)["step"] == held

        ctl(run_dir, "resume")
        fx.wait_for(lambda: fx.status(run_dir)["step"] > held, 120, "steps to advance after resume")

        ctl(run_dir, "checkpoint")
        ckpt_ev = fx.wait_for(lambda: fx.events(run_dir, protocol.CHECKPOINT)[1:], 120, "a checkpoint event")[0]
        ckpt = Path(ckpt_ev["path"])
        assert ckpt.parent == run_dir and (ckpt / rundir.COMPLETE).is_file()
        assert (ckpt / "optimizer.pt").is_file() and (ckpt / "adapter_model.safetensors").is_file()
        assert fx.status(run_dir)["last_checkpoint"] == ckpt_ev["step"]

        ctl(run_dir, "pause")  # and finally a stop while paused: it checkpoints the held step and exits
        fx.wait_for(lambda: fx.status(run_dir)["state"] == protocol.PAUSED, 120, "the second pause")
        held = fx.status(run_dir)["step"]
        ctl(run_dir, "stop")
        fx.wait_for(lambda: not rundir.pid_alive(pid), 180, "the trainer to exit after stop")
    finally:
        if rundir.pid_alive(pid):
            os.kill(pid, signal.SIGKILL)

    states = fx.states(run_dir)
    assert states[-1] == protocol.STOPPED and protocol.PAUSED in states
    summary = rundir.summarize(run_dir)
    assert summary.state == protocol.STOPPED and summary.step == held and held < 60
    assert rundir.newest_complete_checkpoint(run_dir) == run_dir / f"checkpoint-{summary.step}"
    steps = [e["step"] for e in fx.events(run_dir, protocol.STEP)]
    assert steps == list(range(1, summary.step + 1))  # every step logged once, in order, across the pause
    _assert_loadable_adapter(run_dir / rundir.FINAL, rundir.pinned_base_model(run_dir) or "")


def _assert_loadable_adapter(final: Path, base_dir: str) -> None:
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(base_dir)
    model = PeftModel.from_pretrained(base, str(final))
    tok = AutoTokenizer.from_pretrained(final)
    saved = load_file(str(final / "adapter_model.safetensors"))
    lora_b = [k for k in saved if "lora_B" in k]
    assert lora_b and any(saved[k].abs().sum() > 0 for k in lora_b)  # trained: B starts at zero
    params = dict(model.named_parameters())
    name = next(n for n in params if "lora_B" in n)
    assert any(torch.equal(params[name].detach(), saved[k]) for k in lora_b)
    ids = tok.apply_chat_template([{"role": "user", "content": "Hej"}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model(**ids)
    assert torch.isfinite(out.logits).all()
