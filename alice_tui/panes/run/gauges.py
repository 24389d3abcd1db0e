"""Resource gauges of the trainer process: CPU, RSS, system and device memory, with history sparklines."""

from __future__ import annotations

import psutil
from rich.text import Text
from textual.widget import Widget

from alice_tui import fmt
from alice_tui.run_model import RunView


class ResourceGauges(Widget):
    """Drawn at render time from the view, so bar widths always match the widget's current size."""

    DEFAULT_CSS = "ResourceGauges { height: 4; }"
    # RAM of this machine (the trainer shares it over the Unix socket); tests pin it for stable screens.
    total_ram: float | None = None
    cores: int | None = None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._view: RunView | None = None

    def show(self, view: RunView | None) -> None:
        self._view = view
        self.refresh()

    def render(self) -> Text:
        view = self._view
        if view is None or not view.resources:
            if view is not None and not view.live and view.state != "created":
                return Text(f"resources: none reported; the run {view.state} before the trainer's first report",
                            style="red" if view.state == "failed" else "dim")
            return Text("resources: waiting for the trainer's first report", style="dim")
        frozen = not view.live  # the last report of a run that is over: greyed, never read as current
        r = view.resources
        width = max(30, self.size.width or 40)
        gauge_w = max(6, (width - 24) // 2)
        spark_w = max(4, width - 24 - gauge_w)
        cpu = r.get("cpu_percent")
        sysmem = r.get("sys_mem_percent")
        rank_rows = r.get("ranks") if isinstance(r.get("ranks"), list) else []
        # A multi-rank run: the gauges show the sum over ranks; the line under them names the worst rank.
        rss = r.get("rss_bytes_sum") if rank_rows else r.get("rss_bytes")
        dev = (r.get("device_mem_bytes_sum") if rank_rows else None) or r.get("device_mem_bytes")
        rss_max = max(view.rss_hist) if view.rss_hist else None
        dev_max = max(view.devmem_hist) if view.devmem_hist else None
        rows = [
            # psutil's process percent counts each core as 100%.
            ("CPU", fmt.percent(cpu), (cpu or 0) / (100.0 * self._cores()), view.cpu_hist, 0.0, None),
            # The trainer shares this machine (Unix socket), so its RSS is a share of our RAM.
            ("RSS", fmt.size(rss), (rss or 0) / self._ram(), view.rss_hist, 0.0, rss_max),
            ("Mem", fmt.percent(sysmem), (sysmem or 0) / 100, view.sysmem_hist, 0.0, 100.0),
            (f"Dev {r.get('device') or ''}".strip()[:8], fmt.size(dev) if dev else "n/a",
             (dev or 0) / dev_max if dev_max else 0.0, view.devmem_hist, 0.0, None),
        ]
        out = Text()
        for i, (label, value, frac, hist, lo, hi) in enumerate(rows):
            color = "grey50" if frozen else "red" if frac > 0.9 else "yellow" if frac > 0.7 else "green"
            out.append(f"{label:<8}", style="bold")
            out.append(f"{value:>10} ")
            out.append(fmt.bar(frac, gauge_w), style=color)
            out.append(" ")
            out.append(fmt.sparkline(list(hist), spark_w, lo, hi), style="grey50" if frozen else "cyan")
            if i < len(rows) - 1:
                out.append("\n")
        if rank_rows:
            worst = next((x for x in rank_rows if x.get("rank") == r.get("worst_rank")), rank_rows[0])
            out.append(f"\n{len(rank_rows)} ranks (sums above) · worst rank {worst.get('rank')}: "
                       f"RSS {fmt.size(worst.get('rss_bytes'))}, dev {fmt.size(worst.get('device_mem_bytes'))}",
                       style="grey50" if frozen else "")
        return out

    def _cores(self) -> int:
        if self.cores is None:
            type(self).cores = psutil.cpu_count() or 1
        return self.cores or 1

    def _ram(self) -> float:
        if self.total_ram is None:
            type(self).total_ram = float(psutil.virtual_memory().total)
        return self.total_ram or 1.0
