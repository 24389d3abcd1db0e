"""The full-screen log (`l`): library warnings folded with their count, long lines wrapped, `/` search."""

from __future__ import annotations

import json
from pathlib import Path

from tui_fixtures import T0, wait_until, write_run

from alice_tui import fmt, log_lines
from alice_tui.app import make_app
from alice_tui.panes.run import RunPane
from alice_tui.screens import LogScreen
from alice_tui.screens.log_view import WrappedLog

WARN = ("/venv/lib/python3.11/site-packages/transformers/tokenization_utils_base.py:1601: FutureWarning: "
        "`clean_up_tokenization_spaces` was not set. It will be set to `True` by default.")
OTHER = "/venv/lib/python3.11/site-packages/trl/trainer/dpo_trainer.py:88: UserWarning: max_prompt_length is None"


def test_fold_keeps_each_warning_once_with_its_count_and_drops_its_source_lines() -> None:
    lines = ["step 1", WARN, "  warnings.warn(", "step 2", WARN, "  warnings.warn(", OTHER, "step 3", WARN]
    folded = log_lines.fold_warnings(lines)
    assert folded.lines == ["step 1", WARN + "  [×3]", "step 2", OTHER, "step 3"]
    assert (folded.folded, folded.kinds) == (4, 2)
    assert log_lines.fold_warnings(["  indented, not after a warning"]).lines == ["  indented, not after a warning"]


def test_wrap_cuts_nothing_and_search_ignores_case() -> None:
    line = "x" * 50 + "NEEDLE" + "y" * 50
    rows = log_lines.wrap(line, 40)
    assert all(len(r) <= 40 for r in rows) and "".join(r.removeprefix("  ") for r in rows) == line
    assert log_lines.wrap("bell\x07 and \x1b[2J", 80) == ["bell\\x07 and \\x1b[2J"]
    assert log_lines.matches(["a needle", "none", "NEEDLE"], "needle") == [0, 2]
    assert log_lines.matches(["a"], "") == []


def test_printable_and_blank_notes() -> None:
    assert fmt.printable("a\tb\rc\x1b[31m\nd") == "a\\tb\\rc\\x1b[31m\nd"
    assert fmt.blank_note("") == "(empty)"
    assert fmt.blank_note("\n" * 64) == "(only whitespace: 64 newlines)"
    assert fmt.blank_note(" x ") is None


async def test_l_opens_the_whole_log_folded_wrapped_and_searchable(tmp_path: Path) -> None:
    run = write_run(tmp_path, "r", steps=10, max_steps=60, final_state="stopped")
    with open(run / "events.jsonl", "a") as f:
        for i in range(40):
            f.write(json.dumps({"seq": 1000 + i, "t": T0 + 100 + i, "type": "log", "level": "info",
                                "message": f"line {i} " + ("needle " if i in (5, 30) else "") + "z" * 150}) + "\n")
    (run / "trainer.log").write_text("\n".join(["loading", WARN, "  warnings.warn("] * 20 + [OTHER, "done"]) + "\n")
    app = make_app(tmp_path, clock=lambda: T0 + 500, poll_s=0.05, attach=run, initial_pane="run")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(RunPane)
        await wait_until(pilot, lambda: pane.view is not None and pane.view.log_total > 40, what="log replayed")
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log screen")
        screen = app.screen
        assert isinstance(screen, LogScreen)
        view = screen.query_one(WrappedLog)
        await pilot.pause(0.1)
        # Nothing is cut: a 160-character line takes three rows at 80 columns.
        assert any("line 5 needle" in ln for ln in view.lines)
        assert view.first_row(1) - view.first_row(0) == 1 and len(view._rows) > len(view.lines) + 40
        await pilot.press("slash")
        await pilot.press(*"NEEDLE", "enter")
        assert screen.hits and view.current_hit == screen.hits[0] and "needle" in view.lines[screen.hits[0]]
        assert "2 matches" in str(screen.query_one("#log-title").render())
        await pilot.press("n")
        assert view.current_hit == screen.hits[1]
        assert "line 30 needle" in view.lines[view.current_hit]
        await pilot.press("t")  # the trainer's own output, where the warnings are
        await pilot.pause(0.1)
        assert screen.source == "trainer.log"
        assert view.lines.count("loading") == 20 and view.lines.count(WARN + "  [×20]") == 1
        title = str(screen.query_one("#log-title").render())
        assert "39 warning lines folded (2 distinct" in title
        await pilot.press("w")
        await pilot.pause(0.1)
        assert view.lines.count(WARN) == 20
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, LogScreen), what="closed")
