"""Per-pair preference metrics of base and tuned, and their summary with bootstrap CIs for one slice.

Definitions (documented in the README, stable for the report schema):
- base accuracy: log π_base(chosen) > log π_base(rejected) (summed over response tokens); the
  length-normalised variant compares the per-token means instead.
- tuned accuracy: the DPO implicit reward r(y) = β·(log π_tuned(y) − log π_ref(y)), ref = the same
  model with the adapter disabled, is higher for chosen than for rejected.
- margins: base = mean of log π_base(chosen) − log π_base(rejected) (nats); tuned = mean of
  r(chosen) − r(rejected) (what DPO training logs as rewards/margins).
- win/tie/loss of tuned vs base per pair: win = tuned right and base wrong, loss = tuned wrong and
  base right, tie = both right or both wrong. diff = tuned accuracy − base accuracy = (win − loss) / n.
- Comparisons are strict: an exact tie in log-prob or reward counts as not preferring chosen.
Extra keys: tuned.accuracy_logp / mean_logp_margin judge the tuned model by its own log-probs, the
same yardstick as base accuracy, and diff_logp is that accuracy minus base accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from trainer.evaluation.bootstrap import DEFAULT_RESAMPLES, mean_with_ci, significant


@dataclass
class PairScores:
    """Completion log-probs of every scored pair under both model states, and response token counts."""

    base_chosen: np.ndarray
    base_rejected: np.ndarray
    tuned_chosen: np.ndarray
    tuned_rejected: np.ndarray
    n_chosen: np.ndarray
    n_rejected: np.ndarray


def per_pair(s: PairScores, beta: float) -> dict[str, np.ndarray]:
    """Every per-pair quantity the summaries average; also written to the sidecar file."""
    reward_c = beta * (s.tuned_chosen - s.base_chosen)
    reward_r = beta * (s.tuned_rejected - s.base_rejected)
    base_ok = s.base_chosen > s.base_rejected
    tuned_ok = reward_c > reward_r
    logp_ok = s.tuned_chosen > s.tuned_rejected
    return {
        "base_correct": base_ok.astype(np.float64),
        "base_len_norm_correct": (s.base_chosen / s.n_chosen > s.base_rejected / s.n_rejected).astype(np.float64),
        "base_margin": s.base_chosen - s.base_rejected,
        "tuned_correct": tuned_ok.astype(np.float64),
        "tuned_margin": reward_c - reward_r,
        "tuned_logp_correct": logp_ok.astype(np.float64),
        "tuned_logp_margin": s.tuned_chosen - s.tuned_rejected,
        "reward_chosen": reward_c,
        "reward_rejected": reward_r,
        "diff": tuned_ok.astype(np.float64) - base_ok.astype(np.float64),
        "diff_logp": logp_ok.astype(np.float64) - base_ok.astype(np.float64),
    }


_SUMMARISED = ("base_correct", "base_len_norm_correct", "base_margin", "tuned_correct", "tuned_margin",
               "tuned_logp_correct", "tuned_logp_margin", "diff", "diff_logp")


def summarize_slice(cols: dict[str, np.ndarray], idx: np.ndarray | list[int], seed: int,
                    n_resamples: int = DEFAULT_RESAMPLES) -> dict[str, Any]:
    """The report's SLICE object for the pairs at `idx`."""
    idx = np.asarray(idx, dtype=np.int64)
    sub = {k: cols[k][idx] for k in _SUMMARISED}
    m = mean_with_ci(sub, n_resamples=n_resamples, seed=seed)
    base_ok = sub["base_correct"] > 0.5
    tuned_ok = sub["tuned_correct"] > 0.5
    win = int(np.sum(tuned_ok & ~base_ok))
    loss = int(np.sum(~tuned_ok & base_ok))
    return {
        "n": len(idx),
        "base": {"accuracy": m["base_correct"], "accuracy_len_norm": m["base_len_norm_correct"],
                 "mean_margin": m["base_margin"]},
        "tuned": {"accuracy": m["tuned_correct"], "mean_margin": m["tuned_margin"],
                  "accuracy_logp": m["tuned_logp_correct"], "mean_logp_margin": m["tuned_logp_margin"]},
        "diff": {**m["diff"], "significant": significant(m["diff"]["ci"])},
        "diff_logp": {**m["diff_logp"], "significant": significant(m["diff_logp"]["ci"])},
        "win_tie_loss": {"win": win, "tie": len(idx) - win - loss, "loss": loss},
    }


def summarize(cols: dict[str, np.ndarray], slices: dict[str, dict[str, list[int]]], seed: int,
              n_resamples: int = DEFAULT_RESAMPLES) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(overall SLICE, {"lang": {"en": SLICE, ...}, ...})."""
    n = len(next(iter(cols.values())))
    overall = summarize_slice(cols, np.arange(n), seed, n_resamples)
    by = {key: {val: summarize_slice(cols, idx, seed, n_resamples) for val, idx in groups.items()}
          for key, groups in slices.items()}
    return overall, by
