"""Ask for a run's new max_steps before resuming it ("extend <run> to N steps"); escape cancels."""

from __future__ import annotations

from alice_tui.screens.pick import PromptScreen


def parse_max_steps(text: str, step: int) -> int | str:
    """The new max_steps, or why `text` is not one (the dialog shows it and stays open)."""
    try:
        n = int(text.strip().replace("_", ""))
    except ValueError:
        return f"{text.strip() or 'nothing'!r} is not a whole number of steps"
    if n <= step:
        return f"must be more than the run's current step ({step})"
    return n


class ExtendScreen(PromptScreen):
    """The new max_steps; growing only is checked by `trainer.launch.resume`, as for `resume --set`."""

    KEY = "extend"
    KEYS_HINT = "enter resumes · esc cancels"
    DEFAULT_CSS = """
    ExtendScreen > Vertical { width: 64; }
    """

    def __init__(self, run_name: str, step: int, max_steps: int | None) -> None:
        super().__init__(f"extend {run_name} to N steps", str(max_steps or ""),
                         detail=f"now at step {step} of {max_steps if max_steps else '?'}; "
                                "max_steps can only grow on resume")
        self._name, self._step = run_name, step

    def check(self, value: str) -> tuple[int | None, str | None]:
        got = parse_max_steps(value, self._step)
        return (None, got) if isinstance(got, str) else (got, None)

    def action_cancel(self) -> None:
        self.app.notify(f"extend {self._name}: cancelled", timeout=3)
        super().action_cancel()
