"""The Config form as one drawn widget with one editor: keys move the editor between fields, the help line
follows, a click moves it, choices are picked with enter, and the form is a handful of widgets, not one editor per field."""

from __future__ import annotations

from pathlib import Path

import yaml
from textual.widgets import Input, OptionList
from tui_fixtures import T0, form_error, wait_note, wait_until

from alice_tui.app import make_app
from alice_tui.config_form import form_lines, grouped_specs
from alice_tui.panes.config import ConfigPane
from alice_tui.panes.config.form_lines import FormLines

ROOT = Path(__file__).resolve().parents[1]


def _app(tmp_path: Path):  # type: ignore[no-untyped-def]
    cfg = tmp_path / "mine.yaml"
    cfg.write_text((ROOT / "configs/demo.yaml").read_text())
    return cfg, make_app(tmp_path / "runs", clock=lambda: T0, poll_s=0.05, base=ROOT, config_path=cfg,
                         initial_pane="config")


def test_form_lines_put_every_field_once_under_its_section_and_wrap_errors() -> None:
    groups = grouped_specs()
    lines = form_lines(groups, {"dpo.beta": "0.0 is out of range " * 6}, width=80)
    fields = [ln.path for ln in lines if ln.kind == "field"]
    assert fields == [s.path for _, specs in groups for s in specs]
    errors = [ln for ln in lines if ln.kind == "error"]
    assert len(errors) >= 2 and all(ln.path == "dpo.beta" for ln in errors)
    assert all(len(ln.text) <= 80 - 32 for ln in errors)
    assert [ln.text for ln in lines if ln.kind == "title"] == [t for t, _ in groups]


async def test_tab_moves_the_one_editor_and_the_help_line_follows(tmp_path: Path) -> None:
    _, app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ConfigPane)
        lines = app.query_one(FormLines)
        await pilot.pause(0.1)
        # One editor for the whole form: the pane stays a few widgets however many fields the schema has.
        assert len(pane.query(Input)) == 1 and len(list(pane.query("*"))) < 20
        await pilot.press("tab")  # into the form: the first field
        assert app.focused is pane.editor and pane.current == "name"
        await pilot.press("tab", "tab")
        assert pane.current == "model.name_or_path"
        assert "current" in lines.marks("model.name_or_path") and "current" not in lines.marks("seed")
        assert pane.editor.value == "builtin:tiny-qwen2"
        assert str(app.query_one("#config-help").render()).startswith("model.name_or_path (str")
        await pilot.press("shift+tab")
        assert pane.current == "seed" and pane.editor.value == "42"
        await pilot.press("up")  # up/down move too; up from the first field wraps to the last
        await pilot.press("up")
        assert pane.current == pane.fields[-1].path
        await pilot.press("pageup")  # pages move ten fields and stop at the ends
        assert pane.current == pane.fields[-11].path
        await pilot.press("pagedown", "pagedown")
        assert pane.current == pane.fields[-1].path
        # The editor sits on its field's line, wherever the form is scrolled.
        await pilot.pause(0.1)
        form = app.query_one("#config-form")
        assert pane.editor.region.y == form.region.y + lines.row_of(pane.current) - int(form.scroll_y)
        await pilot.press("pageup", "pageup", "pageup", "pageup", "pageup")
        await pilot.pause(0.1)
        await pilot.click(FormLines, offset=(3, lines.row_of("lora.alpha")))  # a click puts the editor there
        await pilot.pause(0.1)
        assert pane.current == "lora.alpha" and app.focused is pane.editor and pane.editor.value == "32"
        await pilot.press("escape", "3")  # escape hands the number keys back
        assert app.query_one("#panes").active == "run"  # type: ignore[attr-defined]


async def test_typing_validates_and_enter_picks_a_choice(tmp_path: Path) -> None:
    cfg, app = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ConfigPane)
        lines = app.query_one(FormLines)
        pane.focus_field("dpo.beta")
        await pilot.press("end", *["backspace"] * 8, "0")
        await pilot.pause(0.1)
        assert pane.form.texts["dpo.beta"] == "0" and "invalid" in lines.marks("dpo.beta")
        assert "out of range" in form_error(app, "dpo.beta")
        assert "0" in lines.line_text(lines.row_of("dpo.beta"))
        await pilot.press("backspace", "0", ".", "2")
        await pilot.pause(0.1)
        assert "invalid" not in lines.marks("dpo.beta") and "changed" in lines.marks("dpo.beta")
        pane.focus_field("model.trust_remote_code")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app.screen.query(OptionList)), what="the choice picker")
        await pilot.press("enter")  # the first choice: true (the file has false)
        await wait_until(pilot, lambda: app.focused is pane.editor, what="back in the editor")
        assert pane.editor.value == "true" and "changed" in lines.marks("model.trust_remote_code")
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        await pilot.press("y")
        await wait_note(pilot, app, "saved")
        saved = yaml.safe_load(cfg.read_text())
        assert saved["dpo"]["beta"] == 0.2 and saved["model"]["trust_remote_code"] is True

