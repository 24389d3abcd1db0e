"""A yes/no dialog for anything that cannot be undone (stop a run, delete a run dir, overwrite a file)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 64; max-width: 95%; height: auto; border: thick $warning;
                               background: $surface; padding: 1 2; }
    ConfirmScreen #confirm-title { text-style: bold; color: $warning; }
    ConfirmScreen #confirm-keys { color: $text-muted; margin-top: 1; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmScreen Button { margin-left: 2; min-width: 10; }
    """

    def __init__(self, title: str, detail: str = "", yes: str = "Yes", no: str = "No",
                 declined: str = "cancelled") -> None:
        """`declined` is said aloud when the answer is no, so closing the dialog never looks like success."""
        super().__init__()
        self._title, self._detail, self._yes, self._no = title, detail, yes, no
        self._declined = declined

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, id="confirm-title")
            if self._detail:
                yield Static(self._detail, id="confirm-detail")
            yield Static(f"y {self._yes.lower()} · n or esc {self._no.lower()} · enter the focused button",
                         id="confirm-keys")
            with Horizontal():
                yield Button(f"{self._yes} [y]", variant="warning", id="yes")
                yield Button(f"{self._no} [n]", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        if not yes:
            self.app.notify(f"{self._title.rstrip('?')}: {self._declined}", timeout=3)
        self.dismiss(yes)
