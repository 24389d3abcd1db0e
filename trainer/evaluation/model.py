"""Load what a run trained: its base model from the saved config, plus the adapter of one checkpoint."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer import checkpoints, rundir
from trainer import config as cfgmod

ADAPTER_CONFIG = "adapter_config.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


class CheckpointError(ValueError):
    """No usable adapter where the user pointed."""


@dataclass
class Loaded:
    model: Any  # a PeftModel, in eval mode, on `device`
    tokenizer: Any
    device: Any  # torch.device
    device_name: str
    precision: str
    threads: int


def load_run_config(run_dir: Path) -> cfgmod.TrainConfig:
    if not rundir.is_run_dir(run_dir):
        raise CheckpointError(f"{run_dir} is not a run directory (no {rundir.CONFIG})")
    return cfgmod.load(run_dir / rundir.CONFIG)


def resolve_checkpoint(run_dir: Path, checkpoint: str | None) -> tuple[str, Path]:
    """(label for the report, adapter dir). None: final/ if it exists, else the newest complete checkpoint.

    The adapter's weights are checked from their headers here, so a damaged file is one clear line
    (CheckpointError naming it), not a loader traceback after the model is already in memory.
    """
    label, path = _find_checkpoint(run_dir, checkpoint)
    try:
        checkpoints.verify(path, require_weights=False)  # a missing adapter file is named by the loader
    except checkpoints.CorruptCheckpoint as e:
        raise CheckpointError(str(e)) from None
    return label, path


def _find_checkpoint(run_dir: Path, checkpoint: str | None) -> tuple[str, Path]:
    final = run_dir / rundir.FINAL
    if checkpoint is None:
        if (final / ADAPTER_CONFIG).is_file():
            return "final", final
        newest = rundir.newest_complete_checkpoint(run_dir)
        if newest is None:
            raise CheckpointError(f"{run_dir} has neither final/ nor a complete checkpoint to evaluate yet")
        return newest.name, newest
    if checkpoint == "final":
        if not (final / ADAPTER_CONFIG).is_file():
            raise CheckpointError(f"{final} holds no adapter (the run has not finished or stopped); "
                                  f"use --checkpoint STEP with one of: {_steps(run_dir) or 'none yet'}")
        return "final", final
    step = checkpoint.removeprefix("checkpoint-")
    if not step.isdigit():
        raise CheckpointError(f"--checkpoint {checkpoint!r}: expected final, a step number or checkpoint-N")
    path = run_dir / f"checkpoint-{int(step)}"
    if not path.is_dir():
        raise CheckpointError(f"{path} does not exist (complete checkpoints: {_steps(run_dir) or 'none'})")
    if not (path / rundir.COMPLETE).exists():
        raise CheckpointError(f"{path} has no {rundir.COMPLETE} marker: it was torn by a crash and is not used")
    if not (path / ADAPTER_CONFIG).is_file():
        raise CheckpointError(f"{path} holds no {ADAPTER_CONFIG}")
    return path.name, path


def _steps(run_dir: Path) -> str:
    return ", ".join(str(s) for s, _ in rundir.checkpoints(run_dir))


def cpu_threads(configured: int | None, default: int) -> int:
    """Threads for CPU inference: the configured number, else as many as there are idle cores.

    Evaluating a checkpoint while the run still trains is the common case; with every core busy,
    torch's thread pool spins at its barriers and a 2-thread forward measured 20x slower than a
    1-thread one on a loaded 2-core machine.
    """
    if configured:
        return configured
    try:
        idle = (os.cpu_count() or 1) - os.getloadavg()[0]
    except OSError:
        return default
    return max(1, min(default, int(idle + 0.5)))


def load(cfg: cfgmod.TrainConfig, adapter_dir: Path, device: str | None = None, threads: int | None = None,
         precision: str | None = None, pinned_base: str | None = None) -> Loaded:
    """Base model as the run trained it (same weights, dtype, attention), adapter on top, eval mode.

    `device`/`precision` override the run's config (a run trained on a Mac evaluated on a CUDA box);
    a device override alone picks that device's default precision.
    """
    from trainer import device as devmod  # before torch: sets the MPS fallback

    prec = precision or (cfg.device.precision if device is None else "auto")
    choice = devmod.choose(device or cfg.device.device, prec)
    import torch

    if choice.device == "cpu":
        torch.set_num_threads(cpu_threads(threads or cfg.device.num_threads, torch.get_num_threads()))
    devmod.quiet_library_warnings()
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from trainer import tiny_model

    # The base the run actually trained on (pinned at its first start): a built-in model follows the
    # demo corpus, which may have changed since, and re-resolving the name would score another model.
    src = pinned_base or tiny_model.resolve(cfg.model.name_or_path, choice.precision)
    kwargs: dict[str, Any] = {"dtype": choice.torch_dtype(), "trust_remote_code": cfg.model.trust_remote_code}
    if cfg.model.revision:
        kwargs["revision"] = cfg.model.revision
    if cfg.model.attn_implementation != "auto":
        kwargs["attn_implementation"] = cfg.model.attn_implementation
    base = AutoModelForCausalLM.from_pretrained(src, **kwargs)
    model = PeftModel.from_pretrained(base, str(adapter_dir), is_trainable=False)
    dev = torch.device(choice.device)
    model.to(dev)
    model.eval()
    # The run saves its tokenizer beside the adapter; that copy is what training used.
    tok_src = adapter_dir if any((adapter_dir / f).is_file() for f in TOKENIZER_FILES) else src
    tokenizer = AutoTokenizer.from_pretrained(str(tok_src), trust_remote_code=cfg.model.trust_remote_code)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return Loaded(model, tokenizer, dev, choice.device, choice.precision, torch.get_num_threads())
