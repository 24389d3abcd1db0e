"""The built-in tiny Qwen2-style tokenizer (byte-level BPE, ChatML) trained on the project's own demo corpus.

`ensure_tokenizer()` returns a directory that `transformers.AutoTokenizer.from_pretrained` loads; it is built
once, deterministically, with the `tokenizers` library only, and cached under a name that changes when the
corpus or the settings change. `count_tokens` gives token lengths for the length buckets.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from datasets_build import qwen25_tokenizer
from datasets_build.atomic_dir import ensure_dir
from datasets_build.cache_dir import builtin_cache

BUILTIN_SPEC = "builtin:tiny-qwen2"
# Shared by every build and run of the project (datasets_build.cache_dir: $ALICE_TUI_CACHE moves it).
BUILTIN_CACHE = builtin_cache()
VOCAB_SIZE = 3072
CORPUS_PAIRS_PER_LANG = 800
CORPUS_SEED = 20240601
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
# Qwen2's pre-tokenizer split (digits one by one, words with a leading space, punctuation runs).
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
               r"|\s+(?!\S)|\s+")
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
# Placeholders the PII step writes; trained as ordinary text so they become single tokens.
PLACEHOLDERS = ("<PERSONNUMMER>", "<EMAIL>", "<PHONE>", "<CASE_ID>")


def demo_corpus() -> list[str]:
    """The texts the tokenizer is trained on: seeded synthetic SV+EN pairs rendered with ChatML roles."""
    from datasets_build.synthetic import generate

    texts = []
    for lang in ("sv", "en"):
        for pair in generate(lang, CORPUS_PAIRS_PER_LANG, CORPUS_SEED):
            prompt = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in pair["prompt"])
            texts.append(prompt + f"<|im_start|>assistant\n{pair['chosen']}<|im_end|>\n")
            texts.append(f"<|im_start|>assistant\n{pair['rejected']}<|im_end|>\n")
    texts.append(" ".join(PLACEHOLDERS) * 50)
    return texts


def _version(corpus: Sequence[str]) -> str:
    h = hashlib.sha256(f"{VOCAB_SIZE}|{QWEN2_SPLIT}|{CHAT_TEMPLATE}".encode())
    for t in corpus:
        h.update(t.encode())
        h.update(b"\0")
    return "v1-" + h.hexdigest()[:10]


def _train(corpus: Sequence[str]) -> Any:
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        trainers,
    )

    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    specials = [AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS]
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, min_frequency=2, show_progress=False,
                                  special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer=trainer, length=len(corpus))
    return tok


def _write(tok: Any, target: Path) -> None:
    tok.save(str(target / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": 4096,
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": None,
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "clean_up_tokenization_spaces": False,
        "split_special_tokens": False,
        "padding_side": "right",
        "chat_template": CHAT_TEMPLATE,
        "add_bos_token": False,
    }
    (target / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    special_map = {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
                   "additional_special_tokens": ["<|im_start|>", "<|im_end|>"]}
    (target / "special_tokens_map.json").write_text(json.dumps(special_map, indent=2) + "\n")


def ensure_tokenizer(cache_root: Path = BUILTIN_CACHE) -> Path:
    """Build the tiny tokenizer once and return its directory; safe when several processes race."""
    corpus = demo_corpus()
    final = Path(cache_root) / f"tiny-qwen2-tokenizer-{_version(corpus)}"
    return ensure_dir(final, "tokenizer.json", lambda tmp: _write(_train(corpus), tmp))


@lru_cache(maxsize=8)
def load_fast_tokenizer(spec: str, cache_root: str = str(BUILTIN_CACHE)) -> Any:
    """A `tokenizers.Tokenizer` for a spec: builtin:tiny-qwen2, builtin:qwen2.5, a local directory, or a hub id."""
    from tokenizers import Tokenizer

    if spec == BUILTIN_SPEC:
        return Tokenizer.from_file(str(ensure_tokenizer(Path(cache_root)) / "tokenizer.json"))
    if spec == qwen25_tokenizer.SPEC:
        return Tokenizer.from_file(str(qwen25_tokenizer.ensure_tokenizer(Path(cache_root)) / "tokenizer.json"))
    if spec.startswith("builtin:"):
        raise ValueError(f"tokenizer {spec!r}: unknown builtin (known: {BUILTIN_SPEC}, {qwen25_tokenizer.SPEC})")
    path = Path(spec)
    if path.is_dir():
        file = path / "tokenizer.json"
        if not file.is_file():
            raise FileNotFoundError(f"tokenizer {spec!r}: {file} does not exist (need a fast tokenizer.json)")
        return Tokenizer.from_file(str(file))
    if path.suffix == ".json" and path.is_file():
        return Tokenizer.from_file(str(path))
    return Tokenizer.from_pretrained(spec)


def count_tokens(texts: Iterable[str], tokenizer_spec: str = BUILTIN_SPEC,
                 cache_root: Path = BUILTIN_CACHE) -> list[int]:
    """Token counts of `texts` (batched through the Rust tokenizer, no special tokens added)."""
    tok = load_fast_tokenizer(tokenizer_spec, str(cache_root))
    batch = list(texts)
    if not batch:
        return []
    return [len(enc.ids) for enc in tok.encode_batch(batch, add_special_tokens=False)]
