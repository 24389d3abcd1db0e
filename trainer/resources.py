"""Resource sampling: process and system CPU/memory (psutil) and device memory, as `resources` events."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from trainer import device as devmod
from trainer import protocol, ranks
from trainer.events import EventLog

INTERVAL_S = 2.0


def sample(proc: psutil.Process, device: str) -> dict[str, Any]:
    with proc.oneshot():
        rss = proc.memory_info().rss
        cpu = proc.cpu_percent(None)  # since the previous call: the first one after start reads 0.0
        threads = proc.num_threads()
    vm = psutil.virtual_memory()
    return {"cpu_percent": round(cpu, 1), "rss_bytes": rss, "sys_mem_percent": vm.percent,
            "sys_cpu_percent": psutil.cpu_percent(None), "threads": threads, "device": device,
            "device_mem_bytes": devmod.memory_bytes(device),
            # MPS: what the Metal driver holds (the allocator's cache included), the figure that swaps a Mac
            "device_driver_bytes": devmod.peak_memory_bytes(device) if device == "mps" else None}


RANK_FIELDS = ("cpu_percent", "rss_bytes", "device_mem_bytes")


def _rank_file(run_dir: Path, rank: int) -> Path:
    return run_dir / ranks.RANKS_DIR / f"rank-{rank}.resources.json"


def write_rank_sample(run_dir: Path, rank: int, s: dict[str, Any]) -> None:
    """A rank other than 0 leaves its figures where rank 0's sampler reads them (no collective)."""
    path = _rank_file(run_dir, rank)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"t": time.time(), **{k: s.get(k) for k in RANK_FIELDS}}))
    os.replace(tmp, path)


def per_rank(run_dir: Path, w: ranks.World, own: dict[str, Any], max_age_s: float) -> dict[str, Any]:
    """Fields for rank 0's event: each rank's figures, their sum and the worst rank by memory."""
    rows = [{"rank": 0, **{k: own.get(k) for k in RANK_FIELDS}}]
    for r in range(1, w.size):
        try:
            got = json.loads(_rank_file(run_dir, r).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(got, dict) and time.time() - float(got.get("t", 0)) <= max_age_s:
            rows.append({"rank": r, **{k: got.get(k) for k in RANK_FIELDS}})

    def total(key: str) -> float | None:
        vals = [float(v) for row in rows if isinstance(v := row.get(key), int | float)]
        return sum(vals) if vals else None

    def mem(row: dict[str, Any]) -> float:
        return float(row.get("device_mem_bytes") or row.get("rss_bytes") or 0)

    worst = max(rows, key=mem)
    return {"ranks": rows, "ranks_reporting": len(rows), "cpu_percent_sum": total("cpu_percent"),
            "rss_bytes_sum": total("rss_bytes"), "device_mem_bytes_sum": total("device_mem_bytes"),
            "worst_rank": worst["rank"]}


class ResourceSampler(threading.Thread):
    """Daemon thread: a psutil read every couple of seconds costs microseconds, far under 1% of a step.

    In a multi-rank run every rank samples itself; the others hand their figures to rank 0 through
    small files in the run dir, and rank 0's event carries them all (`ranks`, sums, the worst rank).
    """

    def __init__(self, events: EventLog, device: str, interval: float = INTERVAL_S,
                 world: ranks.World | None = None, run_dir: Path | None = None):
        super().__init__(name="resources", daemon=True)
        self.events = events
        self.device = device
        self.interval = interval
        self.world = world or ranks.World(0, 1)
        self.run_dir = run_dir
        self._halt = threading.Event()
        self._proc = psutil.Process()

    def run(self) -> None:
        self._proc.cpu_percent(None)
        psutil.cpu_percent(None)
        while not self._halt.wait(self.interval):
            try:
                s = sample(self._proc, self.device)
                if self.world.distributed and self.run_dir is not None:
                    if not self.world.is_main:
                        write_rank_sample(self.run_dir, self.world.rank, s)
                        continue
                    s.update(per_rank(self.run_dir, self.world, s, 3 * self.interval))
                self.events.emit(protocol.RESOURCES, **s)
            except (psutil.Error, OSError):
                continue

    def stop(self) -> None:
        self._halt.set()
