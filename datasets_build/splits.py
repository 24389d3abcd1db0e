"""Deterministic splits by a hash of the record id, and the golden set (stratified, never trained on).

A record's split depends only on its own id (and the split seed), so adding data never moves an existing
record; every source × language stratum is cut by the same thresholds, so each gets its share.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from datasets_build.records import Record

SPLITS = ("train", "val", "test", "golden")


def unit_hash(record_id: str, salt: str) -> float:
    """A stable number in [0, 1) for an id."""
    h = hashlib.sha256(f"{salt}:{record_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def _allocate(sizes: dict[Any, int], total: int) -> dict[Any, int]:
    """Split `total` across strata in proportion to their sizes (largest remainder, ties by key)."""
    n = sum(sizes.values())
    if n == 0 or total <= 0:
        return dict.fromkeys(sizes, 0)
    total = min(total, n)
    exact = {k: total * v / n for k, v in sizes.items()}
    alloc = {k: int(x) for k, x in exact.items()}
    rest = total - sum(alloc.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - alloc[k]), str(k)))[:rest]:
        alloc[k] += 1
    return alloc


@dataclass
class SplitResult:
    splits: dict[str, list[Record]]
    golden_strata: dict[str, int]
    contamination: dict[str, Any] = field(default_factory=dict)
    frozen: dict[str, Any] = field(default_factory=dict)


def assign(records: list[Record], val: float, test: float, golden: int, seed: int,
           fingerprint: Callable[[Record], str], pinned: set[str] | None = None) -> SplitResult:
    """Pick the golden set, then cut the rest into train/val/test; input order is kept within a split.

    `pinned` ids (an earlier golden set) stay golden; only the remaining slots are drawn afresh.
    """
    salt = f"split-v1:{seed}"
    pinned = pinned or set()
    golden_ids = {r.id for r in records if r.id in pinned}
    strata: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in records:
        if r.id not in golden_ids:
            strata[(r.lang, r.domain)].append(r)
    alloc = _allocate({k: len(v) for k, v in strata.items()}, golden - len(golden_ids))
    for key, members in strata.items():
        ranked = sorted(members, key=lambda r: (unit_hash(r.id, "golden:" + salt), r.id))
        golden_ids.update(r.id for r in ranked[: alloc[key]])
    out: dict[str, list[Record]] = {s: [] for s in SPLITS}
    for r in records:
        if r.id in golden_ids:
            out["golden"].append(r)
            continue
        u = unit_hash(r.id, salt)
        out["val" if u < val else "test" if u < val + test else "train"].append(r)
    contamination = _contamination(out, fingerprint)
    return SplitResult(out, {f"{lang}/{domain}": n for (lang, domain), n in sorted(alloc.items()) if n},
                       contamination)


def _contamination(out: dict[str, list[Record]], fingerprint: Callable[[Record], str]) -> dict[str, Any]:
    """Golden pairs whose fingerprint also occurs in train/val/test; those copies leave the other split."""
    golden_fps = {fingerprint(r) for r in out["golden"]}
    report: dict[str, Any] = {"checked": ["train", "val", "test"], "removed": {}}
    for name in ("train", "val", "test"):
        kept = [r for r in out[name] if fingerprint(r) not in golden_fps]
        report["removed"][name] = len(out[name]) - len(kept)
        out[name] = kept
    report["overlaps_after"] = sum(1 for name in ("train", "val", "test") for r in out[name]
                                   if fingerprint(r) in golden_fps)
    return report
