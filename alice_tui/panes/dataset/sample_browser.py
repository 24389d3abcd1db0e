"""Page through records of any split: prompt on top, chosen and rejected side by side, PII placeholders marked."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Select, Static

from alice_tui import samples
from datasets_build.manifest import count_records


def highlighted(text: str) -> Text:
    out = Text(text)
    for start, end in samples.placeholder_spans(text):
        out.stylize("bold black on yellow", start, end)
    return out


class SampleBrowser(Vertical, can_focus=True):
    BINDINGS = [
        Binding("right,l,]", "page(1)", "Next"),
        Binding("left,h,[", "page(-1)", "Prev"),
        Binding("pagedown", "page(10)", "+10", show=False),
        Binding("pageup", "page(-10)", "-10", show=False),
        Binding("home", "first", "First", show=False),
        Binding("slash", "search", "Search", tooltip="Go to the next record holding a text (any case)"),
        Binding("n", "next_match(1)", "Next match", show=False),
        Binding("N", "next_match(-1)", "Previous match", show=False),
    ]
    DEFAULT_CSS = """
    SampleBrowser { height: 1fr; }
    SampleBrowser #sample-bar { height: 1; }
    SampleBrowser #sample-split { width: 30; }
    SampleBrowser #sample-pos { width: 1fr; padding-left: 1; }
    SampleBrowser .sample-head { text-style: bold; height: 1; }
    SampleBrowser #sample-prompt { height: auto; max-height: 40%; border-bottom: hkey $foreground 30%; }
    SampleBrowser #sample-pair { height: 1fr; }
    SampleBrowser #sample-pair > VerticalScroll { width: 1fr; padding: 0 1; }
    SampleBrowser #sample-meta { height: auto; max-height: 3; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.files: list[Path] = []
        self.path: Path | None = None
        self.index = 0
        self.count = 0
        self.query_text = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="sample-bar"):
            yield Select([], prompt="split", compact=True, id="sample-split", allow_blank=True)
            yield Static("no dataset", id="sample-pos")
        yield Static("", id="sample-meta")
        with VerticalScroll(id="sample-prompt"):
            yield Static("", id="prompt-text")
        with Horizontal(id="sample-pair"):
            with VerticalScroll():
                yield Static(Text("chosen", style="bold green"), classes="sample-head")
                yield Static("", id="chosen-text")
            with VerticalScroll():
                yield Static(Text("rejected", style="bold red"), classes="sample-head")
                yield Static("", id="rejected-text")

    def set_split_dir(self, split_dir: Path | None) -> None:
        self.files = samples.split_files(split_dir) if split_dir else []
        select = self.query_one("#sample-split", Select)
        select.set_options([(p.name, str(p)) for p in self.files])
        if self.files:
            first = next((p for p in self.files if p.stem == "train"), self.files[0])
            select.value = str(first)
            self.open(first)
        else:
            self.path = None
            self.query_one("#sample-pos", Static).update(f"no split files in {split_dir}" if split_dir else "no dataset")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is not Select.NULL and (self.path is None or str(self.path) != event.value):
            self.open(Path(str(event.value)))

    def open(self, path: Path) -> None:
        self.path = path
        try:
            self.count = count_records(path)
        except OSError as e:
            self.app.notify(f"cannot read {path}: {e}", severity="error")
            self.count = 0
        self.index = 0
        self._show()

    def action_page(self, delta: int) -> None:
        if self.count:
            self.index = max(0, min(self.count - 1, self.index + delta))
            self._show()

    def action_search(self) -> None:
        from alice_tui.screens import PromptScreen

        def asked(text: str | None) -> None:
            if text:
                self.query_text = text
                self.action_next_match(1, from_here=True)

        self.app.push_screen(PromptScreen("Search the records for", self.query_text), asked)

    def action_next_match(self, step: int, from_here: bool = False) -> None:
        if self.path is None or not self.query_text:
            self.app.notify("press / to search the records first", severity="warning", timeout=3)
            return
        try:
            hit = samples.find_record(self.path, self.query_text, self.index - 1 if from_here else self.index, step)
        except OSError as e:
            self.app.notify(f"cannot read {self.path}: {e}", severity="error")
            return
        if hit is None:
            self.app.notify(f"{self.query_text!r}: not in {self.path.name}", severity="warning", timeout=3)
            return
        self.index = hit
        self._show()

    def action_first(self) -> None:
        self.index = 0
        self._show()

    def _show(self) -> None:
        pos = self.query_one("#sample-pos", Static)
        if self.path is None or not self.count:
            pos.update(f"{self.path.name if self.path else ''}: empty")
            return
        try:
            rec = samples.read_record(self.path, self.index)
        except (OSError, ValueError, IndexError) as e:
            self.app.notify(str(e), severity="error")
            return
        found = f"  ·  / {self.query_text!r}: n/N next/previous" if self.query_text else "  ·  / search"
        pos.update(f"record {self.index + 1:,} of {self.count:,} in {self.path.name}  ·  ←/→ page{found}")
        meta = {k: v for k, v in rec.items() if k not in ("prompt", "chosen", "rejected") and not isinstance(v, list | dict)}
        self.query_one("#sample-meta", Static).update(" · ".join(f"{k}={v}" for k, v in meta.items()))
        self.query_one("#prompt-text", Static).update(
            Text.assemble(("prompt  ", "bold"), highlighted(samples.as_text(rec.get("prompt")))))
        self.query_one("#chosen-text", Static).update(highlighted(samples.as_text(rec.get("chosen"))))
        self.query_one("#rejected-text", Static).update(highlighted(samples.as_text(rec.get("rejected"))))
