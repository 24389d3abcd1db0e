"""The paired bootstrap on inputs whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from trainer.evaluation.bootstrap import mean_with_ci, percentile_ci, resample_means, significant


def test_all_correct_gives_a_degenerate_ci_at_one() -> None:
    out = mean_with_ci({"acc": np.ones(50)}, n_resamples=500, seed=1)
    assert out["acc"] == {"value": 1.0, "ci": [1.0, 1.0]}


def test_same_seed_same_ci_and_another_seed_differs() -> None:
    x = np.random.default_rng(0).random(200)
    a = mean_with_ci({"x": x}, seed=42)
    b = mean_with_ci({"x": x}, seed=42)
    c = mean_with_ci({"x": x}, seed=43)
    assert a == b
    assert a["x"]["ci"] != c["x"]["ci"]


def test_matches_a_direct_resampling_loop() -> None:
    # Recompute the resample means with a plain loop over the same generator stream.
    x = np.arange(20, dtype=float)  # mean 9.5
    draws = resample_means({"x": x}, n_resamples=300, seed=5, chunk=300)["x"]
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 20, size=(300, 20))
    direct = [sum(x[j] for j in row) / 20 for row in idx]
    assert draws == pytest.approx(direct)
    lo, hi = percentile_ci(draws)
    srt = sorted(direct)
    # 95% percentile interval: between the 2.5th and 97.5th order statistics.
    assert srt[6] <= lo <= srt[8] and srt[291] <= hi <= srt[293]
    assert lo < 9.5 < hi


def test_chunking_does_not_change_the_draws() -> None:
    x = np.random.default_rng(3).random(37)
    a = resample_means({"x": x}, n_resamples=1000, seed=9, chunk=1000)["x"]
    b = resample_means({"x": x}, n_resamples=1000, seed=9, chunk=64)["x"]
    assert np.array_equal(a, b)


def test_ci_width_agrees_with_the_normal_approximation() -> None:
    # Bernoulli(0.7), n=400: half-width ~ 1.96 * sqrt(0.21/400) = 0.0449.
    x = (np.random.default_rng(11).random(400) < 0.7).astype(float)
    out = mean_with_ci({"x": x}, n_resamples=4000, seed=0)["x"]
    lo, hi = out["ci"]
    p = out["value"]
    expected_half = 1.96 * np.sqrt(p * (1 - p) / 400)
    assert (hi - lo) / 2 == pytest.approx(expected_half, rel=0.12)
    assert lo < p < hi


def test_pairing_shares_resamples_across_columns() -> None:
    # tuned == base on every pair: the paired difference is exactly zero in every resample.
    base = (np.random.default_rng(2).random(100) < 0.6).astype(float)
    out = mean_with_ci({"base": base, "tuned": base.copy(), "diff": base - base}, seed=3)
    assert out["base"]["ci"] == out["tuned"]["ci"]
    assert out["diff"] == {"value": 0.0, "ci": [0.0, 0.0]}
    assert not significant(out["diff"]["ci"])


def test_significance_is_a_ci_excluding_zero() -> None:
    assert significant([0.01, 0.2]) and significant([-0.3, -0.001])
    assert not significant([0.0, 0.2]) and not significant([-0.1, 0.1])


def test_empty_sample_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        mean_with_ci({"x": np.array([])})
