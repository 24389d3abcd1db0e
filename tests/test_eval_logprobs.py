"""Batched, padded completion log-probs match an independent unbatched computation, adapter on and off."""

from __future__ import annotations

import random

import pytest
import torch
from eval_fixtures import reference_logprob, tiny_qwen2, with_random_lora

from trainer.evaluation.logprobs import Sequence, plan_batches, sequence_logprobs

CPU = torch.device("cpu")


def _sequences(n: int, vocab: int, seed: int = 7) -> list[Sequence]:
    rnd = random.Random(seed)
    seqs = []
    for _ in range(n):
        length = rnd.randint(3, 40)
        ids = [rnd.randrange(1, vocab) for _ in range(length)]
        seqs.append(Sequence(ids, rnd.randint(1, length - 1)))
    return seqs


def test_plan_batches_covers_every_index_once_within_the_token_budget() -> None:
    rnd = random.Random(0)
    lengths = [rnd.randint(1, 300) for _ in range(500)]
    batches = plan_batches(lengths, max_batch_tokens=1000, max_batch_size=16)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(500))
    for b in batches:
        assert len(b) <= 16
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 1000
    # Longest first, so that an out-of-memory happens at once.
    assert max(lengths) == lengths[batches[0][0]]


def test_batched_logprobs_match_unbatched_reference() -> None:
    model = tiny_qwen2(vocab_size=64, seed=3)
    seqs = _sequences(30, 64)
    got = sequence_logprobs(model, seqs, pad_id=0, device=CPU, max_batch_tokens=200)
    want = [reference_logprob(model, s.ids, s.start) for s in seqs]
    assert got == pytest.approx(want, abs=1e-4, rel=1e-5)
    # Batch composition must not change the answer.
    one_by_one = sequence_logprobs(model, seqs, pad_id=0, device=CPU, max_batch_tokens=1)
    assert got == pytest.approx(one_by_one, abs=1e-4, rel=1e-5)


def test_adapter_enabled_and_disabled_match_independent_models() -> None:
    model = tiny_qwen2(vocab_size=64, seed=5)
    peft_model, base_copy = with_random_lora(model)
    merged = with_random_lora(tiny_qwen2(vocab_size=64, seed=5))[0].merge_and_unload()  # same seeds: same adapter
    seqs = _sequences(12, 64, seed=11)
    tuned = sequence_logprobs(peft_model, seqs, pad_id=0, device=CPU, max_batch_tokens=256)
    with peft_model.disable_adapter():
        base = sequence_logprobs(peft_model, seqs, pad_id=0, device=CPU, max_batch_tokens=256)
    want_base = [reference_logprob(base_copy, s.ids, s.start) for s in seqs]
    want_tuned = [reference_logprob(merged, s.ids, s.start) for s in seqs]
    assert base == pytest.approx(want_base, abs=1e-4, rel=1e-5)
    assert tuned == pytest.approx(want_tuned, abs=1e-4, rel=1e-5)
    # The adapter really changes something, else the test above proves nothing about switching it off.
    assert max(abs(a - b) for a, b in zip(base, tuned, strict=True)) > 1e-2


def test_progress_reports_every_sequence() -> None:
    model = tiny_qwen2(vocab_size=64)
    seqs = _sequences(10, 64)
    seen: list[tuple[int, int]] = []
    sequence_logprobs(model, seqs, pad_id=0, device=CPU, max_batch_tokens=64, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (10, 10)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_completion_start_outside_the_sequence_is_refused() -> None:
    with pytest.raises(ValueError, match="completion start"):
        sequence_logprobs(tiny_qwen2(), [Sequence([1, 2, 3], 3)], pad_id=0, device=CPU)
