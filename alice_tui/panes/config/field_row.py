"""One config field on the form: its name, an editor (input or choice), and the schema's error beside it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from trainer.config import FieldSpec


class FieldRow(Vertical):
    DEFAULT_CSS = """
    FieldRow { height: auto; }
    FieldRow > Horizontal { height: 1; }
    FieldRow .field-name { width: 30; padding-left: 2; color: $text-muted; }
    FieldRow.-current .field-name { color: $accent; text-style: bold; }
    FieldRow Input, FieldRow Select { width: 1fr; }
    FieldRow .field-error { display: none; color: $error; padding-left: 32; height: auto; }
    FieldRow.-invalid .field-error { display: block; }
    FieldRow.-invalid .field-name { color: $error; }
    FieldRow.-changed .field-name { text-style: italic; }
    FieldRow.-unused .field-name { color: $text-disabled; }
    """

    @dataclass
    class Edited(Message):
        path: str
        text: str

    def __init__(self, spec: FieldSpec, text: str) -> None:
        super().__init__(id="field-" + spec.path.replace(".", "-"))
        self.spec = spec
        self.text = text
        self._shown: tuple[str | None, bool] = (None, False)

    def compose(self) -> ComposeResult:
        s = self.spec
        with Horizontal():
            yield Label(s.path.split(".")[-1], classes="field-name")
            # A field that also takes a list (dpo.loss_type) needs free text; its choices show in the help line.
            if (s.choices and s.type_name == "str") or s.type_name == "bool":
                options = list(s.choices) if s.choices else ["true", "false"]
                yield Select([(o, o) for o in options], value=self.text if self.text in options else Select.NULL,
                             allow_blank=self.text not in options, compact=True, id="editor")
            else:
                placeholder = "null" if s.optional else s.type_name
                yield Input(self.text, placeholder=placeholder, compact=True, id="editor")
        yield Static("", classes="field-error")

    def set_text(self, text: str) -> None:
        """Replace the editor's content (opening another file), without echoing an Edited message."""
        self.text = text
        editor = self.query_one("#editor")
        with editor.prevent(Input.Changed, Select.Changed):
            if isinstance(editor, Input):
                editor.value = text
            elif isinstance(editor, Select):
                editor.value = text if text else Select.NULL

    def show_state(self, error: str | None, changed: bool) -> None:
        """Mark the row invalid (with the schema's message) and/or edited; untouched rows cost nothing."""
        if (error, changed) == self._shown:
            return
        self._shown = (error, changed)
        self.set_class(bool(error), "-invalid")
        self.set_class(changed, "-changed")
        self.query_one(".field-error", Static).update(f"↳ {error}" if error else "")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.text = event.value
        self.post_message(self.Edited(self.spec.path, event.value))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.text = "" if event.value is Select.NULL else str(event.value)
        self.post_message(self.Edited(self.spec.path, self.text))
