"""Summed completion log-probs of many sequences: batched by length, one forward per sequence, no grad.

The head is applied only to the hidden states that predict completion tokens, in chunks, so a 150k
vocabulary never materialises a [batch, length, vocab] tensor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(slots=True)
class Sequence:
    ids: list[int]
    start: int  # index of the first completion token in ids (>= 1)


def plan_batches(lengths: list[int], max_batch_tokens: int, max_batch_size: int = 64) -> list[list[int]]:
    """Indices grouped so that similar lengths share a batch and batch_size * longest <= max_batch_tokens.

    Longest first: if anything runs out of memory, it does so in the first batch, not after an hour.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        longest = lengths[cur[0]] if cur else lengths[i]
        if cur and ((len(cur) + 1) * longest > max_batch_tokens or len(cur) >= max_batch_size):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def split_model(model: Any) -> tuple[Any, Any, float | None]:
    """(backbone, lm head, logit softcap) of a causal LM, or of the model inside a PeftModel.

    LoRA layers are injected into these very modules, so calling them honours the adapter and
    `disable_adapter()` alike.
    """
    lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    backbone = getattr(lm, lm.base_model_prefix)
    head = lm.get_output_embeddings()
    softcap = getattr(lm.config, "final_logit_softcapping", None)
    return backbone, head, softcap


def _chunks(n: int, size: int) -> Iterator[slice]:
    for s in range(0, n, size):
        yield slice(s, min(n, s + size))


@torch.no_grad()
def batch_logprobs(model: Any, seqs: list[Sequence], pad_id: int, device: torch.device,
                   head_chunk_tokens: int = 1024) -> list[float]:
    """Sum of log p(token | prefix) over each sequence's completion tokens, one padded forward."""
    backbone, head, softcap = split_model(model)
    longest = max(len(s.ids) for s in seqs)
    ids = torch.full((len(seqs), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), longest), dtype=torch.long)
    rows, cols = [], []
    for b, s in enumerate(seqs):
        ids[b, : len(s.ids)] = torch.tensor(s.ids)
        mask[b, : len(s.ids)] = 1
        for t in range(s.start, len(s.ids)):
            rows.append(b)
            cols.append(t)
    ids, mask = ids.to(device), mask.to(device)
    hidden = backbone(input_ids=ids, attention_mask=mask, use_cache=False).last_hidden_state
    r = torch.tensor(rows, device=device)
    c = torch.tensor(cols, device=device)
    h = hidden[r, c - 1]  # the state at t-1 predicts token t
    targets = ids[r, c]
    token_lp = torch.empty(len(rows), dtype=torch.float32, device=device)
    for sl in _chunks(len(rows), head_chunk_tokens):
        logits = head(h[sl]).float()
        if softcap:
            logits = torch.tanh(logits / softcap) * softcap
        token_lp[sl] = torch.log_softmax(logits, dim=-1).gather(-1, targets[sl, None]).squeeze(-1)
    sums = torch.zeros(len(seqs), dtype=torch.float64, device=device)
    sums.index_add_(0, r, token_lp.double())
    return sums.cpu().tolist()


def sequence_logprobs(model: Any, seqs: list[Sequence], pad_id: int, device: torch.device,
                      max_batch_tokens: int = 4096, progress: Callable[[int, int], None] | None = None
                      ) -> list[float]:
    """Completion log-probs of every sequence, in input order."""
    for s in seqs:
        if not 1 <= s.start < len(s.ids):
            raise ValueError(f"completion start {s.start} outside a sequence of {len(s.ids)} tokens")
    out = [0.0] * len(seqs)
    done = 0
    for batch in plan_batches([len(s.ids) for s in seqs], max_batch_tokens):
        for i, lp in zip(batch, batch_logprobs(model, [seqs[i] for i in batch], pad_id, device), strict=True):
            out[i] = lp
        done += len(batch)
        if progress:
            progress(done, len(seqs))
    return out
