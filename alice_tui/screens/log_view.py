"""The run's log full-screen (`l` on the Run pane): wrapped, scrollable, warnings folded, searchable with `/`.

Two sources: the console's log of the run's events, and the trainer's own stdout/stderr (trainer.log),
where the libraries' warnings land. `t` switches between them; both are re-read while the screen is open.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Input, Static

from alice_tui import log_lines

TRAINER_LOG_TAIL = 256 * 1024  # bytes of trainer.log read: its tail, where the trouble usually is


class WrappedLog(ScrollView, can_focus=True):
    """Lines wrapped to the width, drawn a screen row at a time; rows of matching lines highlighted."""

    COMPONENT_CLASSES = {"wrapped-log--match", "wrapped-log--current"}
    DEFAULT_CSS = """
    WrappedLog { height: 1fr; }
    WrappedLog > .wrapped-log--match { background: $warning 30%; }
    WrappedLog > .wrapped-log--current { background: $warning 70%; color: $background; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        self.hits: set[int] = set()
        self.current_hit: int | None = None
        self._rows: list[tuple[int, str]] = []  # (line index, text) per screen row
        self._first_row: list[int] = []  # the first screen row of each line
        self._width = 0

    def set_lines(self, lines: list[str]) -> None:
        at_end = self.scroll_y >= self.max_scroll_y
        self.lines = lines
        self._rewrap()
        if at_end:  # following the tail, as `tail -f` would
            self.scroll_end(animate=False, immediate=True)

    def on_resize(self) -> None:
        self._rewrap()

    def _rewrap(self) -> None:
        self._width = self.scrollable_content_region.width or self.size.width or 80
        self._rows, self._first_row = [], []
        for i, line in enumerate(self.lines):
            self._first_row.append(len(self._rows))
            self._rows.extend((i, row) for row in log_lines.wrap(line, self._width))
        self.virtual_size = Size(self._width, len(self._rows))
        self.refresh()

    def first_row(self, index: int) -> int:
        return self._first_row[index]

    def show_line(self, index: int) -> None:
        if 0 <= index < len(self._first_row):
            self.scroll_to(y=max(0, self._first_row[index] - self.scrollable_content_region.height // 3),
                           animate=False, immediate=True)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        row = y + int(self.scroll_y)
        if row >= len(self._rows):
            return Strip.blank(self.size.width, self.rich_style)
        index, text = self._rows[row]
        style = self.rich_style
        if index == self.current_hit:
            style = style + self.get_component_rich_style("wrapped-log--current")
        elif index in self.hits:
            style = style + self.get_component_rich_style("wrapped-log--match")
        return Strip([Segment(text, style)]).adjust_cell_length(self.size.width, style or Style())


class LogScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_hit(1)", "Next match"),
        Binding("N", "next_hit(-1)", "Prev match"),
        Binding("w", "toggle_fold", "Warnings"),
        Binding("t", "toggle_source", "trainer.log / events"),
        Binding("home,g", "edge(0)", "Top", show=False),
        Binding("end,G", "edge(1)", "Bottom", show=False),
    ]
    DEFAULT_CSS = """
    LogScreen #log-title { height: 1; background: $panel; padding: 0 1; }
    LogScreen #log-search { display: none; }
    LogScreen.-searching #log-search { display: block; }
    """

    def __init__(self, title: str, events_log: Callable[[], list[str]], trainer_log: Path | None) -> None:
        super().__init__()
        self._title = title
        self._events_log = events_log
        self._trainer_log = trainer_log
        self.source = "events"
        self.fold = True
        self.query_text = ""
        self.hits: list[int] = []
        self.shown: list[str] = []
        self.folded = log_lines.Folded([], 0, 0)
        self._raw: list[str] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="log-title")
        yield WrappedLog(id="log-lines")
        yield Input(placeholder="search (enter: find · esc: close search)", compact=True, id="log-search")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(WrappedLog).focus()
        self.set_interval(1.0, self.reload)  # the run goes on while one reads

    def raw_lines(self) -> list[str]:
        if self.source == "events":
            return self._events_log()
        if self._trainer_log is None:
            return []
        try:
            with open(self._trainer_log, "rb") as f:
                size = f.seek(0, 2)
                f.seek(max(0, size - TRAINER_LOG_TAIL))
                data = f.read()
        except OSError as e:
            return [f"cannot read {self._trainer_log}: {e.strerror}"]
        lines = data.decode("utf-8", "replace").splitlines()
        return lines[1:] if size > TRAINER_LOG_TAIL else lines  # the first line is likely cut

    def reload(self) -> None:
        raw = self.raw_lines()
        if raw == self._raw:
            return
        self._raw = raw
        self.folded = log_lines.fold_warnings(raw)
        self.shown = self.folded.lines if self.fold else raw
        self._find()
        self.query_one(WrappedLog).set_lines(self.shown)
        self._show_title()

    def _show_title(self) -> None:
        where = "run events" if self.source == "events" else str(self._trainer_log or "trainer.log")
        title = Text.assemble((f"{self._title} · log of {where}", "bold"), f" · {len(self.shown)} lines")
        if self.folded.folded:
            title.append(f" · {self.folded.folded} warning lines {'folded' if self.fold else 'shown'} "
                         f"({self.folded.kinds} distinct; w {'shows' if self.fold else 'folds'} them)", "yellow")
        if self.query_text:
            title.append(f" · /{self.query_text}: {len(self.hits)} match{'es' * (len(self.hits) != 1)}", "cyan")
        self.query_one("#log-title", Static).update(title)

    def _find(self) -> None:
        self.hits = log_lines.matches(self.shown, self.query_text)
        view = self.query_one(WrappedLog)
        view.hits = set(self.hits)
        if view.current_hit not in view.hits:
            view.current_hit = None

    # ---- keys ------------------------------------------------------------------------------
    def action_close(self) -> None:
        if self.has_class("-searching"):
            self._end_search()
            return
        self.dismiss(None)

    def action_search(self) -> None:
        self.add_class("-searching")
        search = self.query_one("#log-search", Input)
        search.value = self.query_text
        search.focus()

    def _end_search(self) -> None:
        self.remove_class("-searching")
        self.query_one(WrappedLog).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_text = event.value.strip()
        self._find()
        self._end_search()
        self._show_title()
        view = self.query_one(WrappedLog)
        if self.hits:  # the first match at or below the top of the view, as less does
            top = int(view.scroll_y)
            first = next((i for i in self.hits if view.first_row(i) >= top), self.hits[0])
            view.current_hit = first
            view.show_line(first)
        else:
            view.refresh()
            if self.query_text:
                self.notify(f"no line contains {self.query_text!r}", severity="warning", timeout=3)

    def action_next_hit(self, delta: int) -> None:
        view = self.query_one(WrappedLog)
        if not self.hits:
            return
        if view.current_hit is None:
            i = 0 if delta > 0 else len(self.hits) - 1
        else:
            i = (self.hits.index(view.current_hit) + delta) % len(self.hits)
        view.current_hit = self.hits[i]
        view.show_line(self.hits[i])

    def action_toggle_fold(self) -> None:
        self.fold = not self.fold
        self._raw = None
        self.reload()

    def action_toggle_source(self) -> None:
        self.source = "trainer.log" if self.source == "events" else "events"
        self._raw = None
        self.query_one(WrappedLog).scroll_end(animate=False, immediate=True)
        self.reload()

    def action_edge(self, end: int) -> None:
        view = self.query_one(WrappedLog)
        view.scroll_end(animate=False) if end else view.scroll_home(animate=False)
