"""Answers of one model state to many prompts: batched by prompt length, KV-cached `generate`, greedy
or n seeded samples at a temperature. Left padding, so every row's new tokens start at the same column.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trainer.evaluation.generate import stop_ids
from trainer.evaluation.logprobs import plan_batches


@dataclass(frozen=True)
class Decoding:
    max_new_tokens: int = 64
    samples: int = 0            # extra sampled answers per prompt (0: greedy only)
    temperature: float = 0.7
    top_p: float = 1.0
    seed: int = 1234

    def n_answers(self) -> int:
        return 1 + self.samples


def _batch_seed(seed: int, first_prompt: list[int]) -> int:
    # The batch plan is a function of the prompt set, so this seed is too: reruns sample the same answers.
    h = hashlib.sha256(f"{seed}:{first_prompt}".encode()).digest()
    return int.from_bytes(h[:4], "little")


def encode_prompts(tokenizer: Any, prompts: list[list[dict[str, str]]]) -> list[list[int]]:
    return [list(tokenizer.apply_chat_template(p, tokenize=True, return_dict=True,
                                               add_generation_prompt=True)["input_ids"]) for p in prompts]


def generate(model: Any, tokenizer: Any, encoded: list[list[int]], dec: Decoding, device: Any,
             max_batch_tokens: int, sample: bool, progress: Callable[[int, int], None] | None = None
             ) -> list[list[tuple[str, int]]]:
    """Per prompt: [(text, new tokens)] — one greedy answer, or `dec.samples` sampled ones."""
    import torch

    stops = stop_ids(model, tokenizer)
    pad = tokenizer.pad_token_id
    per_prompt = dec.samples if sample else 1
    out: list[list[tuple[str, int]]] = [[] for _ in encoded]
    lengths = [(len(e) + dec.max_new_tokens) * per_prompt for e in encoded]
    done = 0
    for batch in plan_batches(lengths, max_batch_tokens):
        rows = [encoded[i] for i in batch]
        width = max(len(r) for r in rows)
        ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows], device=device)
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows], device=device)
        kwargs: dict[str, Any] = {"do_sample": False, "num_beams": 1}
        if sample:
            torch.manual_seed(_batch_seed(dec.seed, rows[0]))
            kwargs = {"do_sample": True, "temperature": dec.temperature, "top_p": dec.top_p,
                      "num_return_sequences": per_prompt}
        with torch.no_grad():
            gen = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=dec.max_new_tokens,
                                 use_cache=True, pad_token_id=pad, eos_token_id=stops, **kwargs)
        new = gen[:, width:].tolist()
        for j, row in enumerate(new):
            cut = next((k for k, t in enumerate(row) if t in stops), len(row))
            out[batch[j // per_prompt]].append((str(tokenizer.decode(row[:cut], skip_special_tokens=True)), cut))
        done += len(batch)
        if progress:
            progress(done, len(encoded))
    return out
