"""Pick one item from a list (config files, templates, runs); escape cancels."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


class PickScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 70; max-width: 95%; height: auto; max-height: 80%; border: thick $accent;
                            background: $surface; padding: 0 1; }
    PickScreen OptionList { height: auto; max-height: 16; }
    """

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]{self._title}[/b]  [dim]enter picks · esc cancels[/dim]")
            yield OptionList(*(Option(label, id=value) for value, label in self._options))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()  # the app turns AUTO_FOCUS off

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[Any]):
    """Ask for one line of text (a new file name); escape cancels. A subclass checks the answer (`check`:
    the value to return, or why not, shown under the input while the dialog stays open)."""

    KEY = "prompt"  # the widgets' ids: <KEY>-title, -detail, -input, -error
    KEYS_HINT = "enter accepts · esc cancels"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 70; max-width: 95%; height: auto; border: thick $accent;
                              background: $surface; padding: 0 1; }
    PromptScreen .prompt-error { color: $error; height: auto; }
    """

    def __init__(self, title: str, value: str = "", detail: str = "") -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._detail = detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]{self._title}[/b]  [dim]{self.KEYS_HINT}[/dim]", id=f"{self.KEY}-title")
            if self._detail:
                yield Static(self._detail, id=f"{self.KEY}-detail")
            yield Input(self._value, id=f"{self.KEY}-input")
            error = Static("", id=f"{self.KEY}-error", classes="prompt-error")
            error.display = False
            yield error

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def check(self, value: str) -> tuple[Any, str | None]:
        """(what the dialog returns, None) or (None, why the answer is refused)."""
        return value.strip() or None, None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value, why = self.check(event.value)
        if why is not None:
            error = self.query_one(f"#{self.KEY}-error", Static)
            error.update(why)
            error.display = True
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
