"""The weights of an export: the PEFT adapter as trained, or the adapter merged into its base (safetensors shards).

Merging is done in fp32 and cast afterwards, so a bf16/fp16 export rounds once, not at every layer's merge.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

DTYPES = ("fp32", "bf16", "fp16")
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin")


def torch_dtype(name: str) -> Any:
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[name]


def load_tokenizer(adapter_dir: Path, base: str, revision: str | None) -> Any:
    """The tokenizer saved with the adapter (the one trained with, chat template included), else the base's."""
    from transformers import AutoTokenizer

    if (adapter_dir / "tokenizer_config.json").is_file():
        return AutoTokenizer.from_pretrained(str(adapter_dir))
    return AutoTokenizer.from_pretrained(base, revision=revision)


def export_adapter(adapter_dir: Path, out: Path) -> None:
    """Copy the adapter files only (a checkpoint also holds optimizer and rng state nobody deploys)."""
    found = [adapter_dir / f for f in ADAPTER_FILES if (adapter_dir / f).is_file()]
    if not any(p.name == "adapter_config.json" for p in found):
        raise FileNotFoundError(f"{adapter_dir}: no adapter_config.json, not a PEFT adapter")
    for p in found:
        shutil.copy2(p, out / p.name)


def merged_model(base: str, revision: str | None, adapter_dir: Path, dtype: str) -> Any:
    """Base + adapter with the LoRA deltas folded into the weights (a plain transformers model)."""
    from trainer import device as devmod

    devmod.quiet_library_warnings()
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base, revision=revision, dtype=torch_dtype("fp32"))
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    return merged.to(torch_dtype(dtype))


def export_merged(base: str, revision: str | None, adapter_dir: Path, out: Path, dtype: str, tok: Any,
                  max_shard_size: str) -> None:
    from transformers import GenerationConfig

    model = merged_model(base, revision, adapter_dir, dtype)
    gen = model.generation_config if model.generation_config is not None else GenerationConfig()
    # The chat turn ends with the tokenizer's eos (<|im_end|> for Qwen); without it generation runs on.
    if gen.eos_token_id is None and tok.eos_token_id is not None:
        gen.eos_token_id = tok.eos_token_id
    if gen.pad_token_id is None and tok.pad_token_id is not None:
        gen.pad_token_id = tok.pad_token_id
    model.generation_config = gen
    model.config.use_cache = True  # training turned it off; inference wants it
    model.save_pretrained(str(out), max_shard_size=max_shard_size, safe_serialization=True)
    if not (out / "generation_config.json").is_file():
        gen.save_pretrained(str(out))
