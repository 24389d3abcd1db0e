"""Resource gauges of the trainer process: CPU, RSS, system and device memory, with history sparklines."""

from __future__ import annotations

import psutil
from rich.text import Text
from textual.widgets import Static

from alice_tui import fmt
from alice_tui.run_model import RunView

_TOTAL_RAM: list[float] = []


def _total_ram() -> float:
    if not _TOTAL_RAM:
        _TOTAL_RAM.append(float(psutil.virtual_memory().total))
    return _TOTAL_RAM[0]


class ResourceGauges(Static):
    DEFAULT_CSS = "ResourceGauges { height: auto; }"

    def show(self, view: RunView | None) -> None:
        if view is None or not view.resources:
            self.update(Text("resources: waiting for the trainer's first report", style="dim"))
            return
        r = view.resources
        width = max(30, self.size.width or 40)
        gauge_w = max(6, (width - 24) // 2)
        spark_w = max(4, width - 24 - gauge_w)
        cpu = r.get("cpu_percent")
        sysmem = r.get("sys_mem_percent")
        rss = r.get("rss_bytes")
        dev = r.get("device_mem_bytes")
        rss_max = max(view.rss_hist) if view.rss_hist else None
        dev_max = max(view.devmem_hist) if view.devmem_hist else None
        rows = [
            ("CPU", fmt.percent(cpu), (cpu or 0) / max(100.0, cpu or 0), view.cpu_hist, 0.0, None),
            # The trainer shares this machine (Unix socket), so its RSS is a share of our RAM.
            ("RSS", fmt.size(rss), (rss or 0) / _total_ram(), view.rss_hist, 0.0, rss_max),
            ("Mem", fmt.percent(sysmem), (sysmem or 0) / 100, view.sysmem_hist, 0.0, 100.0),
            (f"Dev {r.get('device') or ''}".strip()[:8], fmt.size(dev) if dev else "–",
             (dev or 0) / dev_max if dev_max else 0.0, view.devmem_hist, 0.0, None),
        ]
        out = Text()
        for i, (label, value, frac, hist, lo, hi) in enumerate(rows):
            color = "red" if frac > 0.9 else "yellow" if frac > 0.7 else "green"
            out.append(f"{label:<8}", style="bold")
            out.append(f"{value:>10} ")
            out.append(fmt.bar(frac, gauge_w), style=color)
            out.append(" ")
            out.append(fmt.sparkline(list(hist), spark_w, lo, hi), style="cyan")
            if i < len(rows) - 1:
                out.append("\n")
        self.update(out)
