"""Pilot tests for issue 13's "Missing": extend a run from the console, filter and sort Runs, LR / grad-norm charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input
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


async def test_runs_filter_and_sort_keep_the_selection_on_the_same_run(tmp_path: Path) -> None:
    write_run(tmp_path, "zeta", steps=10, max_steps=10, final_state="finished", t0=T0)
    write_run(tmp_path, "alpha", steps=7, max_steps=10, final_state="stopped", t0=T0 - 3600)
    write_run(tmp_path, "mid", steps=3, max_steps=10, final_state="failed", t0=T0 - 7200)
    app = _app(tmp_path, initial_pane="runs")
    async with app.run_test(size=(120, 30)) as pilot:
        runs = app.query_one(RunsPane)
        table = app.query_one("#runs-table", DataTable)
        title = app.query_one("#runs-title")
        await wait_until(pilot, lambda: len(runs.runs) == 3, what="runs listed")
        table.focus()
        table.move_cursor(row=1)
        await pilot.pause(0.05)
        assert (sel := runs.selected()) is not None and sel.name == "alpha"
        # o cycles the order: started (newest first) -> name -> state -> loss; the cursor follows the run.
        assert [r.name for r in runs.runs] == ["zeta", "alpha", "mid"]
        await pilot.press("o")
        assert [r.name for r in runs.runs] == ["alpha", "mid", "zeta"] and "by name" in str(title.render())
        assert (sel := runs.selected()) is not None and sel.name == "alpha" and table.cursor_row == 0
        await pilot.press("o")
        assert [r.state for r in runs.runs] == ["failed", "finished", "stopped"] and "by state" in str(title.render())
        assert (sel := runs.selected()) is not None and sel.name == "alpha" and table.cursor_row == 2
        await pilot.press("o")
        losses = [r.loss for r in runs.runs]
        assert "by loss" in str(title.render()) and losses == sorted(losses)  # type: ignore[type-var]
        await pilot.press("o")
        assert [r.name for r in runs.runs] == ["zeta", "alpha", "mid"] and "by started" in str(title.render())
        # / filters on name or state as you type; enter keeps the filter, esc clears it.
        await pilot.press("slash")
        assert isinstance(app.focused, Input) and app.focused.id == "runs-filter"
        await pilot.press("s", "t", "o", "p")
        assert [r.name for r in runs.runs] == ["alpha"] and "1 of 3 runs" in str(title.render())
        await pilot.press("enter")
        assert app.focused is table and (sel := runs.selected()) is not None and sel.name == "alpha"
        runs.action_refresh()  # a rescan keeps the filter
        await pilot.pause(0.3)
        assert [r.name for r in runs.runs] == ["alpha"]
        assert _keys(app).get("escape") == "clear_filter"
        await pilot.press("escape")
        assert [r.name for r in runs.runs] == ["zeta", "alpha", "mid"] and "3 runs" in str(title.render())
        assert (sel := runs.selected()) is not None and sel.name == "alpha" and not app.query_one("#runs-filter").display
        # esc while typing clears too; a filter by state.
        await pilot.press("slash", "z", "e")
        assert [r.name for r in runs.runs] == ["zeta"]
        await pilot.press("escape")
        assert len(runs.runs) == 3 and app.focused is table
        await pilot.press("slash", *"FAIL")
        assert [r.name for r in runs.runs] == ["mid"]


async def test_m_switches_the_second_chart_between_rewards_learning_rate_and_grad_norm(tmp_path: Path) -> None:
    from alice_tui.panes.run.plots import MetricPlot

    run = write_run(tmp_path, "lr", steps=30, max_steps=60, final_state="stopped")
    app = _app(tmp_path, attach=run)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(RunPane)
        plot = app.query_one("#plot-reward", MetricPlot)
        await wait_until(pilot, lambda: pane.view is not None and pane.view.step == 30, what="replayed")
        assert pane.view is not None
        lr = pane.view.lr_series
        assert len(lr) == 30 and abs(lr.ys[0] - 5e-4 * (1 - 1 / 60)) < 1e-12 and pane.view.grad_norm_series.ys[-1] == 1.2
        pane.focus()
        await pilot.pause(0.05)
        assert _keys(app).get("m") == "cycle_chart"

        def head() -> str:
            return plot.render().plain.splitlines()[0]

        await wait_until(pilot, lambda: "reward acc · margin" in head() and "acc" in head(), what="rewards chart")
        await pilot.press("m")
        assert head().startswith(" learning rate") and "━ lr" in head() and "acc" not in head()
        assert "5.0e-04┤" in plot.render().plain  # the y axis reads the rate itself
        await pilot.press("m")
        assert head().startswith(" grad norm") and "━ grad norm" in head()
        await pilot.press("m")
        assert head().startswith(" reward acc · margin")


async def test_space_in_runs_overlays_a_second_runs_loss_dimmed_on_the_run_pane(tmp_path: Path) -> None:
    from alice_tui.panes.run.plots import DIMMED, MetricPlot

    write_run(tmp_path, "base", steps=20, max_steps=20, final_state="finished", t0=T0)
    write_run(tmp_path, "other", steps=12, max_steps=40, final_state="stopped", t0=T0 - 3600)
    app = _app(tmp_path, initial_pane="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        runs = app.query_one(RunsPane)
        table = app.query_one("#runs-table", DataTable)
        await wait_until(pilot, lambda: len(runs.runs) == 2, what="runs listed")
        table.focus()
        table.move_cursor(row=1)
        await pilot.pause(0.05)
        assert _keys(app).get("space") == "compare"
        await pilot.press("space")
        await wait_note(pilot, app, "other's loss is drawn dimmed")
        assert str(table.get_row_at(1)[0]) == "◆ other"
        pane = app.query_one(RunPane)
        await wait_until(pilot, lambda: pane.compared is not None and len(pane.compared.loss_series) == 12,
                         what="compared run loaded")
        table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.view is not None and pane.view.step == 20, what="base attached")
        plot = app.query_one("#plot-loss", MetricPlot)
        pane._plots_dirty = True
        pane._redraw_plots()
        text = plot.render()
        head = text.plain.splitlines()[0]
        assert "━ train" in head and "━ other" in head
        assert any(span.style == DIMMED and "⠀" <= text.plain[span.start] <= "⣿" for span in text.spans)
        assert text.plain.rstrip().endswith("20")  # x axis spans both runs' steps: 1..20
        # space again on the marked run removes the overlay.
        await pilot.press("4")
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("space")
        await wait_note(pilot, app, "no run compared")
        assert str(table.get_row_at(1)[0]) == "other" and pane.compared is None
        await pilot.press("3")
        await pilot.pause(0.05)
        pane._redraw_plots()
        head = plot.render().plain.splitlines()[0]
        assert "━ train" in head and "other" not in head


async def test_f2_saves_the_config_as_another_file_and_asks_before_overwriting(tmp_path: Path) -> None:
    from alice_tui.panes.config import ConfigPane

    cfg = tmp_path / "c.yaml"
    original = (ROOT / "configs/demo.yaml").read_text()
    cfg.write_text(original)
    (tmp_path / "taken.yaml").write_text("# mine\n")
    app = _app(tmp_path / "runs", config_path=cfg, initial_pane="config")
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(ConfigPane)
        editor = pane.focus_field("dpo.beta")
        editor.value = "0.3"
        await pilot.pause(0.1)
        await pilot.press("f2")
        await wait_until(pilot, lambda: bool(app.screen.query(Input)), what="save-as prompt")
        assert app.screen.query_one(Input).value == str(tmp_path / "c_copy.yaml")
        app.screen.query_one(Input).value = "taken.yaml"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app.screen.query("#confirm-title")), what="overwrite question")
        assert str(app.screen.query_one("#confirm-title").render()) == f"Overwrite {tmp_path / 'taken.yaml'}?"
        await pilot.press("n")
        await wait_note(pilot, app, "not saved")
        assert (tmp_path / "taken.yaml").read_text() == "# mine\n" and pane.path == cfg
        await pilot.press("f2")
        await wait_until(pilot, lambda: bool(app.screen.query(Input)), what="save-as prompt again")
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.path == tmp_path / "c_copy.yaml", what="now editing the copy")
        copy = (tmp_path / "c_copy.yaml").read_text()
        assert "beta: 0.3" in copy and copy.startswith("# The embedded default")  # comments kept
        assert cfg.read_text() == original and not pane.dirty  # the old file is as it was


def test_find_record_matches_escaped_text_any_case_and_wraps(tmp_path: Path) -> None:
    import json

    from alice_tui.samples import find_record

    f = tmp_path / "s.jsonl"
    recs = [{"id": "a", "prompt": "hej"}, {"id": "b", "prompt": "Blåbär"}, "not an object", {"id": "c", "chosen": "BLÅ"}]
    f.write_text("".join(json.dumps(r) + "\n" for r in recs) + "{torn\n")  # ensure_ascii: å is written as \u00e5
    assert find_record(f, "blå", start=0) == 1
    assert find_record(f, "blå", start=1) == 3
    assert find_record(f, "blå", start=3) == 1  # wraps
    assert find_record(f, "blå", start=1, step=-1) == 3  # wraps backwards
    assert find_record(f, "id=c", start=0) == 3  # metadata too
    assert find_record(f, "nowhere", start=0) is None


async def test_a_compared_run_still_training_is_reread(tmp_path: Path, monkeypatch: Any) -> None:
    from tui_fixtures import StreamingRun

    from alice_tui.messages import CompareRun
    from alice_tui.panes.run import pane as run_pane

    monkeypatch.setattr(run_pane, "COMPARE_RELOAD_S", 0.2)
    base = write_run(tmp_path, "base", steps=20, max_steps=20, final_state="finished")
    with StreamingRun(tmp_path / "live", rate=20):
        app = _app(tmp_path, attach=base)
        async with app.run_test(size=(100, 30)) as pilot:
            pane = app.query_one(RunPane)
            await wait_until(pilot, lambda: pane.view is not None and pane.view.step == 20, what="attached")
            app.post_message(CompareRun(tmp_path / "live"))
            await wait_until(pilot, lambda: pane.compared is not None and pane.compared.live, what="compared loaded")
            assert pane.compared is not None
            first = len(pane.compared.loss_series)
            await wait_until(pilot, lambda: pane.compared is not None and len(pane.compared.loss_series) > first + 5,
                             what="the compared run re-read as it trains")
            app.post_message(CompareRun(None))
            await pilot.pause(0.6)  # reloads in flight do not bring it back
            assert pane.compared is None


async def test_runs_footer_fits_80_columns_and_the_keys_panel_lists_what_it_leaves_out(tmp_path: Path) -> None:
    """At 80×24 the footer of a resumable run ends with `q Quit  ? Keys` (nothing cut); `?` lists the keys
    the footer leaves out (sort, refresh) and the command palette."""
    import io

    from rich.console import Console
    from textual.widgets import Footer, HelpPanel

    write_run(tmp_path, "stopped-run", steps=30, max_steps=60, final_state="stopped")
    app = _app(tmp_path, initial_pane="runs")
    async with app.run_test(size=(80, 24)) as pilot:
        runs = app.query_one(RunsPane)
        await wait_until(pilot, lambda: len(runs.runs) == 1, what="run listed")
        app.query_one("#runs-table", DataTable).focus()
        footer = app.query_one(Footer)
        await wait_until(pilot, lambda: any(str(k.description) == "Resume" for k in footer.query("FooterKey")),
                         what="footer keys of the selected run")
        await pilot.pause(0.1)
        shown = list(footer.query("FooterKey"))
        assert shown and all(k.region.right <= 80 and k.region.width > 0 for k in shown)
        labels = [str(k.description) for k in shown]
        assert labels[-2:] == ["Quit", "Keys"] and {"Resume", "Extend", "Delete", "Eval", "Filter", "Compare"} <= set(labels)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: bool(app.screen.query(HelpPanel)), what="keys panel")
        console = Console(width=200, file=io.StringIO(), record=True)
        for widget in app.screen.query_one(HelpPanel).query("*"):
            console.print(widget.render())
        text = console.export_text()
        assert "Sort" in text and "Refresh" in text and "palette" in text.lower()
