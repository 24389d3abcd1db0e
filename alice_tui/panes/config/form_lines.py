"""The whole Config form as one line-drawn widget: titles, one line per field, its error under it.

About 60 lines in one widget instead of ~350 editor widgets: the pane opens at once, and moving the
cursor repaints two lines (no layout, no restyle). The one real editor (an Input) sits over the
current line; see ConfigPane.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from alice_tui.config_form import NAME_WIDTH, FormLine


class FormLines(Widget):
    COMPONENT_CLASSES = {"form--title", "form--name", "form--current", "form--invalid", "form--unused",
                         "form--error", "form--value", "form--null"}
    DEFAULT_CSS = """
    FormLines { height: auto; }
    FormLines > .form--title { text-style: bold; color: $accent; }
    FormLines > .form--name { color: $text-muted; }
    FormLines > .form--current { color: $accent; text-style: bold; }
    FormLines > .form--invalid { color: $error; }
    FormLines > .form--unused { color: $text-disabled; }
    FormLines > .form--error { color: $error; }
    FormLines > .form--value { color: $foreground; }
    FormLines > .form--null { color: $text-disabled; }
    """

    class Clicked(Message):
        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[FormLine] = []
        self.texts: dict[str, str] = {}
        self.invalid: set[str] = set()
        self.changed: set[str] = set()
        self.unused: set[str] = set()
        self.current = ""
        self._row: dict[str, int] = {}

    # ---- what to draw ----------------------------------------------------------------------
    def set_lines(self, lines: list[FormLine]) -> None:
        if lines == self.lines:
            return
        grew = len(lines) != len(self.lines)
        self.lines = lines
        self._row = {ln.path: i for i, ln in enumerate(lines) if ln.kind == "field"}
        self.refresh(layout=grew)

    def set_state(self, texts: dict[str, str], invalid: set[str], changed: set[str], unused: set[str]) -> None:
        """Repaint only the field lines whose text or marks changed."""
        touched = {p for p in self._row if (texts.get(p) != self.texts.get(p) or (p in invalid) != (p in self.invalid)
                                            or (p in changed) != (p in self.changed)
                                            or (p in unused) != (p in self.unused))}
        self.texts, self.invalid, self.changed, self.unused = dict(texts), set(invalid), set(changed), set(unused)
        self._refresh_rows(touched)

    def set_current(self, path: str) -> None:
        old, self.current = self.current, path
        self._refresh_rows({old, path})

    def row_of(self, path: str) -> int:
        return self._row[path]

    def _refresh_rows(self, paths: set[str]) -> None:
        width = self.size.width
        regions = [Region(0, self._row[p], width, 1) for p in paths if p in self._row]
        if regions and width:
            self.refresh(*regions)

    # ---- drawing ---------------------------------------------------------------------------
    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)

    def marks(self, path: str) -> set[str]:
        """The marks a field's line is drawn with (current, invalid, changed, unused): what tests read too."""
        return {name for name, on in (("current", path == self.current), ("invalid", path in self.invalid),
                                      ("changed", path in self.changed), ("unused", path in self.unused)) if on}

    def line_text(self, y: int) -> str:
        return "".join(seg.text for seg in self._segments(y))

    def render_line(self, y: int) -> Strip:
        return Strip(self._segments(y)).adjust_cell_length(self.size.width, self.rich_style)

    def _segments(self, y: int) -> list[Segment]:
        if y >= len(self.lines):
            return []
        line = self.lines[y]
        style = self.get_component_rich_style
        if line.kind == "title":
            return [Segment(" " + line.text, style("form--title"))]
        if line.kind == "error":
            return [Segment(" " * (NAME_WIDTH + 2) + line.text, style("form--error"))]
        if line.kind != "field":
            return []
        marks = self.marks(line.path)
        name_style = style("form--name")
        for mark, cls in (("unused", "form--unused"), ("invalid", "form--invalid"), ("current", "form--current")):
            if mark in marks:
                name_style += style(cls)
        if "changed" in marks:
            name_style += Style(italic=True)
        name = line.path.rsplit(".", 1)[-1]
        pointer = "▸ " if "current" in marks else "  "
        label = (pointer + name)[:NAME_WIDTH - 1].ljust(NAME_WIDTH)
        text = self.texts.get(line.path, "")
        room = max(1, self.size.width - NAME_WIDTH - 1)
        # The start of a long value is what identifies it (a path's root, a model's name).
        shown = text if len(text) <= room else text[:room - 1] + "…"
        value = Segment(shown, style("form--value")) if text else Segment("null", style("form--null"))
        return [Segment(label, name_style), value]

    def on_click(self, event: Click) -> None:
        y = event.y
        while 0 <= y < len(self.lines) and self.lines[y].kind == "error":
            y -= 1  # an error line belongs to the field above it
        if 0 <= y < len(self.lines) and self.lines[y].kind == "field":
            self.post_message(self.Clicked(self.lines[y].path))
