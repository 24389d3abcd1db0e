"""What the rm: and lm: judges share: loading a local model (path or hub id) and length-batched forwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainer.evaluation.ab.cache import files_digest


def identity(target: str, model: Any) -> str:
    """What the verdict cache knows a judge model by: for a local directory a digest of its files (a judge
    retrained or replaced at the same path is another judge; the same files copied elsewhere are the same
    one), for a hub id the commit it was loaded at."""
    path = Path(target)
    if path.is_dir():
        return f"sha256:{files_digest(path, path.rglob('*'))[:16]}"
    commit = getattr(getattr(model, "config", None), "_commit_hash", None)
    return f"{target}@{commit}" if commit else target


def load_tokenizer(target: str) -> Any:
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(target)
    except (OSError, ValueError) as e:
        raise ValueError(f"--judge {target!r}: cannot load a tokenizer ({e})") from None
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def chat_text(tok: Any, messages: list[dict[str, str]], add_generation_prompt: bool) -> list[int]:
    """Token ids of a conversation: the tokenizer's chat template when it has one, else plain turns."""
    if getattr(tok, "chat_template", None):
        out = tok.apply_chat_template(messages, tokenize=True, return_dict=True,
                                      add_generation_prompt=add_generation_prompt)
        return list(out["input_ids"])
    text = "\n\n".join(m["content"] for m in messages) + ("\n" if add_generation_prompt else "")
    return list(tok(text, add_special_tokens=True)["input_ids"])


def padded(seqs: list[list[int]], pad_id: int, device: Any, left: bool) -> tuple[Any, Any, Any]:
    """(input_ids, attention_mask, position_ids); positions count real tokens only, so padding on either
    side gives a row the same outputs as running it alone."""
    import torch

    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for b, s in enumerate(seqs):
        sl = slice(width - len(s), width) if left else slice(0, len(s))
        ids[b, sl] = torch.tensor(s, dtype=torch.long)
        mask[b, sl] = 1
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    return ids.to(device), mask.to(device), pos.to(device)
