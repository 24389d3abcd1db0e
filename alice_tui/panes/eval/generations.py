"""Page through an evaluation's sample generations: the prompt, then base and tuned answers side by side."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from alice_tui import fmt


class GenerationsPager(Vertical, can_focus=True):
    BINDINGS = [Binding("right,l,]", "page(1)", "Next"), Binding("left,h,[", "page(-1)", "Prev")]
    DEFAULT_CSS = """
    GenerationsPager { height: 1fr; }
    GenerationsPager #gen-pos { height: 1; color: $text-muted; }
    GenerationsPager #gen-prompt { height: auto; max-height: 40%; border-bottom: hkey $foreground 30%; }
    GenerationsPager #gen-pair > VerticalScroll { width: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[dict[str, Any]] = []
        self.index = 0

    def compose(self) -> ComposeResult:
        yield Static("no generations", id="gen-pos")
        with VerticalScroll(id="gen-prompt"):
            yield Static("", id="gen-prompt-text")
        with Horizontal(id="gen-pair"):
            with VerticalScroll():
                yield Static(Text("base", style="bold"))
                yield Static("", id="gen-base")
            with VerticalScroll():
                yield Static(Text("tuned", style="bold green"))
                yield Static("", id="gen-tuned")

    def show(self, items: list[dict[str, Any]]) -> None:
        self.items = [g for g in items if isinstance(g, dict)]
        self.index = 0
        self._draw()

    def action_page(self, delta: int) -> None:
        if self.items:
            self.index = max(0, min(len(self.items) - 1, self.index + delta))
            self._draw()

    def _draw(self) -> None:
        if not self.items:
            self.query_one("#gen-pos", Static).update("no generations in this report")
            for wid in ("#gen-prompt-text", "#gen-base", "#gen-tuned"):
                self.query_one(wid, Static).update("")
            return
        g = self.items[self.index]
        verdict = f" · judge: tuned {g['verdict']}" if g.get("verdict") else ""  # A/B reports carry a verdict
        self.query_one("#gen-pos", Static).update(
            f"generation {self.index + 1} of {len(self.items)} · id {g.get('id', '–')}{verdict} · ←/→ page")
        prompt = Text.assemble(("prompt  ", "bold"), fmt.printable(str(g.get("prompt", ""))))
        if g.get("chosen"):  # the reference answer the pair prefers, when the report carries it
            prompt.append_text(Text.assemble(("\nreference chosen  ", "bold"), fmt.printable(str(g["chosen"]))))
        self.query_one("#gen-prompt-text", Static).update(prompt)
        self.query_one("#gen-base", Static).update(_answer(g.get("base")))
        self.query_one("#gen-tuned", Static).update(_answer(g.get("tuned")))


def _answer(value: object) -> Text:
    """A model's answer as drawn: control characters escaped, and a note where it would draw as nothing."""
    text = "" if value is None else str(value)
    note = fmt.blank_note(text)
    return Text(note, style="italic dim") if note else Text(fmt.printable(text))
