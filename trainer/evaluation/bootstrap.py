"""Paired percentile bootstrap: every statistic of a slice is computed on the same resampled pairs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

DEFAULT_RESAMPLES = 2000
LEVEL = 0.95


def resample_means(columns: dict[str, np.ndarray], n_resamples: int, seed: int,
                   chunk: int = 256) -> dict[str, np.ndarray]:
    """Mean of each column over n_resamples draws of n pair indices with replacement.

    The draws are shared across columns (paired), so a CI of `tuned - base` accounts for the two
    being measured on the same pairs. Drawn in chunks to bound memory on large splits.
    """
    n = len(next(iter(columns.values())))
    out = {k: np.empty(n_resamples) for k in columns}
    for s, idx in resample_indices(n, n_resamples, seed, chunk):
        for k, col in columns.items():
            out[k][s: s + len(idx)] = np.asarray(col, dtype=np.float64)[idx].mean(axis=1)
    return out


def resample_indices(n: int, n_resamples: int, seed: int, chunk: int = 256) -> Iterator[tuple[int, np.ndarray]]:
    """(offset, index block of shape (m, n)) for n_resamples draws of n indices with replacement."""
    if n == 0:
        raise ValueError("cannot bootstrap an empty sample")
    rng = np.random.default_rng(seed)
    for s in range(0, n_resamples, chunk):
        yield s, rng.integers(0, n, size=(min(chunk, n_resamples - s), n))


def percentile_ci(draws: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(draws, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def mean_with_ci(columns: dict[str, np.ndarray], n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                 level: float = LEVEL) -> dict[str, dict[str, Any]]:
    """{"col": {"value": mean, "ci": [lo, hi]}} for every column, from one shared set of resamples."""
    draws = resample_means(columns, n_resamples, seed)
    return {k: {"value": float(np.mean(np.asarray(col, dtype=np.float64))), "ci": list(percentile_ci(draws[k], level))}
            for k, col in columns.items()}


def significant(ci: list[float] | tuple[float, float]) -> bool:
    """A difference is significant when its CI excludes zero."""
    return ci[0] > 0.0 or ci[1] < 0.0
