"""Breakdown of the evaluated pairs by language, domain, source and length bucket."""

from __future__ import annotations

from trainer.evaluation.pairs import SLICE_KEYS, EvalPair


def slice_indices(pairs: list[EvalPair], keys: tuple[str, ...] = SLICE_KEYS) -> dict[str, dict[str, list[int]]]:
    """{"lang": {"en": [i, ...], "sv": [...]}, ...}: positions into `pairs`, values sorted by name."""
    out: dict[str, dict[str, list[int]]] = {}
    for key in keys:
        groups: dict[str, list[int]] = {}
        for i, p in enumerate(pairs):
            groups.setdefault(p.meta.get(key, "unknown"), []).append(i)
        out[key] = dict(sorted(groups.items()))
    return out
