"""Pilot tests for the console as used all day (issue 13 items 1-9): selection, honest states, keys, dialogs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from textual.widgets import DataTable
from tui_fixtures import T0, StreamingRun, form_error, notes, wait_note, wait_until, write_run

from alice_tui.app import make_app
from alice_tui.panes.config import ConfigPane
from alice_tui.panes.config.form_lines import FormLines
from alice_tui.panes.run import RunPane
from alice_tui.panes.run.gauges import ResourceGauges
from alice_tui.panes.run.header import RunHeader
from alice_tui.panes.runs import RunsPane

ROOT = Path(__file__).resolve().parents[1]


def _app(runs: Path, **kw: Any):  # type: ignore[no-untyped-def]
    return make_app(runs, clock=lambda: T0 + 100, poll_s=0.05, base=ROOT, **kw)


def _keys(app: Any) -> dict[str, str]:
    """What the footer offers: key -> action."""
    return {k: b.binding.action for k, b in app.screen.active_bindings.items() if b.binding.show}


def _append(run: Path, *events: dict[str, Any]) -> None:
    with open(run / "events.jsonl", "a") as f:
        for ev in events:
            f.write(json.dumps(ev) + "\n")


async def test_runs_selection_stays_on_the_run_when_new_runs_appear_above_it(tmp_path: Path) -> None:
    write_run(tmp_path, "a", steps=10, max_steps=10, final_state="finished", t0=T0)
    write_run(tmp_path, "b", steps=7, max_steps=10, final_state="stopped", t0=T0 - 3600)
    app = _app(tmp_path, initial_pane="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        runs = app.query_one(RunsPane)
        table = app.query_one("#runs-table", DataTable)
        await wait_until(pilot, lambda: len(runs.runs) == 2, what="runs listed")
        table.move_cursor(row=1)
        await pilot.pause(0.05)
        assert (sel := runs.selected()) is not None and sel.name == "b"
        write_run(tmp_path, "c", steps=1, max_steps=10, final_state="finished", t0=T0 + 60)
        write_run(tmp_path, "d", steps=2, max_steps=10, final_state="finished", t0=T0 + 120)
        runs.action_refresh()
        await wait_until(pilot, lambda: len(runs.runs) == 4, what="new runs listed")
        assert [r.name for r in runs.runs] == ["d", "c", "a", "b"]
        assert (sel := runs.selected()) is not None and sel.name == "b" and table.cursor_row == 3
        await pilot.press("d")
        await pilot.pause(0.1)
        assert str(app.screen.query_one("#confirm-title").render()) == "Delete b?"
        detail = str(app.screen.query_one("#confirm-detail").render())
        assert "stopped at step 7/10" in detail and str(tmp_path / "b") in detail
        await pilot.press("n")
        await wait_note(pilot, app, "Delete b: kept")
        assert (tmp_path / "b").exists()


async def test_a_missing_local_model_path_is_named_on_the_field_and_no_run_dir_is_made(tmp_path: Path) -> None:
    split = tmp_path / "data"
    split.mkdir()
    (split / "train.jsonl").write_text("{}\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"model:\n  name_or_path: /tmp/no_such_model_4711\ndata:\n  path: {split}\n  recipe: null\n")
    app = _app(tmp_path / "runs", config_path=cfg, initial_pane="config")
    async with app.run_test(size=(120, 40)) as pilot:
        lines = app.query_one(FormLines)
        await wait_until(pilot, lambda: "invalid" in lines.marks("model.name_or_path"), what="model field marked")
        assert "/tmp/no_such_model_4711 does not exist (a local model path)" in form_error(app, "model.name_or_path")
        status = str(app.query_one("#config-status").render())
        assert "cannot start: model.name_or_path" in status and "✓ valid" not in status
        app.query_one("#config-form").focus()
        await pilot.press("3", "n")
        await wait_note(pilot, app, "model.name_or_path")
        assert not (tmp_path / "runs").exists()


async def test_no_data_and_no_recipe_is_not_valid(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data:\n  path: {tmp_path / 'missing'}\n  recipe: null\n")
    app = _app(tmp_path / "runs", config_path=cfg, initial_pane="config")
    async with app.run_test(size=(80, 24)) as pilot:
        lines = app.query_one(FormLines)
        await wait_until(pilot, lambda: "invalid" in lines.marks("data.path"), what="data field marked")
        assert "data.recipe is not set" in form_error(app, "data.path")
        editor = app.query_one(ConfigPane).focus_field("data.recipe")
        editor.value = str(ROOT / "configs/data_demo.yaml")
        await wait_until(pilot, lambda: "✓ valid" in str(app.query_one("#config-status").render()), what="valid")


async def test_a_failed_run_shows_its_whole_error_and_says_it_failed_in_the_resources_box(tmp_path: Path) -> None:
    run = write_run(tmp_path, "failed", steps=0, max_steps=60, final_state=None)
    tb = "Traceback (most recent call last):\n" + "".join(f"  frame {i}\n" for i in range(20)) + "OSError: last line"
    _append(run, {"seq": 100, "t": T0 + 9, "type": "error", "message": "OSError: " + "cannot load " * 20,
                  "traceback": tb},
            {"seq": 101, "t": T0 + 9, "type": "state", "state": "failed"})
    app = _app(tmp_path, attach=run)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(RunPane)
        await wait_until(pilot, lambda: pane.view is not None and pane.view.state == "failed", what="failed")
        await pilot.pause(0.2)
        assert "failed before the trainer's first report" in str(app.query_one(ResourceGauges).render())
        assert _keys(app).get("enter") == "details" and _keys(app).get("r") == "resume_run"
        assert "p" not in _keys(app)
        pane.focus()
        await pilot.press("enter")
        await pilot.pause(0.1)
        body = str(app.screen.query_one("#text-view-body").render())
        assert body.startswith("OSError: cannot load") and "frame 19" in body and body.endswith("OSError: last line")
        await pilot.press("escape")


async def test_keys_follow_the_state_and_requests_show_at_once(tmp_path: Path) -> None:
    with StreamingRun(tmp_path / "live", rate=0.25):  # a step boundary every 4 s: requests wait visibly
        app = _app(tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(RunPane)
            await wait_until(pilot, lambda: pane.connected and pane.view is not None and pane.view.step >= 1,
                             what="live")
            keys = _keys(app)
            assert keys["p"] == "pause" and "r" not in keys
            await pilot.press("p")
            # Shown before the trainer reaches its step boundary (up to 4 s away here).
            assert pane.view is not None and pane.view.pending == "pausing…"
            await pilot.pause(0.05)
            assert "pausing…" in str(app.query_one(RunHeader).render())
            assert _keys(app)["p"] == "continue"
            await wait_until(pilot, lambda: pane.view.state == "paused", what="paused")  # type: ignore[union-attr]
            assert pane.view.pending is None and _keys(app)["p"] == "continue"
            await pilot.press("p")
            await wait_until(pilot, lambda: pane.view.state == "training", what="training")  # type: ignore[union-attr]
            assert _keys(app)["p"] == "pause"
            await pilot.press("s")
            await pilot.pause(0.1)
            assert "esc" in str(app.screen.query_one("#confirm-keys").render())
            await pilot.press("enter")  # the focused default is No
            await wait_note(pilot, app, "still training")
            await pilot.press("s", "y")
            await pilot.pause(0.05)
            assert "stopping…" in str(app.query_one(RunHeader).render())
            await wait_until(pilot, lambda: pane.view.state == "stopped", what="stopped")  # type: ignore[union-attr]
            await wait_until(pilot, lambda: "r" in _keys(app), what="r offered")
            assert "p" not in _keys(app)
            await pilot.press("p")
            await wait_note(pilot, app, "nothing to control")


async def test_an_interrupted_run_explains_itself_and_freezes_its_gauges(tmp_path: Path) -> None:
    run = write_run(tmp_path, "killed", steps=25, max_steps=60, final_state=None, pid=os.getpid())
    _append(run, {"seq": 500, "t": T0 + 40, "type": "state", "state": "training", "pid": 31337})
    app = _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(RunPane)
        await wait_until(pilot, lambda: pane.view is not None and pane.view.step == 25, what="attached")
        (run / "trainer.pid").unlink()
        await wait_until(pilot, lambda: pane.view.state == "interrupted", what="interrupted")  # type: ignore[union-attr]
        await pilot.pause(0.2)
        header = str(app.query_one(RunHeader).render())
        assert "trainer pid 31337 died without a final state at step 25; r resumes from checkpoint-20" in header
        assert "grey50" in str(app.query_one(ResourceGauges).render().spans)  # frozen, not live colours
        assert _keys(app).get("r") == "resume_run"


async def test_a_resume_loading_shows_the_checkpoint_not_the_dead_attempts_numbers(tmp_path: Path) -> None:
    run = write_run(tmp_path, "resuming", steps=45, max_steps=60, final_state=None, pid=os.getpid())
    _append(run, {"seq": 900, "t": T0 + 200, "type": "resumed", "attempt": 2, "from_step": 40,
                  "checkpoint": "checkpoint-40"},
            {"seq": 901, "t": T0 + 200, "type": "state", "state": "loading", "attempt": 2})
    app = _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(RunPane)
        await wait_until(pilot, lambda: pane.view is not None and pane.view.state == "loading", what="loading")
        await pilot.pause(0.2)
        header = str(app.query_one(RunHeader).render())
        assert "loading from checkpoint-40" in header and "ETA –" in header and "45/60" not in header
        assert pane.view is not None and pane.view.loss_series.xs[-1] == 40
        assert not [n for n in notes(app) if "Traceback" in n]


async def test_a_multi_rank_run_shows_the_sum_and_the_worst_rank(tmp_path: Path) -> None:
    run = write_run(tmp_path, "ranks", steps=5, max_steps=60, final_state=None, pid=os.getpid())
    gib = 1024 ** 3
    _append(run, {"seq": 700, "t": T0 + 50, "type": "resources", "attempt": 1, "cpu_percent": 90.0,
                  "rss_bytes": 2 * gib, "sys_mem_percent": 40.0, "device": "cpu", "device_mem_bytes": None,
                  "ranks": [{"rank": 0, "cpu_percent": 90.0, "rss_bytes": 2 * gib, "device_mem_bytes": None},
                            {"rank": 1, "cpu_percent": 95.0, "rss_bytes": 3 * gib, "device_mem_bytes": None}],
                  "rss_bytes_sum": 5 * gib, "worst_rank": 1})
    app = _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(RunPane)
        await wait_until(pilot, lambda: pane.view is not None and bool(pane.view.resources), what="resources")
        await pilot.pause(0.2)
        text = str(app.query_one(ResourceGauges).render())
        assert "5.0 GiB" in text  # the RSS gauge is the sum over ranks
        assert "2 ranks (sums above) · worst rank 1: RSS 3.0 GiB" in text
