"""device.use_liger_kernel: Liger's Triton kernels through TRL's DPOConfig, and when they may be chosen.

Light module (importlib only): the config validator asks it whether liger-kernel is installed without
importing it (it pulls in triton), so the console never pays for it.

In TRL 1.16 the flag makes transformers patch the base model with Liger's layer kernels (RMSNorm, RoPE,
SwiGLU); TRL turns Liger's fused linear cross-entropy off, since its own chunked LM head replaces it.
Triton kernels run on CUDA only. The combinations refused below are those TRL's earlier fused Liger DPO
loss supported (one loss, a live reference, a dense LM head). TRL 1.16 refuses none of them itself, but
none has been run here (no GPU was available), so a run is kept to that shape until one is.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from trainer import loss_table as lt

FIELD = "device.use_liger_kernel"
MODULE = "liger_kernel"


def missing() -> str | None:
    """The error text when liger-kernel is not installed, else None."""
    if importlib.util.find_spec(MODULE) is not None:
        return None
    return "liger-kernel is not installed (pip install 'alice-tui[liger]', CUDA only), or set it to false"


def cross_check(cfg: Any) -> list[str]:
    """What is wrong with choosing the kernels in this config: messages for device.use_liger_kernel."""
    if not cfg.device.use_liger_kernel:
        return []
    errors = []
    if cfg.device.device in ("cpu", "mps"):
        errors.append(f"needs CUDA (Liger's kernels are Triton), not device.device: {cfg.device.device}")
    names = lt.names_of(cfg.dpo.loss_type)
    if len(names) > 1:
        errors.append(f"needs a single dpo.loss_type, not a multi-loss ({', '.join(names)})")
    if cfg.dpo.precompute_ref_log_probs:
        errors.append("cannot be used with dpo.precompute_ref_log_probs: true")
    if "lm_head" in cfg.lora.target_modules:
        errors.append("cannot be used with lm_head in lora.target_modules (the LM head must stay dense)")
    if not errors and (why := missing()) is not None:
        errors.append(why)
    return errors


def use_liger_kernel(cfg: Any, device: str) -> bool:
    """DPOConfig.use_liger_kernel for the device the run resolved to (device: auto is known only now)."""
    if cfg.device.use_liger_kernel and device != "cuda":
        raise ValueError(f"{FIELD}: needs CUDA (Liger's kernels are Triton); device: auto resolved to {device}")
    return bool(cfg.device.use_liger_kernel)
