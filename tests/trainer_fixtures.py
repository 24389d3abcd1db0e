"""Helpers for the trainer tests: a small split dir in the builder's record format, run-dir plumbing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trainer import client, launch, paths, rundir
from trainer import config as cfgmod

ROOT = Path(__file__).resolve().parents[1]


def write_split_dir(out: Path, n_train: int = 48, n_val: int = 8, seed: int = 7) -> Path:
    """Seeded synthetic pairs written as train.jsonl / val.jsonl, shaped like the dataset builder's output."""
    from datasets_build.synthetic import generate

    out.mkdir(parents=True, exist_ok=True)
    pairs = generate("en", n_train // 2 + n_val // 2, seed) + generate("sv", n_train - n_train // 2 + n_val - n_val // 2, seed)
    recs = []
    for i, p in enumerate(pairs):
        chosen, rejected = p["chosen"], p["rejected"]
        n = len((p["prompt"][0]["content"] + max(chosen, rejected, key=len)).split())
        recs.append({"id": f"t{i}", "prompt": p["prompt"], "chosen": [{"role": "assistant", "content": chosen}],
                     "rejected": [{"role": "assistant", "content": rejected}], "source": "synthetic",
                     "lang": "en", "domain": p["domain"], "quality": 1.0, "bucket": "S", "n_tokens": n})
    for name, part in (("train.jsonl", recs[:n_train]), ("val.jsonl", recs[n_train:])):
        (out / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part))
    return out


def small_config(data_dir: Path, out_root: Path, **sections: dict[str, Any]) -> cfgmod.TrainConfig:
    """A fast config on the builtin tiny model; `sections` override per section (training={...})."""
    data: dict[str, Any] = {
        "name": "t", "seed": 42, "model": {"name_or_path": "builtin:tiny-qwen2"},
        "data": {"path": str(data_dir), "recipe": None},
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": ["q_proj", "v_proj"]},
        "dpo": {"max_length": 128},
        "training": {"max_steps": 6, "learning_rate": 1e-3, "per_device_batch_size": 4},
        "device": {"device": "cpu"},
        "checkpointing": {"output_root": str(out_root)},
    }
    for sec, vals in sections.items():
        if isinstance(data.get(sec), dict):
            data[sec] = {**data[sec], **vals}
        else:
            data[sec] = vals
    return cfgmod.from_dict(data)


def new_run(cfg: cfgmod.TrainConfig, run_dir: Path | None = None) -> Path:
    return launch.new_run_dir(paths.resolve_config_paths(cfg), run_dir)


def run_trainer(run_dir: Path, resume: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    """The trainer in the foreground (for tests that need no control)."""
    return subprocess.run(launch.trainer_command(run_dir, resume), cwd=ROOT, timeout=timeout,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, capture_output=True)


def wait_for(pred: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def status(run_dir: Path) -> dict[str, Any] | None:
    try:
        return client.request(run_dir, "status")
    except (client.NotRunning, OSError):
        return None


def events(run_dir: Path, type_: str | None = None) -> list[dict[str, Any]]:
    return [e for e in rundir.iter_events(run_dir) if type_ is None or e["type"] == type_]


def states(run_dir: Path) -> list[str]:
    return [e["state"] for e in events(run_dir, "state")]


def log_tail(run_dir: Path, n: int = 4000) -> str:
    try:
        return (run_dir / rundir.LOG).read_text(errors="replace")[-n:]
    except OSError:
        return ""


def python() -> str:
    return sys.executable
