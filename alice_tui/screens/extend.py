"""Ask for a run's new max_steps before resuming it ("extend <run> to N steps"); escape cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


def parse_max_steps(text: str, step: int) -> int | str:
    """The new max_steps, or why `text` is not one (the dialog shows it and stays open)."""
    try:
        n = int(text.strip().replace("_", ""))
    except ValueError:
        return f"{text.strip() or 'nothing'!r} is not a whole number of steps"
    if n <= step:
        return f"must be more than the run's current step ({step})"
    return n


class ExtendScreen(ModalScreen[int | None]):
    """The new max_steps; growing only is checked by `trainer.launch.resume`, as for `resume --set`."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ExtendScreen { align: center middle; }
    ExtendScreen > Vertical { width: 64; max-width: 95%; height: auto; border: thick $accent;
                              background: $surface; padding: 0 1; }
    ExtendScreen #extend-error { color: $error; height: auto; }
    """

    def __init__(self, run_name: str, step: int, max_steps: int | None) -> None:
        super().__init__()
        self._name, self._step, self._max = run_name, step, max_steps

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]extend {self._name} to N steps[/b]  [dim]enter resumes · esc cancels[/dim]",
                         id="extend-title")
            yield Static(f"now at step {self._step} of {self._max if self._max else '?'}; "
                         "max_steps can only grow on resume", id="extend-detail")
            yield Input(str(self._max or ""), id="extend-input")
            yield Static("", id="extend-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        got = parse_max_steps(event.value, self._step)
        if isinstance(got, str):
            self.query_one("#extend-error", Static).update(got)
            return
        self.dismiss(got)

    def action_cancel(self) -> None:
        self.app.notify(f"extend {self._name}: cancelled", timeout=3)
        self.dismiss(None)
