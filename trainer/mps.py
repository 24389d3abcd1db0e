"""What the Apple MPS path needs beyond device choice: the allocator's high watermark and cache emptying.

MPS memory grows with varying sequence lengths (pytorch#121113, transformers#33717); emptying the cache
every few steps costs a little time and keeps a long run from swapping the Mac.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from trainer import config as cfgmod

WATERMARK_ENV = "PYTORCH_MPS_HIGH_WATERMARK_RATIO"
FALLBACK_ENV = "PYTORCH_ENABLE_MPS_FALLBACK"  # set in trainer.device, before torch loads


def apply_env(dev: cfgmod.DeviceConfig, environ: Any = os.environ) -> None:
    if dev.mps_high_watermark_ratio is not None:
        environ[WATERMARK_ENV] = repr(float(dev.mps_high_watermark_ratio))


def _mps_empty_cache() -> None:
    import torch

    torch.mps.empty_cache()


def callbacks(dev: cfgmod.DeviceConfig, device: str, empty: Callable[[], None] = _mps_empty_cache) -> list[Any]:
    """The cache-emptying callback, only on MPS and only when a cadence is set."""
    every = dev.mps_empty_cache_every_steps
    if device != "mps" or every <= 0:
        return []
    from transformers import TrainerCallback

    class EmptyMpsCache(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if state.global_step % every == 0:
                empty()

    return [EmptyMpsCache()]
