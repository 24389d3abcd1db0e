"""A/B statistics, hand-checked: the swap rules, the length-controlled estimator, the bootstrap summary."""

from __future__ import annotations

import numpy as np
import pytest

from trainer.evaluation.ab import length_control, summary
from trainer.evaluation.ab.judges import Verdict
from trainer.evaluation.ab.swap import combine

A, B, TIE = Verdict(0.9), Verdict(0.1), Verdict(0.5)   # first better, second better, a tie


@pytest.mark.parametrize(("tuned_first", "base_first", "outcome", "consistent"), [
    (A, B, "win", True),      # tuned preferred in both orders
    (B, A, "loss", True),     # base preferred in both orders
    (A, A, "tie", False),     # always the first answer: position bias, a flip is a tie
    (B, B, "tie", False),     # always the second answer
    (TIE, TIE, "tie", True),
    (A, TIE, "win", False),   # one tie beside a preference takes that preference
    (TIE, A, "loss", False),
])
def test_swap_rules(tuned_first: Verdict, base_first: Verdict, outcome: str, consistent: bool) -> None:
    o = combine(tuned_first, base_first)
    assert (o.outcome, o.consistent) == (outcome, consistent)
    assert o.score == {"win": 1.0, "tie": 0.5, "loss": 0.0}[outcome]


def test_swap_error_in_either_order_is_an_error_not_a_verdict() -> None:
    o = combine(A, Verdict(None, "timed out"))
    assert o.outcome == "error" and o.score is None and o.error == "timed out"


def test_length_controlled_rate_recovers_the_unbiased_rate_under_a_planted_length_bias() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    # Tuned answers run longer (mean +40 tokens), and the judge favours length strongly; at equal
    # length tuned wins exactly half the time.
    len_diff = rng.normal(40.0, 60.0, n)
    x = length_control.length_feature(len_diff)
    p_win = 1.0 / (1.0 + np.exp(-(0.0 + 2.5 * x)))
    y = (rng.random(n) < p_win).astype(np.float64)
    assert y.mean() > 0.62                                   # the raw rate is fooled by length
    lc = float(length_control.lc_win_rate(y, x)[0])
    assert lc == pytest.approx(0.5, abs=0.03)
    _, b = length_control.fit(x, y)
    assert b[0] == pytest.approx(2.5, abs=0.3)


def test_length_controlled_rate_equals_raw_rate_without_length_differences() -> None:
    y = np.array([1, 1, 1, 0, 0.5, 1, 0, 1], dtype=np.float64)
    x = length_control.length_feature(np.zeros(len(y)))
    assert float(length_control.lc_win_rate(y, x)[0]) == pytest.approx(y.mean(), abs=1e-3)


def test_length_controlled_fit_is_the_same_row_by_row_as_in_a_batch() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 50)), (rng.random((5, 50)) < 0.6).astype(float)
    batch = length_control.lc_win_rate(y, x)
    assert batch == pytest.approx([float(length_control.lc_win_rate(y[i], x[i])[0]) for i in range(5)], abs=1e-9)


def _units(scores: list[float], len_diff: list[float] | None = None) -> dict[str, np.ndarray]:
    n = len(scores)
    d = np.asarray(len_diff if len_diff is not None else [0.0] * n)
    return {"score": np.asarray(scores, dtype=np.float64), "len_diff": d, "base_len": np.full(n, 10.0),
            "tuned_len": 10.0 + d, "consistent": np.ones(n)}


def test_summary_by_hand() -> None:
    # 6 wins, 2 ties, 2 losses: win rate (6 + 1) / 10 = 0.7; tuned − base = wins − losses = 0.4.
    s = summary.summarize_slice(_units([1] * 6 + [0.5] * 2 + [0] * 2), range(10), seed=3, n_resamples=500)
    assert s["win_tie_loss"] == {"win": 6, "tie": 2, "loss": 2}
    assert s["win_rate"]["value"] == pytest.approx(0.7)
    assert s["diff"]["value"] == pytest.approx(0.4)
    lo, hi = s["win_rate"]["ci"]
    assert 0.4 < lo < 0.7 < hi <= 1.0
    # The difference is 2·rate − 1 on every resample, so its CI is the rate's, mapped.
    assert s["diff"]["ci"] == pytest.approx([2 * lo - 1, 2 * hi - 1])
    assert s["mean_len"]["tuned"]["value"] == 10.0


def test_summary_of_a_clean_sweep_has_a_degenerate_ci_and_says_yes() -> None:
    s = summary.summarize_slice(_units([1.0] * 30), range(30), seed=0, n_resamples=200)
    assert s["win_rate"] == {"value": 1.0, "ci": [1.0, 1.0]}
    assert s["diff"]["significant"] and s["lc_win_rate"]["value"] > 0.95
    assert summary.verdict_line(s, "golden", "golden")["answer"] == "yes"


def test_bootstrap_is_seeded_and_verdict_line_says_not_significant_near_half() -> None:
    units = _units([1, 0] * 20, [5.0, -5.0] * 20)
    a = summary.summarize_slice(units, range(40), seed=7, n_resamples=300)
    b = summary.summarize_slice(units, range(40), seed=7, n_resamples=300)
    assert a == b
    v = summary.verdict_line(a, "golden", "golden")
    assert v["answer"] == "not significant" and v["text"].startswith("tuned beats base on golden: not significant")
    base_wins = summary.summarize_slice(_units([0.0] * 20), range(20), seed=7, n_resamples=300)
    assert summary.verdict_line(base_wins, "golden", "golden")["answer"] == "no"


def test_slices_share_one_length_scale_and_cover_every_prompt() -> None:
    units = _units([1, 0, 1, 1, 0.5, 0], [3, -2, 8, 1, 0, -4])
    overall, by = summary.summarize(units, {"lang": {"en": [0, 2, 4], "sv": [1, 3, 5]}}, seed=0, n_resamples=100)
    assert overall["n"] == 6 and sum(s["n"] for s in by["lang"].values()) == 6
    assert by["lang"]["en"]["win_rate"]["value"] == pytest.approx((1 + 1 + 0.5) / 3)
