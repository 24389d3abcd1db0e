"""Pilot tests for issue 13's "Missing": extend a run from the console, filter and sort Runs, LR / grad-norm charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input
from tui_fixtures import T0, notes, wait_note, wait_until, write_run

from alice_tui.app import make_app
from alice_tui.panes.run import RunPane
from alice_tui.panes.runs import RunsPane

ROOT = Path(__file__).resolve().parents[1]


def _app(runs: Path, **kw: Any):  # type: ignore[no-untyped-def]
    return make_app(runs, clock=lambda: T0 + 100, poll_s=0.05, base=ROOT, **kw)


def _keys(app: Any) -> dict[str, str]:
    return {k: b.binding.action for k, b in app.screen.active_bindings.items() if b.binding.show}


async def test_extend_asks_for_max_steps_and_resume_refuses_a_shrink(tmp_path: Path) -> None:
    run = write_run(tmp_path, "done", steps=30, max_steps=60, final_state="finished")
    app = _app(tmp_path, initial_pane="runs")
    async with app.run_test(size=(100, 30)) as pilot:
        runs = app.query_one(RunsPane)
        await wait_until(pilot, lambda: len(runs.runs) == 1, what="run listed")
        await pilot.pause(0.05)
        assert _keys(app).get("R") == "extend" and "r" not in _keys(app)  # finished: only R resumes it
        await pilot.press("R")
        await wait_until(pilot, lambda: bool(app.screen.query("#extend-input")), what="extend dialog")
        assert "extend done to N steps" in str(app.screen.query_one("#extend-title").render())
        field = app.screen.query_one("#extend-input", Input)
        assert field.value == "60"  # prefilled with the current max_steps
        field.value = "lots"
        await pilot.press("enter")
        await pilot.pause(0.05)
        assert "'lots' is not a whole number of steps" in str(app.screen.query_one("#extend-error").render())
        field.value = "12"
        await pilot.press("enter")
        await pilot.pause(0.05)
        assert "more than the run's current step (30)" in str(app.screen.query_one("#extend-error").render())
        field.value = "40"
        await pilot.press("enter")
        await wait_note(pilot, app, "can only grow on resume (60 -> 40 refused)")
        assert any("cannot resume done" in n for n in notes(app))
        assert "max_steps: 60" in (run / "config.yaml").read_text()  # a refusal leaves the run dir as it was
        # The Run pane offers the same on the attached run.
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.query_one(RunPane).view is not None, what="attached")
        pane = app.query_one(RunPane)
        await wait_until(pilot, lambda: pane.view is not None and pane.view.state == "finished", what="finished")
        pane.focus()
        await pilot.pause(0.05)
        assert _keys(app).get("R") == "extend"
        await pilot.press("R")
        await wait_until(pilot, lambda: bool(app.screen.query("#extend-input")), what="extend dialog on Run")
        await pilot.press("escape")
        await wait_note(pilot, app, "extend done: cancelled")
