"""The Eval pane running the real evaluation subprocess on a real (tiny) trained run, then showing its report."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Select
from trainer_fixtures import new_run, run_trainer, small_config, write_split_dir
from tui_fixtures import notes, wait_until

from alice_tui.app import make_app
from alice_tui.panes.eval import EvalPane

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
async def test_eval_pane_evaluates_a_trained_run(tmp_path: Path) -> None:
    data = write_split_dir(tmp_path / "data", n_train=16, n_val=8)
    run_dir = new_run(small_config(data, tmp_path / "runs", training={"max_steps": 3}))
    done = run_trainer(run_dir)
    assert done.returncode == 0, done.stdout[-2000:]
    app = make_app(tmp_path / "runs", base=ROOT, initial_pane="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.query_one("RunsPane").runs) == 1, 10, "run listed")
        await pilot.press("e")
        pane = app.query_one(EvalPane)
        await wait_until(pilot, lambda: pane.run_dir == run_dir, 5, "run selected")
        assert app.query_one("#eval-checkpoint", Select).value == "final"
        app.query_one("#eval-split", Select).value = "val"
        await pilot.press("g")
        assert pane.running
        await wait_until(pilot, lambda: not pane.running, 240, "evaluation finished")
        assert not [n for n in notes(app) if "failed" in n], notes(app)
        assert pane.report is not None and pane.report["split"] == "val" and pane.report["n_pairs"] > 0
        table = app.query_one("#eval-table", DataTable)
        assert str(table.get_row_at(0)[0]) == "overall" and table.row_count > 1
        assert "%" not in str(table.get_row_at(0)[2]) and "[" in str(table.get_row_at(0)[2])  # value [CI]
        # x only while an evaluation runs; b runs the judged A/B (golden judge) of the same run and split.
        def shown() -> set[str]:
            return {k for k, b in app.screen.active_bindings.items() if b.binding.show}

        assert "x" not in shown() and "b" in shown()
        await pilot.press("b")
        assert pane.running and "x" in shown()
        await wait_until(pilot, lambda: not pane.running, 300, "A/B finished")
        assert not [n for n in notes(app) if "failed" in n], notes(app)
        assert pane.report is not None and pane.report.get("kind") == "ab", pane.report
        assert pane.report["split"] == "val" and "x" not in shown()
