"""The Config pane: the training config as a form, validated as you type; save with a diff, export TOML."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from alice_tui import subprocess_lines, yaml_patch
from alice_tui.config_form import NAME_WIDTH, FormModel, editor_choices, form_lines, grouped_specs
from alice_tui.locations import TEMPLATES, Locations
from alice_tui.panes.config.form_lines import FormLines
from alice_tui.screens import ConfirmScreen, PickScreen, PromptScreen
from trainer import config as cfgmod


class FormScroll(VerticalScroll, inherit_bindings=False):
    """The form's scroll area: its keys (arrows, pages) move between fields instead (ConfigPane)."""


class ConfigPane(Vertical):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("f2", "save_as", "Save as"),
        Binding("ctrl+e", "export_toml", "Export TOML", priority=True),  # before Input's end-of-line
        Binding("ctrl+o", "open", "Open"),
        Binding("ctrl+n", "new_from_template", "New"),
        Binding("ctrl+r", "revert", "Revert"),
        Binding("escape", "leave_field", "Leave field", show=False),
        Binding("tab,down", "next_field(1)", "Next field", show=False),
        Binding("shift+tab,up", "next_field(-1)", "Previous field", show=False),
        Binding("pagedown", "next_field(10)", "10 fields down", show=False),
        Binding("pageup", "next_field(-10)", "10 fields up", show=False),
        Binding("f5", "preflight", "Preflight"),
    ]

    def __init__(self, locations: Locations, path: Path, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.locations = locations
        self.path = path
        self.form = FormModel.from_file(path)
        self.groups = grouped_specs()
        self.fields = [s for _, specs in self.groups for s in specs]
        self.errors: dict[str, str] = {}
        self.unused: set[str] = set()  # fields the chosen loss does not read (dimmed)
        self._saveable = True
        self.current = self.fields[0].path

    @property
    def dirty(self) -> bool:
        return self.form.dirty

    def compose(self) -> ComposeResult:
        yield Static("", id="config-status")
        with FormScroll(id="config-form"):
            yield FormLines(id="config-lines")
            # One editor for every field, moved onto the current line: building ~50 editors made the
            # pane take seconds to open and every focus move re-lay the whole form out.
            yield Input(compact=True, id="config-editor", select_on_focus=False)
        yield Static("", id="config-help")

    def on_mount(self) -> None:
        self._revalidate()
        self._move_to(self.current)

    def on_resize(self) -> None:
        self._layout_lines()

    @property
    def editor(self) -> Input:
        return self.query_one("#config-editor", Input)

    # ---- moving between fields -------------------------------------------------------------
    def action_next_field(self, delta: int) -> None:
        if self.app.focused is not self.editor:  # tab into the form lands on the current field first
            self.editor.focus()
            return
        i = next(i for i, s in enumerate(self.fields) if s.path == self.current)
        # One step wraps around (tab past the last field); a page stops at either end.
        j = (i + delta) % len(self.fields) if abs(delta) == 1 else max(0, min(len(self.fields) - 1, i + delta))
        self._move_to(self.fields[j].path)

    def focus_field(self, path: str) -> Input:
        """Put the editor on `path` and focus it (mouse click, tests)."""
        self._move_to(path)
        self.editor.focus()
        return self.editor

    def on_form_lines_clicked(self, event: FormLines.Clicked) -> None:
        self.focus_field(event.path)

    def _move_to(self, path: str) -> None:
        self.current = path
        spec = self.form.spec(path)
        lines = self.query_one(FormLines)
        lines.set_current(path)
        editor = self.editor
        choices = editor_choices(spec)
        with editor.prevent(Input.Changed):
            editor.value = self.form.texts.get(path, "")
        editor.placeholder = "null" if spec.optional else spec.type_name
        editor.suggester = SuggestFromList(choices, case_sensitive=False) if choices else None
        editor.cursor_position = len(editor.value)
        self._place_editor()
        self._show_help()

    def _place_editor(self) -> None:
        lines = self.query_one(FormLines)
        y = lines.row_of(self.current)
        editor = self.editor
        editor.styles.offset = (NAME_WIDTH, y)
        form = self.query_one("#config-form", VerticalScroll)
        below = 1
        while y + below < len(lines.lines) and lines.lines[y + below].kind == "error":
            below += 1  # the field's whole message comes into view with it
        # Two lines above too: the section title shows when going back up to its first field.
        top = max(0, y - 2)
        form.scroll_to_region(Region(0, top, 1, y + below - top), animate=False, immediate=True)

    def _layout_lines(self) -> None:
        form = self.query_one("#config-form", VerticalScroll)
        width = form.scrollable_content_region.width or self.size.width
        self.query_one(FormLines).set_lines(form_lines(self.groups, self.errors, width))
        self.editor.styles.width = max(8, width - NAME_WIDTH)
        self._place_editor()

    def _show_help(self) -> None:
        s = self.form.spec(self.current)
        choices = editor_choices(s) or s.choices or ()
        allowed = f"  [{' | '.join(choices)}]" + ("  enter picks" if editor_choices(s) else "") if choices else ""
        unused = "  (not read by the chosen loss_type)" if s.path in self.unused else ""
        self.query_one("#config-help", Static).update(Text.assemble(
            (s.path, "bold"), f" ({s.type_name}{', optional' if s.optional else ''}): ", s.help, (allowed, "dim"),
            (unused, "yellow")), layout=False)  # a fixed-height line: no layout pass per key

    # ---- editing ---------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is not self.editor:
            return
        event.stop()
        if self.form.texts.get(self.current) != event.value:
            self.form.texts[self.current] = event.value
            self._revalidate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is not self.editor:
            return
        event.stop()
        choices = editor_choices(self.form.spec(self.current))
        if not choices:
            self.action_next_field(1)
            return
        path = self.current

        def picked(choice: str | None) -> None:
            if choice is not None and self.current == path:
                self.editor.value = choice  # posts Changed: validated like typing
            self.editor.focus()

        self.app.push_screen(PickScreen(f"{path}", [(c, c) for c in choices]), picked)

    def _revalidate(self) -> None:
        cfg, self.errors = self.form.validate()
        self._saveable = cfg is not None
        self.unused = self.form.unused_fields()
        changed = {p for p, t in self.form.texts.items() if t != self.form.saved_texts.get(p)}
        lines = self.query_one(FormLines)
        lines.set_state(self.form.texts, set(self.errors), changed, self.unused)
        self._layout_lines()
        self._show_status()

    def _show_status(self) -> None:
        status = Text.assemble((" config ", "bold reverse"), " ", str(self.path))
        if self.form.dirty:
            status.append("  ● modified", style="yellow")
        bad = len(self.errors)
        if not bad:
            status.append("  ✓ valid", style="green")
        elif self._saveable:  # the schema accepts it, but the trainer would stop at start-up
            first = next(iter(self.errors))
            status.append(f"  ✗ cannot start: {first}" + (f" and {bad - 1} more" if bad > 1 else ""), style="red")
        else:
            status.append(f"  ✗ {bad} invalid field{'s' * (bad != 1)}", style="red")
        for msg in self.form.file_errors:
            status.append(f"\n  {msg}", style="yellow")
        if "" in self.errors:
            status.append(f"\n  {self.errors['']}", style="red")
        self.query_one("#config-status", Static).update(status)

    def action_leave_field(self) -> None:
        # Number keys switch panes only outside a text field, so escape hands them back.
        self.query_one("#config-form").focus()

    def current_config(self) -> cfgmod.TrainConfig:
        return self.form.config()

    # ---- files -----------------------------------------------------------------------------
    def load(self, path: Path) -> None:
        self.path = path
        self.form = FormModel.from_file(path)
        self._revalidate()
        self._move_to(self.current)
        self.app.notify(f"opened {path}")

    def action_revert(self) -> None:
        self.load(self.path)

    # ---- preflight: memory and time of the saved config, measured in a subprocess ------------
    @dataclass
    class PreflightDone(Message):
        ok: bool
        text: str

    def action_preflight(self) -> None:
        if self.form.dirty:
            self.app.notify("save the config first (ctrl+s): preflight measures the file", severity="warning")
            return
        self.query_one("#config-help", Static).update(Text(f"preflight of {self.path.name} running …",
                                                           style="yellow"))
        self._preflight(self.path)

    @work(thread=True, exclusive=True, group="preflight", exit_on_error=False)
    def _preflight(self, path: Path) -> None:
        from trainer.preflight import render  # light: formats the JSON the subprocess printed

        result: dict[str, Any] = {}
        for obj in subprocess_lines.run_json_lines(subprocess_lines.preflight_command(path), lambda: False):
            if "projected_step_s" in obj:
                result = obj
            elif obj.get("event") == "exit":
                ok = bool(result) and obj.get("code") == 0
                self.post_message(self.PreflightDone(ok, render(result) if ok else
                                                     f"preflight failed: {obj.get('stderr_tail', '')[-400:]}"))

    def on_config_pane_preflight_done(self, message: PreflightDone) -> None:
        self.query_one("#config-help", Static).update(Text(message.text, style="" if message.ok else "red"))

    def _text_to_save(self, title: str) -> tuple[str, dict[str, tuple[object, object]], str | None] | None:
        """The YAML to write (the file's comments kept where the patch reads back), the changes, the old text."""
        cfg, errors = self.form.validate()
        if cfg is None:
            first = next(iter(errors.items()))
            self.app.notify(f"{first[0]}: {first[1]}", title=f"{title}: {len(errors)} invalid field(s)",
                            severity="error")
            return None
        text = cfgmod.dump_yaml(cfg)
        try:
            old_text = self.path.read_text(encoding="utf-8")
        except OSError:
            old_text = None
        changes: dict[str, tuple[object, object]] = {}
        if old_text is not None:
            try:
                changes = cfgmod.diff(cfgmod.from_dict(yaml.safe_load(old_text) or {}), cfg)
            except (cfgmod.ConfigError, yaml.YAMLError):
                changes = {"(whole file)": ("invalid on disk", "rewritten")}
            patched = yaml_patch.patch(old_text, {k: v[1] for k, v in changes.items()}) if not self.form.file_errors else None
            # Keep the file's comments only when the patched text reads back as exactly this config.
            if patched is not None and _reads_as(patched, cfg):
                text = patched
        return text, changes, old_text

    def _saved(self, path: Path, text: str) -> None:
        if self._write(path, text):
            self.path = path
            self.form.saved_texts = dict(self.form.texts)
            self.form.file_errors = []
            self._revalidate()

    def action_save(self) -> None:
        got = self._text_to_save("not saved")
        if got is None:
            return
        text, changes, old_text = got
        if old_text is not None and not changes and not self.form.file_errors:
            self.app.notify(f"{self.path} already holds this config")
            self.form.saved_texts = dict(self.form.texts)
            self._revalidate()
            return
        lines = [f"{k}: {old!r} → {new!r}" for k, (old, new) in changes.items()] or ["(new file)"]
        detail = "\n".join(lines[:14]) + (f"\n… and {len(lines) - 14} more" if len(lines) > 14 else "")

        def answered(yes: bool | None) -> None:
            if yes:
                self._saved(self.path, text)

        self.app.push_screen(ConfirmScreen(f"Save {self.path}?", detail, yes="Save", declined="not saved"), answered)

    def action_save_as(self) -> None:
        """Write the form to another file and go on editing that one (the old file is left as it was)."""
        got = self._text_to_save("not saved")
        if got is None:
            return
        text = got[0]

        default = self.path.with_name(f"{self.path.stem}_copy{self.path.suffix or '.yaml'}")
        self._ask_path("Save the config as", default, "not saved", lambda target: self._saved(target, text))

    def _ask_path(self, title: str, default: Path, declined: str, then: Callable[[Path], object]) -> None:
        """Ask for a file to write (a relative name sits beside the config); an existing file only after a yes."""

        def answered(target: Path, yes: bool | None) -> None:
            if yes:
                then(target)

        def named(name: str | None) -> None:
            if not name:
                self.app.notify(f"{title}: {declined}", timeout=3)
                return
            target = self.path.parent / Path(name).expanduser()
            if target.is_dir():
                self.app.notify(f"{target} is a directory: name a file", title=declined, severity="error")
            elif target.exists():
                self.app.push_screen(ConfirmScreen(
                    f"Overwrite {target}?", f"{target} exists ({target.stat().st_size} bytes); this replaces it.",
                    yes="Overwrite", declined=declined), lambda yes: answered(target, yes))
            else:
                then(target)

        self.app.push_screen(PromptScreen(title, str(default)), named)

    def _write(self, path: Path, text: str) -> bool:
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as e:
            self.app.notify(f"cannot write {path}: {e}", severity="error")
            return False
        self.app.notify(f"saved {path}")
        return True

    def action_export_toml(self) -> None:
        try:
            cfg = self.form.schema_config()
        except cfgmod.ConfigError as e:
            self.app.notify(str(e), title="not exported", severity="error")
            return
        text = cfgmod.dump_toml(cfg)

        self._ask_path("Export the config as TOML to", self.path.with_suffix(".toml"), "not exported",
                       lambda target: self._write(target, text))

    def action_open(self) -> None:
        files = self.locations.training_configs()
        if not files:
            self.app.notify(f"no configs in {self.locations.configs_dir}", severity="warning")
            return

        def picked(choice: str | None) -> None:
            if choice:
                self._guard_unsaved(lambda: self.load(Path(choice)))

        self.app.push_screen(PickScreen("Open a training config", [(str(p), p.name) for p in files]), picked)

    def _guard_unsaved(self, then: Callable[[], None]) -> None:
        if not self.form.dirty:
            then()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen("Discard unsaved edits?", str(self.path), yes="Discard", declined="edits kept"), answered)

    def action_new_from_template(self) -> None:
        templates = [self.locations.template(n) for n in TEMPLATES if self.locations.template(n).is_file()]

        def named(template: Path, name: str | None) -> None:
            if not name:
                return
            target = self.locations.configs_dir / (name if name.endswith(".yaml") else name + ".yaml")
            if target.exists():
                self.app.notify(f"{target} exists; pick another name or open it with ctrl+o", severity="error")
                return
            try:
                text = template.read_text(encoding="utf-8")
                # The copy is named after its file, not after the template (runs are named by `name`).
                renamed = yaml_patch.patch(text, {"name": target.stem})
                target.write_text(renamed if renamed is not None else text, encoding="utf-8")
            except OSError as e:
                self.app.notify(f"cannot create {target}: {e}", severity="error")
                return
            self.load(target)

        def picked(choice: str | None) -> None:
            if choice:
                self.app.push_screen(PromptScreen(f"Name of the new config (from {Path(choice).name})", "my_run.yaml"),
                                     lambda name: named(Path(choice), name))

        self.app.push_screen(PickScreen("New config from a template", [(str(p), p.name) for p in templates]),
                             lambda c: self._guard_unsaved(lambda: picked(c)))


def _reads_as(text: str, cfg: cfgmod.TrainConfig) -> bool:
    try:
        return cfgmod.from_dict(yaml.safe_load(text) or {}) == cfg
    except (cfgmod.ConfigError, yaml.YAMLError):
        return False
