"""Every `builtin:` name in one table: the tokenizers (tiny-qwen2, qwen2.5) and the models built from them.

`resolve(name)` gives what `from_pretrained` loads; `load_tokenizer(name)` the tokenizer of any builtin
name, for scripts and the preflight.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainer import paths

PREFIX = "builtin:"
TINY = "tiny-qwen2"
QWEN_TOKENIZER = "qwen2.5"


def _random_shapes() -> tuple[str, ...]:
    from trainer.qwen_random import SHAPES

    return tuple(SHAPES)


def known() -> list[str]:
    return [PREFIX + n for n in (TINY, QWEN_TOKENIZER, *_random_shapes())]


def _name(spec: str) -> str:
    name = spec[len(PREFIX):] if spec.startswith(PREFIX) else spec
    if name not in (TINY, QWEN_TOKENIZER, *_random_shapes()):
        raise ValueError(f"unknown builtin {spec!r} (known: {', '.join(known())})")
    return name


def tokenizer_dir(spec: str, cache_root: Path | None = None) -> Path:
    """The tokenizer directory of a builtin tokenizer or model name (without building any model)."""
    root = Path(cache_root) if cache_root else paths.builtin_cache()
    if _name(spec) == TINY:
        from datasets_build.builtin_tokenizer import ensure_tokenizer

        return Path(ensure_tokenizer(root))
    from datasets_build.qwen25_tokenizer import ensure_tokenizer as ensure_qwen

    return ensure_qwen(root)


def load_tokenizer(spec: str, cache_root: Path | None = None) -> Any:
    """`PreTrainedTokenizerFast` for any builtin name (builtin:qwen2.5 is Qwen2.5-Instruct's tokenizer)."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(str(tokenizer_dir(spec, cache_root)))


def resolve(name_or_path: str, precision: str = "fp32", cache_root: Path | None = None) -> str:
    """What `from_pretrained` should load for a model name: builtins are built on first use."""
    if not name_or_path.startswith(PREFIX):
        return name_or_path
    name = _name(name_or_path)
    root = Path(cache_root) if cache_root else paths.builtin_cache()
    if name == TINY:
        from trainer.tiny_model import ensure_tiny_model

        return str(ensure_tiny_model(root))
    if name == QWEN_TOKENIZER:
        raise ValueError(f"model.name_or_path: {name_or_path} is a tokenizer only; for a model with its "
                         f"vocabulary use one of {', '.join(PREFIX + s for s in _random_shapes())}")
    from trainer.qwen_random import ensure_model

    return str(ensure_model(name, root, precision))
