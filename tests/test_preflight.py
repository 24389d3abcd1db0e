"""`alice-tui preflight` really trains a few micro-steps and projects them to the config's full shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trainer_fixtures as fx

from trainer import config as cfgmod
from trainer import preflight

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_preflight_json_projects_the_train_mac_recipe(tmp_path: Path) -> None:
    data_dir = fx.write_split_dir(tmp_path / "data", n_train=16, n_val=2)
    cmd = [sys.executable, "-m", "alice_tui", "preflight", "configs/train_mac.yaml", "--json",
           "--probe-length", "256", "--micro-steps", "3",
           "--set", "model.name_or_path=builtin:qwen2.5-tiny-random", "--set", f"data.path={data_dir}",
           "--set", "data.recipe=null"]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    r = json.loads(res.stdout.strip().splitlines()[-1])
    assert (r["device"], r["precision"], r["probe_length"], r["probe_micro_steps"]) == ("cpu", "fp32", 256, 3)
    # Every pair fits train_mac's 2048 tokens; the longest batch comes first (the memory peak, untimed), cut to 256.
    assert r["pairs_measured"] == 16 and r["longest_padded_length"] > 256
    assert r["probe_padded_lengths"][0] == 256 and all(n <= 256 for n in r["probe_padded_lengths"])
    # Time per padded token, at the epoch's mean padded length, times 16 micro-steps per optimizer step.
    assert r["projected_step_s"] == pytest.approx(r["probe_s_per_padded_token"] * r["mean_padded_length"] * 16,
                                                  rel=0.01)
    assert r["projected_step_s_longest"] > r["projected_step_s"]
    assert r["projected_total_s"] == pytest.approx(r["projected_step_s"] * 2000, rel=0.01)
    assert r["probe_peak_rss_bytes"] >= r["base_rss_bytes"] > 0
    assert r["projected_peak_rss_bytes"] >= r["probe_peak_rss_bytes"]
    assert r["fits"] is (r["projected_peak_rss_bytes"] < preflight.HEADROOM * r["machine_memory_bytes"])
    assert any("precompute_ref_log_probs" in s for s in r["suggestions"])


def test_pair_lengths_are_what_trls_collator_trains(tmp_path: Path) -> None:
    """Padded length and real tokens of every pair, and which pairs TRL drops, equal the real collator's."""
    from trainer import device as devmod
    from trainer import run as runmod

    data_dir = fx.write_split_dir(tmp_path / "data", n_train=24, n_val=2)
    cfg = fx.small_config(data_dir, tmp_path / "out", dpo={"max_length": 40})
    _, train, _ = runmod.read_data(cfg, log=lambda *a, **k: None)
    trainer = runmod.build_trainer(cfg, tmp_path / "run", devmod.choose("cpu", "fp32"), [], lambda *a, **k: None,
                                   train, None, runmod.pin_base_model(cfg, _paths(tmp_path), False, print))
    ours = [n for n in preflight.pair_lengths(trainer.processing_class, train, 40) if n is not None]
    theirs = []
    for example in trainer.train_dataset:
        batch = trainer.data_collator([example])
        theirs.append((batch["input_ids"].shape[1], int(batch["attention_mask"].sum())))
    assert ours == theirs
    assert 0 < len(ours) < len(train) and max(n for n, _ in ours) == 40  # some cut, some dropped: both checked


def _paths(tmp_path: Path) -> Any:
    from trainer import rundir

    (tmp_path / "run").mkdir(exist_ok=True)
    return rundir.RunPaths(tmp_path / "run")


def test_suggestions_name_the_settings_that_matter() -> None:
    cfg = cfgmod.load(ROOT / "configs" / "train_mac.yaml",
                      ["training.gradient_checkpointing=false", "training.per_device_batch_size=2"])
    tips = preflight.suggestions(cfg, rss=10 * 2**30, total=8 * 2**30)
    assert [t.split(":")[0] for t in tips] == ["training.gradient_checkpointing", "dpo.max_length",
                                               "dpo.precompute_ref_log_probs", "training.per_device_batch_size"]
    assert preflight.suggestions(cfgmod.load(ROOT / "configs" / "train_mac.yaml",
                                             ["dpo.precompute_ref_log_probs=true"]), 1, 8) == []
