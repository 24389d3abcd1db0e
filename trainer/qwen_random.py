"""Randomly initialised Qwen2.5 shapes (tiny, 0.5B, 3B) with Qwen2.5's real tokenizer, built offline.

They let the production recipe run, and be measured, at the real vocabulary and the real layer shapes
without downloading weights: the loss means nothing, the memory and the time per step are the real ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datasets_build import qwen25_tokenizer
from datasets_build.atomic_dir import ensure_dir

# Bump when a config or the init changes: a new key builds a new model, old runs keep theirs.
VERSION = "1"
SEED = 2025
# What Qwen2.5-0.5B/3B-Instruct's config.json share: the padded vocabulary, tied embeddings, rope 1e6.
COMMON: dict[str, Any] = {
    "vocab_size": 151936, "tie_word_embeddings": True, "rope_theta": 1_000_000.0, "rms_norm_eps": 1e-6,
    "hidden_act": "silu", "max_position_embeddings": 32768, "max_window_layers": 21, "use_sliding_window": False,
    "sliding_window": None, "attention_dropout": 0.0, "initializer_range": 0.02,
    "bos_token_id": 151643, "eos_token_id": 151645, "pad_token_id": 151643,
}
SHAPES: dict[str, dict[str, Any]] = {
    # The real vocabulary and template on a few tiny layers: fast enough for CI.
    "qwen2.5-tiny-random": {"hidden_size": 64, "intermediate_size": 192, "num_hidden_layers": 2,
                            "num_attention_heads": 4, "num_key_value_heads": 2, "max_window_layers": 2},
    "qwen2.5-0.5b-random": {"hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
                            "num_attention_heads": 14, "num_key_value_heads": 2},
    "qwen2.5-3b-random": {"hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 36,
                          "num_attention_heads": 16, "num_key_value_heads": 2, "max_window_layers": 70},
}
PRECISIONS = ("fp32", "bf16", "fp16")


def model_config(name: str) -> Any:
    from transformers import Qwen2Config

    if name not in SHAPES:
        raise ValueError(f"unknown random shape {name!r} (known: {', '.join(SHAPES)})")
    kw = {**COMMON, **SHAPES[name]}
    theta = kw.pop("rope_theta")
    return Qwen2Config(rope_parameters={"rope_type": "default", "rope_theta": theta}, use_cache=False, **kw)


def ensure_model(name: str, cache_root: Path, precision: str = "fp32") -> Path:
    """Directory of the seeded random model in `precision` (with the tokenizer); built on first use."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r}: one of {', '.join(PRECISIONS)}")
    tok_dir = qwen25_tokenizer.ensure_tokenizer(cache_root)
    target = Path(cache_root) / name / f"v{VERSION}-{precision}-{tok_dir.name}"
    # Same seed, same config: a racing builder's model is identical to ours.
    return ensure_dir(target, "config.json", lambda tmp: _build(name, precision, tok_dir, tmp))


def _build(name: str, precision: str, tok_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoTokenizer, Qwen2ForCausalLM

    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    cfg = model_config(name)
    # Initialised straight in the training dtype (no fp32 copy to cast from: 12 GB for the 3B shape),
    # on a private generator state so building neither disturbs nor depends on the caller's RNG.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = Qwen2ForCausalLM._from_config(cfg, dtype=dtype)
    model.generation_config.do_sample = False
    model.save_pretrained(out)
    del model
    AutoTokenizer.from_pretrained(tok_dir).save_pretrained(out)
