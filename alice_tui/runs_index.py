"""Summaries of every run dir under the runs root, re-read only for runs whose files changed.

Plain module (no Textual). The Runs pane polls this every couple of seconds; a long run's
events.jsonl is megabytes, so an unchanged run is answered from the cache.
"""

from __future__ import annotations

import os
from pathlib import Path

from trainer import rundir


def _key(run_dir: Path) -> tuple[object, ...]:
    def stat(p: Path) -> tuple[int, int]:
        try:
            st = os.stat(p)
            return st.st_size, st.st_mtime_ns
        except OSError:
            return (-1, -1)

    paths = rundir.RunPaths(run_dir)
    pid = rundir.read_pid(run_dir)
    ckpts = tuple(step for step, _ in rundir.checkpoints(run_dir))
    return stat(paths.events), pid, rundir.pid_alive(pid), ckpts


class RunsIndex:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, tuple[tuple[object, ...], rundir.RunSummary]] = {}

    def scan(self) -> list[rundir.RunSummary]:
        if not self.root.is_dir():
            return []
        out = []
        seen = set()
        for p in self.root.iterdir():
            if not (p.is_dir() and rundir.is_run_dir(p)):
                continue
            seen.add(p)
            key = _key(p)
            hit = self._cache.get(p)
            if hit is None or hit[0] != key:
                hit = (key, rundir.summarize(p))
                self._cache[p] = hit
            out.append(hit[1])
        for gone in set(self._cache) - seen:
            del self._cache[gone]
        return sorted(out, key=lambda r: r.started_t or 0.0, reverse=True)


# The Runs pane's `o` cycles these; "started" (newest first) is what scan() returns.
SORTS = ("started", "name", "state", "loss")


def arrange(runs: list[rundir.RunSummary], query: str = "", sort: str = "started") -> list[rundir.RunSummary]:
    """The runs to list: those whose name or state contains `query` (any case), in `sort` order.

    Ties keep the newest-first order, so runs of one state stay in start order.
    """
    q = query.strip().lower()
    shown = [r for r in runs if q in r.name.lower() or q in r.state.lower()] if q else list(runs)
    shown.sort(key=lambda r: r.started_t or 0.0, reverse=True)
    if sort == "name":
        shown.sort(key=lambda r: r.name)
    elif sort == "state":
        shown.sort(key=lambda r: r.state)
    elif sort == "loss":
        shown.sort(key=lambda r: (r.loss is None, r.loss if r.loss is not None else 0.0))  # no loss yet: last
    return shown
