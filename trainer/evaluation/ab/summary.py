"""A/B summary of one slice with 95% bootstrap CIs (fixed seed), and the verdict line.

The unit is the prompt: with sampling, a prompt's score is the mean over its judged answer pairs.
Every statistic of a slice is computed on the same resampled prompts (paired), the length-controlled
rate included (refitted on each resample).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trainer.evaluation.ab import length_control
from trainer.evaluation.bootstrap import DEFAULT_RESAMPLES, percentile_ci, resample_indices, significant


def _m(value: float, draws: np.ndarray) -> dict[str, Any]:
    return {"value": float(value), "ci": list(percentile_ci(draws))}


def summarize_slice(units: dict[str, np.ndarray], idx: np.ndarray | list[int], seed: int,
                    n_resamples: int = DEFAULT_RESAMPLES, len_scale: float | None = None) -> dict[str, Any]:
    """The report's A/B SLICE for the prompts at idx.

    units: per judged prompt `score` (1 win, 0.5 tie, 0 loss, averaged over samples), `len_diff`
    (tuned − base tokens), `base_len`, `tuned_len`, `consistent` (share of its pairs), and optionally
    `base_closer` / `tuned_closer` (answer closer to chosen than to rejected).
    """
    idx = np.asarray(idx, dtype=np.int64)
    sub = {k: np.asarray(v, dtype=np.float64)[idx] for k, v in units.items()}
    n = len(idx)
    x = length_control.length_feature(sub["len_diff"], len_scale)
    y = sub["score"]
    raw = np.empty(n_resamples)
    lc = np.empty(n_resamples)
    means = {k: np.empty(n_resamples) for k in sub if k != "score"}
    for s, block in resample_indices(n, n_resamples, seed):
        m = len(block)
        raw[s: s + m] = y[block].mean(1)
        lc[s: s + m] = length_control.lc_win_rate(y[block], x[block])
        for k in means:
            means[k][s: s + m] = sub[k][block].mean(1)
    lc_value = float(length_control.lc_win_rate(y, x)[0])
    diff = _m(2 * y.mean() - 1, 2 * raw - 1)
    lc_diff = _m(2 * lc_value - 1, 2 * lc - 1)
    out: dict[str, Any] = {
        "n": n,
        "win_tie_loss": {"win": int(np.sum(y > 0.5)), "tie": int(np.sum(y == 0.5)), "loss": int(np.sum(y < 0.5))},
        "win_rate": _m(y.mean(), raw),
        "diff": {**diff, "significant": significant(diff["ci"])},
        "lc_win_rate": _m(lc_value, lc),
        "lc_diff": {**lc_diff, "significant": significant(lc_diff["ci"])},
        "position_consistency": _m(sub["consistent"].mean(), means["consistent"]),
        "mean_len": {"base": _m(sub["base_len"].mean(), means["base_len"]),
                     "tuned": _m(sub["tuned_len"].mean(), means["tuned_len"])},
    }
    if "base_closer" in sub:
        out["closer_to_chosen"] = {"base": _m(sub["base_closer"].mean(), means["base_closer"]),
                                   "tuned": _m(sub["tuned_closer"].mean(), means["tuned_closer"])}
    return out


def summarize(units: dict[str, np.ndarray], slices: dict[str, dict[str, list[int]]], seed: int,
              n_resamples: int = DEFAULT_RESAMPLES) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(overall SLICE, {"lang": {"sv": SLICE, ...}, "domain": {...}}); one length scale for all slices."""
    n = len(units["score"])
    scale = float(np.std(np.asarray(units["len_diff"], dtype=np.float64)))
    overall = summarize_slice(units, np.arange(n), seed, n_resamples, scale)
    by = {key: {val: summarize_slice(units, idx, seed, n_resamples, scale) for val, idx in groups.items() if idx}
          for key, groups in slices.items()}
    return overall, by


def verdict_line(overall: dict[str, Any], split: str, judge_label: str) -> dict[str, Any]:
    """"tuned beats base on SPLIT: yes / no / not significant", decided by the length-controlled rate's CI.

    Length-controlled, because a longer answer is the cheapest way to win a judge's favour.
    """
    lc = overall["lc_win_rate"]
    lo, hi = lc["ci"]
    answer = "yes" if lo > 0.5 else "no" if hi < 0.5 else "not significant"
    raw = overall["win_rate"]
    text = (f"tuned beats base on {split}: {answer} (length-controlled win rate {100 * lc['value']:.1f}% "
            f"[{100 * lo:.1f}, {100 * hi:.1f}], raw {100 * raw['value']:.1f}% [{100 * raw['ci'][0]:.1f}, "
            f"{100 * raw['ci'][1]:.1f}], {overall['n']} prompts; judge: {judge_label})")
    return {"answer": answer, "text": text, "metric": "lc_win_rate"}
