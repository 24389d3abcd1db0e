"""The production recipe (configs/train_mac.yaml) trains end to end offline with only the model swapped to
builtin:qwen2.5-tiny-random: IPO, LoRA on all seven projections, batch 1 x 16, gradient checkpointing,
use_cache off and fp32 are all exercised at Qwen2.5's real vocabulary and chat template."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import trainer_fixtures as fx
import yaml

from trainer import protocol

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SEVEN = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def test_train_mac_recipe_runs_on_the_tiny_qwen25_shape(tmp_path: Path) -> None:
    data_dir = fx.write_split_dir(tmp_path / "data", n_train=40, n_val=4)
    overrides = {"model.name_or_path": "builtin:qwen2.5-tiny-random",  # the one swap
                 # what a CI run must shorten: length, steps, and no periodic eval/saves
                 "dpo.max_length": "96", "training.max_steps": "2", "training.eval_every_steps": "0",
                 "checkpointing.save_every_steps": "0", "checkpointing.output_root": str(tmp_path / "out"),
                 "data.path": str(data_dir), "data.recipe": "null"}
    cmd = [sys.executable, "-m", "alice_tui", "train", "--config", "configs/train_mac.yaml",
           "--run-dir", str(tmp_path / "run")]
    for k, v in overrides.items():
        cmd += ["--set", f"{k}={v}"]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    run_dir = tmp_path / "run"
    assert res.returncode == 0, res.stderr[-3000:] + fx.log_tail(run_dir)

    snap = yaml.safe_load((run_dir / "config.yaml").read_text())
    recipe = yaml.safe_load((ROOT / "configs" / "train_mac.yaml").read_text())
    for section in ("lora", "training", "device"):
        for key, value in recipe[section].items():
            if f"{section}.{key}" not in overrides:
                assert snap[section][key] == value, f"{section}.{key} drifted from the recipe"
    assert snap["dpo"]["loss_type"] == "ipo" and snap["training"]["gradient_accumulation_steps"] == 16

    steps = fx.events(run_dir, protocol.STEP)
    assert [e["step"] for e in steps] == [1, 2]
    assert all(math.isfinite(e["loss"]) for e in steps)
    assert fx.states(run_dir)[-1] == protocol.FINISHED
    adapter = json.loads((run_dir / "final" / "adapter_config.json").read_text())
    assert set(adapter["target_modules"]) == SEVEN
    # transformers 5 saves the template beside the tokenizer config
    assert "You are Qwen, created by Alibaba Cloud" in (run_dir / "final" / "chat_template.jinja").read_text()
    # Gradient checkpointing on: no deprecation noise about its name in the log a user reads.
    log = (run_dir / "trainer.log").read_text()
    assert "gradient_checkpointing` is deprecated" not in log and "is_gradient_checkpointing" not in log
