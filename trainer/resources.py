"""Resource sampling: process and system CPU/memory (psutil) and device memory, as `resources` events."""

from __future__ import annotations

import threading
from typing import Any

import psutil

from trainer import device as devmod
from trainer import protocol
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


class ResourceSampler(threading.Thread):
    """Daemon thread: a psutil read every couple of seconds costs microseconds, far under 1% of a step."""

    def __init__(self, events: EventLog, device: str, interval: float = INTERVAL_S):
        super().__init__(name="resources", daemon=True)
        self.events = events
        self.device = device
        self.interval = interval
        self._halt = threading.Event()
        self._proc = psutil.Process()

    def run(self) -> None:
        self._proc.cpu_percent(None)
        psutil.cpu_percent(None)
        while not self._halt.wait(self.interval):
            try:
                self.events.emit(protocol.RESOURCES, **sample(self._proc, self.device))
            except (psutil.Error, OSError):
                continue

    def stop(self) -> None:
        self._halt.set()
