"""The Eval pane's keys and table: ←/→ page right after t, tab bars take no arrows, its own run picker, and the
accuracy table picks its columns by width with the slice column first and fixed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_tui_logic import make_report
from textual.widgets import DataTable, OptionList, Tabs
from tui_fixtures import T0, wait_until, write_run

from alice_tui import eval_report
from alice_tui.app import make_app
from alice_tui.panes.eval import EvalPane
from alice_tui.panes.eval.generations import GenerationsPager

ROOT = Path(__file__).resolve().parents[1]


def _run_with_report(root: Path, name: str, generations: list[dict[str, Any]]) -> Path:
    run = write_run(root, name, steps=20, max_steps=20, final_state="finished")
    (run / "final").mkdir()
    (run / "eval").mkdir()
    report = make_report(f"{name}-final")
    report["generations"] = generations
    (run / "eval" / "test-final.json").write_text(json.dumps(report))
    return run


async def _open_eval(pilot: Any, runs: int, run: Path) -> EvalPane:
    """From the console as a person first sees it (runs listed, the Runs table focused) to `run` on Eval."""
    app = pilot.app
    await wait_until(pilot, lambda: len(app.query_one("RunsPane").runs) == runs and app.focused is not None
                     and app.focused.id == "runs-table", what="runs listed and focused")
    await pilot.pause(0.2)  # the focus's own messages delivered (a TabPane.Focused would switch back to Runs)
    app.show_eval(run)
    pane: EvalPane = app.query_one(EvalPane)
    await wait_until(pilot, lambda: pane.report is not None, what="report loaded")
    return pane


def test_fit_columns_keeps_the_slice_and_the_most_telling_columns() -> None:
    rows = [r for r, _ in eval_report.table_rows(make_report())]
    cols = eval_report.COLUMNS
    narrow = [cols[i] for i in eval_report.fit_columns(cols, rows, 78)]
    assert narrow[0] == "slice" and "Δ acc [95% CI]" in narrow and "tuned acc [95% CI]" in narrow
    assert len(narrow) < len(cols)
    wide = [cols[i] for i in eval_report.fit_columns(cols, rows, 200)]
    assert wide == list(cols)
    assert [cols[i] for i in eval_report.fit_columns(cols, rows, 3)] == ["slice"]
    # Every chosen column fits whole: widths of header or longest cell plus padding.
    keep = eval_report.fit_columns(cols, rows, 118)
    assert sum(max(len(cols[i]), *(len(r[i]) for r in rows)) + 2 for i in keep) <= 118


async def test_t_then_arrows_page_generations_and_tab_bars_take_no_arrows(tmp_path: Path) -> None:
    gens = [{"id": f"g{i}", "prompt": f"p{i}", "base": "\n" * 64 if i == 0 else f"b{i}\x1b[2J", "tuned": f"t{i}"}
            for i in range(3)]
    run = _run_with_report(tmp_path, "a", gens)
    app = make_app(tmp_path, clock=lambda: T0, poll_s=0.05, base=ROOT, initial_pane="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open_eval(pilot, 1, run)
        await wait_until(pilot, lambda: app.focused is not None and pane in app.focused.ancestors_with_self,
                         what="focus in the Eval pane")
        assert len(app.query(Tabs)) == 3 and not [t for t in app.query(Tabs) if t.can_focus]
        await pilot.press("t", "right")
        pager = app.query_one(GenerationsPager)
        assert app.focused is pager and pager.index == 1
        assert "b1\\x1b[2J" in str(app.query_one("#gen-base").render())  # escaped, not sent to the terminal
        await pilot.press("left")
        assert pager.index == 0
        assert "(only whitespace: 64 newlines)" in str(app.query_one("#gen-base").render())
        await pilot.press("a", "right", "right", "right")  # arrows never reach a tab bar: still Eval, Accuracy
        assert app.query_one("#panes").active == "eval"  # type: ignore[attr-defined]
        assert app.query_one("#eval-tabs").active == "accuracy"  # type: ignore[attr-defined]


async def test_the_eval_table_fits_the_width_and_the_pane_picks_its_own_run(tmp_path: Path) -> None:
    a = _run_with_report(tmp_path, "a", [])
    _run_with_report(tmp_path, "b", [])
    app = make_app(tmp_path, clock=lambda: T0, poll_s=0.05, base=ROOT, initial_pane="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open_eval(pilot, 2, a)
        await pilot.pause(0.2)
        table = app.query_one("#eval-table", DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[0] == "slice" and "Δ acc [95% CI]" in labels and len(labels) < len(eval_report.COLUMNS)
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= table.size.width
        assert table.fixed_columns == 1
        assert "hidden" in str(app.query_one("#eval-tabs").get_tab("accuracy").label)  # type: ignore[attr-defined]
        await pilot.resize_terminal(200, 40)
        await pilot.pause(0.3)
        assert [str(c.label) for c in table.columns.values()] == list(eval_report.COLUMNS)
        await pilot.press("r")
        await wait_until(pilot, lambda: bool(app.screen.query(OptionList)), what="the run picker")
        picker = app.screen.query_one(OptionList)
        picker.highlighted = next(i for i in range(picker.option_count)
                                  if picker.get_option_at_index(i).id == str(tmp_path / "b"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.run_dir == tmp_path / "b" and pane.report is not None
                         and pane.report["name"] == "b-final", what="run b shown")
