"""A plotext line chart of one or more metrics against step (textual-plotext)."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from alice_tui.run_model import Series


def _thin(series: Series, max_points: int) -> tuple[list[float], list[float]]:
    """Every k-th point so the plot never draws more points than it has columns for."""
    n = len(series)
    k = max(1, n // max(1, max_points))
    xs, ys = series.xs[::k], series.ys[::k]
    if n and xs[-1] != series.xs[-1]:
        xs, ys = [*xs, series.xs[-1]], [*ys, series.ys[-1]]
    return xs, ys


class MetricPlot(PlotextPlot):
    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title

    def draw(self, lines: list[tuple[str, Series]]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self._title)
        width = max(10, self.size.width * 2)
        drawn = False
        for label, series in lines:
            if len(series):
                xs, ys = _thin(series, width)
                plt.plot(xs, ys, label=label, marker="braille")
                drawn = True
        if not drawn:
            plt.title(f"{self._title} (no data yet)")
        plt.xlabel("step")
        self.refresh()
