"""Preflight's model of an epoch's batches: padded lengths as the HF sampler draws them, and the probe's picks."""

from __future__ import annotations

import random
import statistics

from trainer import preflight


def _lengths(n: int = 400, seed: int = 3) -> list[int]:
    rng = random.Random(seed)
    return [rng.choice((rng.randint(20, 60), rng.randint(300, 500))) for _ in range(n)]


def test_one_pair_a_batch_pads_nothing() -> None:
    lengths = _lengths()
    batches = preflight.batch_lengths(lengths, batch=1, accum=4, grouped=False, seed=1)
    assert sorted(batches) == sorted(lengths)
    assert sorted(preflight.batch_lengths(lengths, batch=1, accum=4, grouped=True, seed=1)) == sorted(lengths)


def test_grouping_pads_less_than_random_batches() -> None:
    lengths = _lengths()
    random_pad = statistics.fmean(preflight.batch_lengths(lengths, batch=4, accum=2, grouped=False, seed=1))
    grouped_pad = statistics.fmean(preflight.batch_lengths(lengths, batch=4, accum=2, grouped=True, seed=1))
    assert statistics.fmean(lengths) < grouped_pad < random_pad
    assert len(preflight.batch_lengths(lengths, batch=4, accum=2, grouped=True, seed=1)) == 100
    # A random batch of 4 from a half-short, half-long mix is nearly always padded to a long pair.
    assert random_pad > 350


def test_probe_warms_up_on_the_longest_batch_then_times_typical_ones() -> None:
    lengths = [(n, 2 * n) for n in (100, 500, 220, 90, 210, 480, 230, 205)]
    picks = preflight._probe_pairs(lengths, batch=2, micro_steps=3, target=215.0)
    assert picks[:2] == [1, 5]                       # 500 and 480: the memory peak, untimed
    assert sorted(lengths[i][0] for i in picks[2:]) == [205, 210, 220, 230]


def test_probe_with_too_few_pairs_repeats_them() -> None:
    picks = preflight._probe_pairs([(50, 90), (40, 70)], batch=1, micro_steps=4, target=45.0)
    assert picks[0] == 0 and len(picks) == 4 and set(picks[1:]) == {1}
