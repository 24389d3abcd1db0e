"""A live line chart of one or more metrics against step, drawn with the braille renderer."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from alice_tui.braille_plot import Line, render
from alice_tui.run_model import Series

# Readable on the default dark and on the light theme.
STYLES = ("bold dodger_blue2", "bold dark_orange", "bold green3", "bold magenta")
DIMMED = "grey50"  # another run's curve, under this run's


class MetricPlot(Widget):
    DEFAULT_CSS = "MetricPlot { width: 1fr; height: 1fr; }"

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._lines: list[Line] = []
        self._cache: tuple[tuple[int, int, int], Text] | None = None
        self._version = 0

    def draw(self, lines: list[tuple[str, Series]], title: str | None = None,
             dimmed: list[tuple[str, Series]] | None = None) -> None:
        """New data: snapshot the series (the model keeps growing) and repaint if the picture changed.

        Late in a long run a new step rarely moves a dot; skipping those repaints is most of the
        console's idle CPU. `title` replaces the chart's title (the Run pane's `m` switches what it shows);
        `dimmed` lines (another run, picked with `space` on the Runs pane) are drawn grey, under the others.
        """
        self._title = title or self._title
        self._lines = [Line(label, list(s.xs), list(s.ys), STYLES[i % len(STYLES)])
                       for i, (label, s) in enumerate(lines)]
        self._lines += [Line(label, list(s.xs), list(s.ys), DIMMED, behind=True) for label, s in dimmed or ()]
        old = self._cache[1] if self._cache else None
        self._version += 1
        new = self.render()
        if old is None or new.plain != old.plain or new.spans != old.spans:
            self.refresh()

    def render(self) -> Text:
        key = (self.size.width, self.size.height, self._version)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, render(self._lines, self.size.width, self.size.height, self._title))
        return self._cache[1]
