"""Token ids of each pair exactly as TRL's DPOTrainer builds them, so implicit rewards mean the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trainer.evaluation.pairs import EvalPair


@dataclass(slots=True)
class EncodedPair:
    index: int  # position in the evaluated pair list
    prompt_ids: list[int]
    chosen_ids: list[int]
    rejected_ids: list[int]
    truncated: bool


def _ids(tokenizer: Any, messages: list[dict[str, str]], add_generation_prompt: bool = False) -> list[int]:
    out = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True,
                                        add_generation_prompt=add_generation_prompt)
    return list(out["input_ids"])


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def encode_pair(tokenizer: Any, pair: EvalPair, index: int, max_length: int | None) -> EncodedPair | str:
    """The pair's ids, or the reason it cannot be scored (the caller reports it, never drops it silently).

    Mirrors trl DPOTrainer.tokenize_fn + the collator's keep_start truncation: the completion starts where
    prompt and prompt+completion diverge, and prompt+completion is cut to max_length from the end.
    """
    prompt_ids = _ids(tokenizer, pair.prompt, add_generation_prompt=True)
    pc = _ids(tokenizer, pair.prompt + pair.chosen)
    pr = _ids(tokenizer, pair.prompt + pair.rejected)
    plen = min(_common_prefix(prompt_ids, pc), _common_prefix(prompt_ids, pr))
    prompt, chosen, rejected = prompt_ids[:plen], pc[plen:], pr[plen:]
    if not chosen or not rejected:
        return "a response tokenizes to nothing after the prompt"
    truncated = False
    if max_length is not None:
        if len(prompt) >= max_length:
            return f"prompt alone is {len(prompt)} tokens >= max_length {max_length} (training drops these too)"
        room = max_length - len(prompt)
        truncated = len(chosen) > room or len(rejected) > room
        chosen, rejected = chosen[:room], rejected[:room]
    return EncodedPair(index, prompt, chosen, rejected, truncated)


def encode_pairs(tokenizer: Any, pairs: list[EvalPair], max_length: int | None
                 ) -> tuple[list[EncodedPair], list[dict[str, str]]]:
    """(scorable pairs, [{"id", "reason"}] for the ones that are not)."""
    encoded: list[EncodedPair] = []
    skipped: list[dict[str, str]] = []
    for i, pair in enumerate(pairs):
        res = encode_pair(tokenizer, pair, i, max_length)
        if isinstance(res, str):
            skipped.append({"id": pair.id, "reason": res})
        else:
            encoded.append(res)
    return encoded, skipped
