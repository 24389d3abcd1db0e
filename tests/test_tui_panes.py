"""Pilot tests for each pane on real files: synthetic run dirs, the trainer's socket server, manifests, reports."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from rich.text import Text
from test_tui_logic import make_report
from textual.widgets import DataTable, Input
from tui_fixtures import T0, StreamingRun, form_error, notes, wait_note, wait_until, write_run

from alice_tui.app import make_app
from alice_tui.messages import ResumeRun
from alice_tui.panes.config import ConfigPane
from alice_tui.panes.config.form_lines import FormLines
from alice_tui.panes.dataset.sample_browser import SampleBrowser
from alice_tui.panes.run import RunPane
from alice_tui.panes.runs import RunsPane

ROOT = Path(__file__).resolve().parents[1]


def _app(runs: Path, **kw):  # type: ignore[no-untyped-def]
    return make_app(runs, clock=lambda: T0 + 100, poll_s=0.05, base=ROOT, **kw)


async def test_runs_pane_lists_states_and_enter_attaches(tmp_path: Path) -> None:
    write_run(tmp_path, "a-interrupted", steps=45, max_steps=60, final_state=None, t0=T0)
    write_run(tmp_path, "b-finished", steps=60, max_steps=60, final_state="finished", t0=T0 - 3600)
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        runs = app.query_one(RunsPane)
        await wait_until(pilot, lambda: len(runs.runs) == 2, what="runs listed")
        assert app.query_one("#panes").active == "runs"  # nothing live: open on the list
        assert [(r.name, r.state, r.step) for r in runs.runs] == [
            ("a-interrupted", "interrupted", 45), ("b-finished", "finished", 60)]
        await pilot.press("enter")
        pane = app.query_one(RunPane)
        await wait_until(pilot, lambda: pane.view is not None and pane.view.step == 45, what="replay")
        assert app.query_one("#panes").active == "run"
        assert pane.view is not None and pane.view.state == "interrupted"
        assert pane.view.checkpoints == [20, 40] and len(pane.view.loss_series) == 45


async def test_run_pane_pause_checkpoint_stop_against_the_control_socket(tmp_path: Path) -> None:
    with StreamingRun(tmp_path / "live", rate=20) as live:
        app = _app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = app.query_one(RunPane)
            assert app.query_one("#panes").active == "run"  # a live run opens attached
            await wait_until(pilot, lambda: pane.connected and pane.view is not None and pane.view.step >= 3,
                             what="live steps")
            await pilot.press("p")
            await wait_until(pilot, lambda: pane.view.state == "paused", what="paused")  # type: ignore[union-attr]
            held = pane.view.step  # type: ignore[union-attr]
            await pilot.pause(0.3)
            assert live.step <= held + 1  # the trainer really holds
            await pilot.press("p")
            await wait_until(pilot, lambda: pane.view.state == "training", what="training again")  # type: ignore[union-attr]
            await pilot.press("c")
            await wait_until(pilot, lambda: bool(pane.view.checkpoints), what="checkpoint")  # type: ignore[union-attr]
            assert (live.run_dir / f"checkpoint-{pane.view.checkpoints[0]}" / "COMPLETE").exists()  # type: ignore[union-attr]
            await pilot.press("s")
            await pilot.press("n")  # the confirmation guards: n keeps it running
            await pilot.pause(0.3)
            assert pane.view.state == "training"  # type: ignore[union-attr]
            await pilot.press("s")
            await pilot.press("y")
            await wait_until(pilot, lambda: pane.view.state == "stopped", what="stopped")  # type: ignore[union-attr]
            await wait_until(pilot, lambda: not pane.connected, what="stream closed")
            await pilot.press("p")
            await wait_note(pilot, app, "nothing to control")


async def test_delete_needs_confirmation_and_never_touches_a_live_run(tmp_path: Path) -> None:
    old = write_run(tmp_path, "old", steps=10, max_steps=10, final_state="finished", t0=T0 - 7200)
    with StreamingRun(tmp_path / "live", rate=5):
        app = _app(tmp_path, initial_pane="runs")
        async with app.run_test(size=(80, 24)) as pilot:
            runs = app.query_one(RunsPane)
            await wait_until(pilot, lambda: len(runs.runs) == 2, what="runs listed")
            table = app.query_one("#runs-table", DataTable)
            live_row = next(i for i, r in enumerate(runs.runs) if r.name == "live")
            table.move_cursor(row=live_row)
            await pilot.press("d")
            await pilot.pause(0.1)
            await wait_note(pilot, app, "stop it before deleting")
            assert (tmp_path / "live").exists()
            table.move_cursor(row=1 - live_row)
            await pilot.press("d", "n")
            await pilot.pause(0.1)
            assert old.exists()
            await pilot.press("d", "y")
            await wait_until(pilot, lambda: not old.exists(), what="deleted")
            await wait_until(pilot, lambda: [r.name for r in runs.runs] == ["live"], what="list refreshed")


async def test_console_resume_follows_the_cli_rules_and_says_why_it_refuses(tmp_path: Path) -> None:
    # One resume path (trainer.launch.resume) for the CLI and the console: same refusals, same words.
    write_run(tmp_path, "done", steps=60, max_steps=60, final_state="finished", t0=T0)
    write_run(tmp_path, "torn", steps=25, max_steps=60, final_state=None, t0=T0 + 100)  # checkpoints hold no weights
    app = _app(tmp_path, initial_pane="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        runs = app.query_one(RunsPane)
        table = runs.query_one(DataTable)
        await wait_until(pilot, lambda: len(runs.runs) == 2, what="runs listed")
        table.move_cursor(row=next(i for i, r in enumerate(runs.runs) if r.name == "torn"))
        await pilot.press("r")
        await pilot.pause(0.1)
        await wait_note(pilot, app, "no .safetensors weights")
        # `r` is not offered on a finished run; the app's resume path (extending with overrides) says why.
        app.post_message(ResumeRun(tmp_path / "done"))
        await wait_note(pilot, app, "already finished all 60 steps")
        app.post_message(ResumeRun(tmp_path / "done", ["training.max_steps=40"]))
        await wait_note(pilot, app, "can only grow on resume")
        assert not (tmp_path / "torn" / "trainer.pid").exists() and not (tmp_path / "done" / "trainer.pid").exists()


async def test_config_pane_validates_inline_saves_with_diff_and_exports_toml(tmp_path: Path) -> None:
    cfg = tmp_path / "mine.yaml"
    cfg.write_text((ROOT / "configs/demo.yaml").read_text())
    app = _app(tmp_path / "runs", config_path=cfg, initial_pane="config")
    async with app.run_test(size=(80, 24)) as pilot:
        lines = app.query_one(FormLines)
        editor = app.query_one(ConfigPane).focus_field("dpo.beta")
        editor.value = "0"
        await pilot.pause(0.1)
        assert "invalid" in lines.marks("dpo.beta")
        assert "out of range" in form_error(app, "dpo.beta")
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        await wait_note(pilot, app, "not saved")
        editor.value = "0.25"
        await pilot.pause(0.1)
        assert "invalid" not in lines.marks("dpo.beta") and not form_error(app, "dpo.beta")
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        detail = str(app.screen.query_one("#confirm-detail").render())
        assert "dpo.beta: 0.1 → 0.25" in detail
        await pilot.press("y")
        await pilot.pause(0.1)
        text = cfg.read_text()
        assert "beta: 0.25" in text and text.startswith("# The embedded default")  # comments kept
        await pilot.press("ctrl+e")
        await pilot.pause(0.1)
        assert app.screen.query_one(Input).value == str(cfg.with_suffix(".toml"))  # asks where, beside the YAML
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert "beta = 0.25" in cfg.with_suffix(".toml").read_text()
        # An existing file is not replaced without asking.
        await pilot.press("ctrl+e")
        await pilot.pause(0.1)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert str(app.screen.query_one("#confirm-title").render()) == f"Overwrite {cfg.with_suffix('.toml')}?"
        cfg.with_suffix(".toml").write_text("# mine\n")
        await pilot.press("n")
        await wait_note(pilot, app, "not exported")
        assert cfg.with_suffix(".toml").read_text() == "# mine\n"
        await pilot.press("ctrl+e")
        await pilot.pause(0.1)
        app.screen.query_one(Input).value = "other.toml"  # relative: beside the config
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert "beta = 0.25" in (tmp_path / "other.toml").read_text()


async def test_start_refuses_an_invalid_config_with_the_field_named(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("training:\n  max_steps: -3\n")
    app = _app(tmp_path / "runs", config_path=cfg, initial_pane="run")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause(0.1)
        await wait_note(pilot, app, "training.max_steps")
        assert not (tmp_path / "runs").exists()


def _dataset(tmp_path: Path) -> Path:
    split = tmp_path / "data" / "v1" / "splits"
    split.mkdir(parents=True)
    recs = [{"id": f"r{i}", "lang": "sv", "prompt": [{"role": "user", "content": f"Ring mig på <PHONE> ({i})"}],
             "chosen": [{"role": "assistant", "content": "Jag kan inte ringa."}],
             "rejected": [{"role": "assistant", "content": f"Visst, mejla <EMAIL> #{i}"}]} for i in range(3)]
    (split / "train.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs))
    (split / "test.jsonl").write_text(json.dumps(recs[0], ensure_ascii=False) + "\n")
    manifest = {"schema": 1, "name": "v1", "sources": {"synthetic": {"read": 10, "kept": 4, "dropped": {"pii_only": 6}}},
                "language": {"target": {"sv": 0.5, "en": 0.5}, "actual": {"sv": 1.0, "en": 0.0}},
                "pii": {"phone": 3, "email": 3}}
    (split.parent / "manifest.json").write_text(json.dumps(manifest))
    return split


async def test_dataset_pane_shows_manifest_and_pages_samples(tmp_path: Path) -> None:
    split = _dataset(tmp_path)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data:\n  path: {split}\n  recipe: null\n")
    app = _app(tmp_path / "runs", config_path=cfg, initial_pane="dataset")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.query("ManifestTables DataTable")) > 0, what="manifest shown")
        tables = list(app.query("ManifestTables DataTable").results(DataTable))
        assert len(tables) == 4  # summary, sources, language, pii
        lang = tables[2]
        cells = [lang.get_row_at(i) for i in range(lang.row_count)]
        assert str(cells[0][0]) == "sv" and str(cells[0][-1]) == "MISS"
        assert isinstance(cells[0][0], Text) and "red" in str(cells[0][0].style)
        await pilot.press("v")
        browser = app.query_one(SampleBrowser)
        assert browser.count == 3 and browser.index == 0
        await pilot.press("right", "right", "right")
        assert browser.index == 2
        rejected = browser.query_one("#rejected-text").render()
        assert str(rejected) == "assistant: Visst, mejla <EMAIL> #2"
        (span,) = rejected.spans  # type: ignore[attr-defined]
        assert str(rejected)[span.start:span.end] == "<EMAIL>" and span.style.bold
        # / finds the next record holding a text (any case, wrapping); n / N next / previous match.
        await pilot.press("slash")
        await pilot.pause(0.1)
        app.screen.query_one(Input).value = "MEJLA <email> #1"
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert browser.index == 1 and "'MEJLA <email> #1'" in str(browser.query_one("#sample-pos").render())
        await pilot.press("slash")
        await pilot.pause(0.1)
        app.screen.query_one(Input).value = "ring mig"  # every record: n walks them, wrapping
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert browser.index == 1
        await pilot.press("n")
        assert browser.index == 2
        await pilot.press("n")
        assert browser.index == 0
        await pilot.press("N")
        assert browser.index == 2
        await pilot.press("slash")
        await pilot.pause(0.1)
        app.screen.query_one(Input).value = "nowhere"
        await pilot.press("enter")
        await wait_note(pilot, app, "'nowhere': not in train.jsonl")
        assert browser.index == 2


async def test_dataset_build_failure_is_shown_with_its_cause(tmp_path: Path) -> None:
    base = tmp_path / "proj"
    (base / "configs").mkdir(parents=True)
    (base / "configs" / "data_broken.yaml").write_text("this: is: not: a recipe\n")
    app = make_app(tmp_path / "runs", clock=lambda: T0, base=base, initial_pane="dataset",
                   config_path=ROOT / "configs/demo.yaml")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("b")
        block = app.query_one("#build-stages")
        assert block.display and "starting the builder" in str(block.render())  # at once, not at the first stage
        await wait_until(pilot, lambda: not app.query_one("DatasetPane").building, timeout=60, what="build ends")
        await wait_note(pilot, app, "build failed")
        assert not block.display  # the manifest gets its rows back


async def test_eval_pane_renders_report_and_generations(tmp_path: Path) -> None:
    run = write_run(tmp_path, "evald", steps=60, max_steps=60, final_state="finished")
    (run / "final").mkdir()
    (run / "eval").mkdir()
    (run / "eval" / "test-final.json").write_text(json.dumps(make_report()))
    app = _app(tmp_path, initial_pane="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        runs = app.query_one(RunsPane)
        await wait_until(pilot, lambda: len(runs.runs) == 1, what="runs listed")
        await pilot.press("e")
        await pilot.pause(0.1)
        assert app.query_one("#panes").active == "eval"
        table = app.query_one("#eval-table", DataTable)
        assert table.row_count == 3
        assert str(table.get_row_at(0)[0]) == "overall" and str(table.get_row_at(0)[4]).startswith("+20.0")
        await pilot.press("t")
        await pilot.pause(0.1)
        assert "How can I help" in str(app.query_one("#gen-tuned").render())


@pytest.mark.parametrize("key", ["ctrl+t"])
async def test_light_theme_toggle(tmp_path: Path, key: str) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press(key)
        assert app.theme == "textual-light"


@pytest.mark.slow
async def test_dataset_pane_builds_the_demo_recipe_live(tmp_path: Path) -> None:
    app = make_app(tmp_path / "runs", clock=lambda: T0, base=ROOT, initial_pane="dataset",
                   config_path=ROOT / "configs/demo.yaml")
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one("DatasetPane")
        app.query_one("#recipe").value = str(ROOT / "configs/data_demo.yaml")
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(pane.stages), 60, "stage progress")
        await wait_until(pilot, lambda: not pane.building, 180, "build finished")
        assert not [n for n in notes(app) if "failed" in n], notes(app)
        assert any(k.startswith("annotate") for k in pane.stages) and "splits" in pane.stages
        assert pane.split_dir is not None and pane.split_dir.is_relative_to(tmp_path / "runs" / "data")
        await wait_until(pilot, lambda: len(app.query("ManifestTables DataTable")) > 3, 10, "manifest tables")
        sources = next(t for t in app.query("ManifestTables DataTable").results(DataTable)
                       if str(t.get_row_at(0)[0]).endswith("_synthetic"))
        assert sources.row_count == 2
        await pilot.press("v")
        browser = app.query_one(SampleBrowser)
        assert browser.path is not None and browser.path.name == "train.jsonl" and browser.count > 1000
        # The builder masks PII; the browser marks the placeholders it left.
        def marked() -> list[str]:
            out = []
            for w in ("prompt", "chosen", "rejected"):
                r = app.query_one(f"#{w}-text").render()
                out += [str(r)[s.start:s.end] for s in getattr(r, "spans", [])]
            return [m for m in out if re.fullmatch(r"<[A-Z_]+>", m)]

        for _ in range(30):
            if marked():
                break
            await pilot.press("right")
        assert set(marked()) <= {"<EMAIL>", "<PHONE>", "<PERSONNUMMER>", "<CASE_ID>"} and marked()


async def test_command_palette_switches_panes_and_quit_asks_while_a_build_runs(tmp_path: Path) -> None:
    app = _app(tmp_path, initial_pane="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"go to config")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.query_one("#panes").active == "config", 5, "palette command")
        app.query_one("DatasetPane")._build(ROOT / "configs/data_demo.yaml")  # a build in flight
        await pilot.press("escape", "q")
        await pilot.pause(0.2)
        assert app.is_running and "Quit while a dataset build" in str(app.screen.query_one("#confirm-title").render())
        await pilot.press("n")
        app.workers.cancel_group(app.query_one("DatasetPane"), "dataset-build")


async def test_a_trainer_that_dies_is_reported_with_its_last_log_line(tmp_path: Path) -> None:
    run = write_run(tmp_path, "dying", steps=5, max_steps=60, final_state=None, pid=os.getpid())
    (run / "trainer.log").write_text("step 5\nRuntimeError: MPS backend out of memory\n")
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(RunPane)
        await wait_until(pilot, lambda: pane.view is not None and pane.view.step == 5, what="attached")
        assert pane.view is not None and pane.view.state == "training"
        (run / "trainer.pid").unlink()  # the trainer is gone without a final state
        await wait_until(pilot, lambda: pane.view.state == "interrupted", what="interrupted")  # type: ignore[union-attr]
        await wait_until(pilot, lambda: any("Trainer gone" in n and "out of memory" in n for n in notes(app)),
                         what="a notification with the cause")


async def test_config_pane_creates_from_a_template_and_opens_files(tmp_path: Path) -> None:
    base = tmp_path / "proj"
    (base / "configs").mkdir(parents=True)
    for name in ("demo.yaml", "train_mac.yaml"):
        (base / "configs" / name).write_text((ROOT / "configs" / name).read_text())
    app = make_app(tmp_path / "runs", base=base, initial_pane="config", config_path=base / "configs/demo.yaml")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one("ConfigPane")
        await pilot.press("ctrl+n")
        await pilot.pause(0.2)
        await pilot.press("down", "enter")  # train_mac.yaml
        await pilot.pause(0.2)
        editor = app.screen.query_one(Input)
        editor.value = "laptop"
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.path == base / "configs/laptop.yaml", 5, "new config opened")
        made, template = (base / "configs/laptop.yaml").read_text(), (ROOT / "configs/train_mac.yaml").read_text()
        assert pane.form.texts["name"] == "laptop"  # named after the new file, not the template
        assert made == template.replace("name: alice-ipo-mac", "name: laptop", 1)  # comments and order kept
        assert pane.form.texts["model.name_or_path"] != "builtin:tiny-qwen2"  # the production recipe's model
        await pilot.press("ctrl+o")
        await pilot.pause(0.2)
        await pilot.press("enter")  # demo.yaml comes first
        await wait_until(pilot, lambda: pane.path.name == "demo.yaml", 5, "demo opened")
        assert pane.form.texts["model.name_or_path"] == "builtin:tiny-qwen2"
        lines = app.query_one(FormLines)
        row = lines.row_of("model.name_or_path")
        assert "builtin:tiny-qwen2" in lines.line_text(row)  # the form follows the file
