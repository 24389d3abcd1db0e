"""A full-screen, wrapped, scrollable view of a long text (a failed run's whole error and traceback)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class TextViewScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "close", "Close")]
    DEFAULT_CSS = """
    TextViewScreen { align: center middle; }
    TextViewScreen > VerticalScroll { width: 95%; height: 90%; border: thick $error; background: $surface;
                                      padding: 0 1; }
    TextViewScreen #text-view-title { text-style: bold; color: $error; }
    TextViewScreen #text-view-keys { color: $text-muted; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title, self._text = title, text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._title, id="text-view-title", markup=False)
            yield Static(self._text, id="text-view-body", markup=False)  # Static wraps: nothing is cut off
            yield Static("esc, q or enter closes · arrows / PgUp / PgDn scroll", id="text-view-keys")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
