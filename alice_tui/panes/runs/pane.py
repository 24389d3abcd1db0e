"""The Runs pane: every run dir with state, step, loss, last checkpoint and age; attach, resume, delete."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from alice_tui import fmt
from alice_tui.messages import AttachRun, CompareRun, ResumeRun, ShowEval
from alice_tui.panes.run.header import STATE_STYLES
from alice_tui.panes.run.pane import EXTENDABLE, RESUMABLE
from alice_tui.runs_index import SORTS, RunsIndex, arrange
from alice_tui.screens import ConfirmScreen
from trainer import rundir

REFRESH_S = 2.0
COLUMNS = ("run", "state", "step", "loss", "ckpt", "updated", "started")


class RunsPane(Vertical, can_focus=False):
    # What the footer shows fits 80 columns with the app's "q Quit  ? Keys" still in sight: sort is in the
    # title line, refresh is automatic (every 2 s); both, like every key, are under `?`.
    BINDINGS = [
        Binding("enter", "attach", "Attach", priority=False),
        Binding("r", "resume_run", "Resume"),
        Binding("R", "extend", "Extend", tooltip="Resume with a larger max_steps (asks for it)"),
        Binding("d", "delete", "Delete"),
        Binding("e", "eval", "Eval", tooltip="Evaluate the run's adapter against its base"),
        Binding("g", "refresh", "Refresh", show=False),
        Binding("slash", "filter", "Filter", tooltip="Show only runs whose name or state contains the text"),
        Binding("escape", "clear_filter", "Clear"),
        Binding("space", "compare", "Compare", key_display="␣",
                tooltip="Draw this run's loss, dimmed, on the Run pane's loss chart"),
        Binding("o", "sort", "Sort", tooltip="Cycle the order: started, name, state, loss", show=False),
    ]

    def __init__(self, runs_dir: Path, *, clock: Callable[[], float] = time.time, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.index = RunsIndex(runs_dir)
        self.scanned: list[rundir.RunSummary] = []  # every run found, newest first
        self.runs: list[rundir.RunSummary] = []  # those listed: filtered and sorted
        self.query_text = ""
        self.sort = SORTS[0]
        self.compared: Path | None = None  # marked ◆, its loss drawn dimmed on the Run pane
        self._shown: tuple[object, ...] | None = None  # to skip redrawing the same

    def compose(self) -> ComposeResult:
        yield Static("", id="runs-title")
        yield Input(placeholder="filter by name or state · enter keeps it · esc clears", id="runs-filter")
        table: DataTable[str | Text] = DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for col in COLUMNS:
            table.add_column(col, key=col)
        self.set_interval(REFRESH_S, self._tick)
        self.action_refresh()

    def _tick(self) -> None:
        if self.is_on_screen:
            self.action_refresh()

    def action_refresh(self) -> None:
        self._scan()

    @work(thread=True, exclusive=True, group="runs-scan", exit_on_error=False)
    def _scan(self) -> list[rundir.RunSummary]:
        return self.index.scan()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "runs-scan" and event.state == WorkerState.SUCCESS:
            self.show(event.worker.result or [])

    def show(self, runs: list[rundir.RunSummary]) -> None:
        """Redraw the list; the cursor stays on the same run (by path), wherever refreshes move it."""
        self.scanned = runs
        self._draw()

    def _draw(self) -> None:
        runs = arrange(self.scanned, self.query_text, self.sort)
        now = self.clock()
        rows: list[tuple[str, ...]] = [(str(r.path), f"◆ {r.name}" if r.path == self.compared else r.name, r.state, fmt.step_fraction(r.step, r.max_steps), fmt.number(r.loss),
                 str(r.last_checkpoint) if r.last_checkpoint is not None else "–", fmt.age(r.updated_t, now),
                 _clock(r.started_t)) for r in runs]
        shown = (rows, [r.alive for r in runs], self.query_text, self.sort, len(self.scanned))
        if shown == self._shown:
            # The 2 s rescan mostly finds nothing new: an idle console then draws nothing at all.
            self.runs = runs
            return
        self._shown = shown
        table = self.query_one(DataTable)
        keep = self.selected()
        self.runs = runs
        table.clear()
        for key, name, state, *cells in rows:
            table.add_row(name, Text(f" {state} ", style=STATE_STYLES.get(state, "")), *cells, key=key)
        if keep is not None and (row := self._row_of(keep.path)) is not None:
            table.move_cursor(row=row, animate=False, scroll=False)
        self._draw_title()
        self.refresh_bindings()

    def _draw_title(self) -> None:
        live = sum(r.alive for r in self.scanned)
        count = (f" {len(self.runs)} of {len(self.scanned)} runs" if self.query_text
                 else f" {len(self.scanned)} runs")
        where = f" matching {self.query_text!r}" if self.query_text else f" in {self.index.root}"
        self.query_one("#runs-title", Static).update(Text.assemble(
            (count, "bold"), where, "  ·  ", (f"{live} live", "green"), f"  ·  by {self.sort}",
            "  ·  enter attach · / filter · o sort"))

    # ---- filter and sort -------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#runs-filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "runs-filter":
            self.query_text = event.value
            self._draw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "runs-filter":
            if not event.value.strip():
                event.input.display = False
            self.query_one(DataTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#runs-filter", Input)
        box.value = ""  # Input.Changed redraws the whole list
        self.query_text = ""
        box.display = False
        self.query_one(DataTable).focus()
        self._draw()

    def action_compare(self) -> None:
        if run := self.selected():
            self.compared = None if run.path == self.compared else run.path
            self.post_message(CompareRun(self.compared))
            self._draw()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._draw()

    def _row_of(self, path: Path) -> int | None:
        return next((i for i, r in enumerate(self.runs) if r.path == path), None)

    def selected(self) -> rundir.RunSummary | None:
        """The run under the cursor, found by the row's key (the run's path), never by its position."""
        table = self.query_one(DataTable)
        if not self.runs or not table.is_valid_row_index(table.cursor_row):
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.runs if str(r.path) == key), None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()  # r follows the run under the cursor

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return bool(self.query_text) or self.query_one("#runs-filter", Input).display
        if action == "resume_run":
            run = self.selected()
            return run is not None and not run.alive and run.state in RESUMABLE
        if action == "extend":
            run = self.selected()
            return run is not None and not run.alive and run.state in EXTENDABLE
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_attach()

    def action_attach(self) -> None:
        if run := self.selected():
            self.post_message(AttachRun(run.path))

    def action_resume_run(self) -> None:
        if run := self.selected():
            self.post_message(ResumeRun(run.path))

    def action_extend(self) -> None:
        from alice_tui import run_actions

        if run := self.selected():
            run_actions.ask_extend(self.app, run.path, run.step, run.max_steps)

    def action_eval(self) -> None:
        if run := self.selected():
            self.post_message(ShowEval(run.path))

    def action_delete(self) -> None:
        run = self.selected()
        if run is None:
            return
        # Re-check on disk: the list may be two seconds old.
        fresh = rundir.summarize(run.path)
        if fresh.alive or rundir.pid_alive(fresh.pid):
            self.app.notify(f"{run.name} is {fresh.state}: stop it before deleting.", severity="error")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                try:
                    shutil.rmtree(run.path)
                except OSError as e:
                    self.app.notify(f"cannot delete {run.path}: {e}", severity="error")
                else:
                    self.app.notify(f"deleted {run.path}")
                self.action_refresh()

        self.app.push_screen(ConfirmScreen(
            f"Delete {run.name}?",
            f"{fresh.state} at step {fmt.step_fraction(fresh.step, fresh.max_steps)}, last checkpoint "
            f"{fresh.last_checkpoint if fresh.last_checkpoint is not None else 'none'}.\n"
            f"Removes {run.path} with its checkpoints and adapter. This cannot be undone.",
            yes="Delete", declined="kept"), answered)


def _clock(t: float | None) -> str:
    # ISO order: `26-12-02` read as 26 December; 2026-12-02 cannot be misread.
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "–"
