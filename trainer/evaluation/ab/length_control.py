"""Length-controlled win rate, as AlpacaEval 2 does it (without its per-instruction term).

A logistic regression of the per-prompt verdict y in [0, 1] (ties 0.5) on x = tanh(Δ / sd(Δ)), Δ the
tuned − base answer length in tokens: P(win) = σ(a + b·x). The length-controlled win rate is the
prediction at zero difference, σ(a): how often tuned would win were both answers equally long.
Fitted by Newton's method, vectorised over bootstrap resamples (each row of X, Y one fit).
"""

from __future__ import annotations

import numpy as np

L2 = 1e-3     # a whisker of ridge keeps the fit finite when one side wins everything
ITERS = 30
CLIP = 30.0


def length_feature(len_diff: np.ndarray, scale: float | None = None) -> np.ndarray:
    d = np.asarray(len_diff, dtype=np.float64)
    s = float(np.std(d)) if scale is None else scale
    return np.zeros_like(d) if s <= 0 else np.tanh(d / s)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) per row of x and y, shape (B, n) or (n,); y may be fractional (cross-entropy fit)."""
    x2, y2 = np.atleast_2d(np.asarray(x, np.float64)), np.atleast_2d(np.asarray(y, np.float64))
    a = np.zeros(x2.shape[0])
    b = np.zeros(x2.shape[0])
    n = x2.shape[1]
    for _ in range(ITERS):
        p = 1.0 / (1.0 + np.exp(-(a[:, None] + b[:, None] * x2)))
        r = p - y2
        w = p * (1.0 - p)
        ga = r.sum(1) + L2 * n * a
        gb = (r * x2).sum(1) + L2 * n * b
        haa = w.sum(1) + L2 * n
        hab = (w * x2).sum(1)
        hbb = (w * x2 * x2).sum(1) + L2 * n
        det = haa * hbb - hab * hab
        step_a = (hbb * ga - hab * gb) / det
        step_b = (haa * gb - hab * ga) / det
        a = np.clip(a - step_a, -CLIP, CLIP)
        b = np.clip(b - step_b, -CLIP, CLIP)
        if max(np.abs(step_a).max(), np.abs(step_b).max()) < 1e-10:
            break
    return a, b


def lc_win_rate(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """σ(a) per row: the win rate at zero length difference."""
    a, _ = fit(x, y)
    return 1.0 / (1.0 + np.exp(-a))
