"""Per-pair metrics and slice summaries on hand-computed log-probs."""

from __future__ import annotations

import numpy as np
import pytest

from trainer.evaluation.metrics import PairScores, per_pair, summarize, summarize_slice


def _scores() -> PairScores:
    # pair:            0      1      2      3      4
    bc = np.array([-10.0, -20.0, -30.0, -12.0, -5.0])   # base log p(chosen)
    br = np.array([-12.0, -15.0, -30.0, -11.0, -8.0])   # base log p(rejected)
    tc = np.array([-9.0, -14.0, -28.0, -12.0, -6.0])    # tuned log p(chosen)
    tr = np.array([-13.0, -15.0, -31.0, -10.0, -8.0])   # tuned log p(rejected)
    nc = np.array([5, 20, 10, 4, 5])
    nr = np.array([6, 5, 10, 1, 4])
    return PairScores(bc, br, tc, tr, nc, nr)


def test_per_pair_values_by_hand() -> None:
    cols = per_pair(_scores(), beta=0.5)
    # base: chosen > rejected strictly?            -10>-12 yes, -20>-15 no, tie no, -12>-11 no, -5>-8 yes
    assert cols["base_correct"].tolist() == [1, 0, 0, 0, 1]
    # per token: -2 > -2 no (tie), -1 > -3 yes, -3 > -3 no, -3 > -11 yes, -1 > -2 yes
    assert cols["base_len_norm_correct"].tolist() == [0, 1, 0, 1, 1]
    assert cols["base_margin"].tolist() == [2, -5, 0, -1, 3]
    # rewards 0.5*(tuned-base): chosen [0.5, 3, 1, 0, -0.5], rejected [-0.5, 0, -0.5, 0.5, 0]
    assert cols["reward_chosen"].tolist() == [0.5, 3.0, 1.0, 0.0, -0.5]
    assert cols["reward_rejected"].tolist() == [-0.5, 0.0, -0.5, 0.5, 0.0]
    assert cols["tuned_correct"].tolist() == [1, 1, 1, 0, 0]
    assert cols["tuned_margin"].tolist() == [1.0, 3.0, 1.5, -0.5, -0.5]
    assert cols["tuned_logp_correct"].tolist() == [1, 1, 1, 0, 1]
    assert cols["diff"].tolist() == [0, 1, 1, 0, -1]


def test_slice_summary_values_and_win_tie_loss() -> None:
    cols = per_pair(_scores(), beta=0.5)
    s = summarize_slice(cols, [0, 1, 2, 3, 4], seed=0, n_resamples=500)
    assert s["n"] == 5
    assert s["base"]["accuracy"]["value"] == pytest.approx(0.4)
    assert s["base"]["accuracy_len_norm"]["value"] == pytest.approx(0.6)
    assert s["base"]["mean_margin"]["value"] == pytest.approx(-0.2)
    assert s["tuned"]["accuracy"]["value"] == pytest.approx(0.6)
    assert s["tuned"]["mean_margin"]["value"] == pytest.approx(0.9)
    assert s["diff"]["value"] == pytest.approx(0.2)
    # win: tuned right, base wrong (pairs 1, 2); loss: tuned wrong, base right (pair 4); tie: 0, 3.
    assert s["win_tie_loss"] == {"win": 2, "tie": 2, "loss": 1}
    wtl = s["win_tie_loss"]
    assert s["diff"]["value"] == pytest.approx((wtl["win"] - wtl["loss"]) / s["n"])
    for m in (s["base"]["accuracy"], s["tuned"]["accuracy"], s["diff"]):
        lo, hi = m["ci"]
        assert lo <= m["value"] <= hi
    assert s["diff"]["significant"] is False  # five pairs prove nothing


def test_summarize_slices_partition_the_pairs() -> None:
    cols = per_pair(_scores(), beta=0.5)
    overall, by = summarize(cols, {"lang": {"en": [0, 1, 2], "sv": [3, 4]}}, seed=0, n_resamples=200)
    assert overall["n"] == 5
    assert by["lang"]["en"]["n"] == 3 and by["lang"]["sv"]["n"] == 2
    assert by["lang"]["en"]["tuned"]["accuracy"]["value"] == pytest.approx(1.0)
    assert by["lang"]["en"]["tuned"]["accuracy"]["ci"] == [1.0, 1.0]
    assert by["lang"]["sv"]["win_tie_loss"] == {"win": 0, "tie": 1, "loss": 1}


def test_clear_improvement_is_significant() -> None:
    rng = np.random.default_rng(0)
    n = 200
    bc, br = rng.normal(-20, 1, n), rng.normal(-20, 1, n)
    # Tuning lifts every chosen response by 2 nats and leaves rejected alone.
    cols = per_pair(PairScores(bc, br, bc + 2.0, br.copy(), np.full(n, 10), np.full(n, 10)), beta=0.1)
    s = summarize_slice(cols, np.arange(n), seed=1)
    assert s["tuned"]["accuracy"]["value"] == 1.0
    assert s["diff"]["significant"] and s["diff"]["ci"][0] > 0
