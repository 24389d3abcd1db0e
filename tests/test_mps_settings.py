"""The MPS settings reach the trainer process: the watermark env var, the empty_cache cadence, fallback on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from trainer import config as cfgmod
from trainer import mps

ROOT = Path(__file__).resolve().parents[1]


def test_watermark_ratio_is_exported_only_when_set() -> None:
    env: dict[str, str] = {}
    mps.apply_env(cfgmod.DeviceConfig(), env)
    assert env == {}
    mps.apply_env(cfgmod.DeviceConfig(mps_high_watermark_ratio=0.8), env)
    assert env == {mps.WATERMARK_ENV: "0.8"}


def test_bad_watermark_names_the_field() -> None:
    with pytest.raises(cfgmod.ConfigError, match=r"device\.mps_high_watermark_ratio"):
        cfgmod.from_dict({"device": {"mps_high_watermark_ratio": 5}})


def test_empty_cache_runs_at_the_configured_cadence_on_mps_only() -> None:
    calls: list[int] = []
    dev = cfgmod.DeviceConfig(mps_empty_cache_every_steps=3)
    assert mps.callbacks(dev, "cpu") == [] and mps.callbacks(cfgmod.DeviceConfig(), "mps") == []
    (cb,) = mps.callbacks(dev, "mps", empty=lambda: calls.append(state.global_step))
    state = SimpleNamespace(global_step=0)
    for step in range(1, 10):
        state.global_step = step
        cb.on_step_end(None, state, None)
    assert calls == [3, 6, 9]


def test_trainer_process_has_the_cpu_fallback_before_torch() -> None:
    code = "import trainer.device, os, sys; print(os.environ['PYTORCH_ENABLE_MPS_FALLBACK'], 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin", "PYTHONPATH": str(ROOT)})
    assert out.stdout.split() == ["1", "False"], out.stderr
