"""builtin:tiny-qwen2: a tiny Qwen2-architecture causal LM built locally with a fixed seed (no network).

The tokenizer is the project's own byte-level BPE (datasets_build.builtin_tokenizer); the model dir
holds a copy of it, so `AutoTokenizer.from_pretrained(dir)` and `AutoModelForCausalLM.from_pretrained(dir)`
both work on the returned path. Built once per cache key, atomically (tmp dir + rename), so concurrent
builders (two tests, two runs) never see a half-written model.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from trainer import paths

BUILTIN_PREFIX = "builtin:"
NAME = "tiny-qwen2"
# Bump when the architecture or init below changes: a new key builds a new model, old runs keep theirs.
VERSION = "1"
SEED = 1234
ARCH = {"hidden_size": 64, "intermediate_size": 192, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "max_position_embeddings": 2048}


def is_builtin(name_or_path: str) -> bool:
    return name_or_path.startswith(BUILTIN_PREFIX)


def _tokenizer_digest(tok_dir: Path) -> str:
    h = hashlib.sha256()
    for name in sorted(os.listdir(tok_dir)):
        p = tok_dir / name
        if p.is_file():
            h.update(name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def ensure_tokenizer(cache_root: Path) -> Path:
    from datasets_build.builtin_tokenizer import ensure_tokenizer as build

    return Path(build(cache_root))


def ensure_tiny_model(cache_root: Path | None = None, tokenizer_dir: Path | None = None) -> Path:
    """Directory of the built tiny model (with its tokenizer); builds it on first use."""
    cache_root = Path(cache_root) if cache_root else paths.builtin_cache()
    tok_dir = Path(tokenizer_dir) if tokenizer_dir else ensure_tokenizer(cache_root)
    target = cache_root / NAME / f"v{VERSION}-{_tokenizer_digest(tok_dir)}"
    from datasets_build.atomic_dir import ensure_dir

    # Same seed, same tokenizer: a racing builder's model is identical to ours.
    return ensure_dir(target, "config.json", lambda tmp: _build(tok_dir, tmp))


def _build(tok_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    tok = AutoTokenizer.from_pretrained(tok_dir)
    cfg = Qwen2Config(vocab_size=len(tok), tie_word_embeddings=True, bos_token_id=tok.bos_token_id,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, use_cache=False, **ARCH)
    # A private generator state: building the model must not disturb (or depend on) the caller's RNG.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = Qwen2ForCausalLM(cfg)
    model.save_pretrained(out)
    tok.save_pretrained(out)


def resolve(name_or_path: str, precision: str = "fp32") -> str:
    """What `from_pretrained` should load for a config's model.name_or_path (any builtin: trainer.builtin)."""
    from trainer import builtin

    try:
        return builtin.resolve(name_or_path, precision)
    except ValueError as exc:
        raise ValueError(f"model.name_or_path: {exc}") from exc
