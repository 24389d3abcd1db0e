"""The Eval pane: evaluate a run's checkpoint against its base as a subprocess, then read the report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Select, Static, TabbedContent, TabPane, Tabs
from textual.worker import get_current_worker

from alice_tui import eval_report, fmt, subprocess_lines
from alice_tui.panes.eval.generations import GenerationsPager
from alice_tui.screens import PickScreen
from trainer import rundir

SPLITS = ("test", "golden", "val")


class EvalPane(Vertical, can_focus=True):
    # Short labels: the footer fits 80 columns with "q Quit  ? Keys" in sight; x shows only while it can act.
    BINDINGS = [
        Binding("g", "evaluate", "Eval", tooltip="Preference accuracy and reward margins, tuned vs base"),
        Binding("b", "evaluate(True)", "A/B", tooltip="Judged A/B of tuned vs base answers (eval --ab, golden judge)"),
        Binding("x", "cancel", "Cancel"),
        Binding("o", "open_report", "Reports"),
        Binding("a", "show('accuracy')", "Table"),
        Binding("t", "show('generations')", "Answers", tooltip="The generated answers (or the judge's verdicts)"),
        Binding("r", "pick_run", "Run…", tooltip="Evaluate another run"),
        Binding("k", "pick_checkpoint", "Ckpt…"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.running
        return True

    @dataclass
    class Progress(Message):
        done: int
        total: int | None
        phase: str

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, EvalPane.Progress)

    @dataclass
    class Finished(Message):
        ok: bool
        detail: str
        report: Path | None = None

    # Set by the app (the attached run, or the one `e` was pressed on); the pane loads it once mounted.
    run_dir: reactive[Path | None] = reactive(None, init=False, always_update=True)

    def __init__(self, run_dir: Path | None = None, runs_dir: Path | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs_dir = runs_dir
        self.set_reactive(EvalPane.run_dir, run_dir)
        self.report: dict[str, Any] | None = None
        self._table_shown: tuple[bool, list[int], list[tuple[list[str], bool | None]]] | None = None
        self.running = False
        self._ready = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="eval-bar"):
            yield Static("no run selected", id="eval-run")
            yield Select([], prompt="checkpoint", compact=True, id="eval-checkpoint")
            yield Select([(s, s) for s in SPLITS], value="test", compact=True, allow_blank=False, id="eval-split")
        yield Static("", id="eval-progress")
        yield Static("", id="eval-headline")
        with TabbedContent(id="eval-tabs"):
            with TabPane("Accuracy", id="accuracy"):
                table: DataTable[str | Text] = DataTable(id="eval-table", cursor_type="row", zebra_stripes=True,
                                                        fixed_columns=1)
                table.add_columns(*eval_report.COLUMNS)  # before mount: a report may arrive first
                yield table
            with TabPane("Generations", id="generations"):
                yield GenerationsPager(id="eval-generations")

    def on_mount(self) -> None:
        self.query_one("#eval-tabs").query_one(Tabs).can_focus = False  # a and t switch; arrows stay the pager's
        self.query_one("#eval-progress", Static).update(
            Text("Pick a run on the Runs pane (4) and press e, then g here to evaluate it.", style="dim"))
        # A run_dir set before this point is loaded here, one set after it by the watcher: never both, never lost.
        self._ready = True
        if self.run_dir is not None:
            self._load_run(self.run_dir)

    def watch_run_dir(self, run_dir: Path | None) -> None:
        if self._ready and run_dir is not None:
            self._load_run(run_dir)

    def action_show(self, tab: str) -> None:
        self.query_one("#eval-tabs", TabbedContent).active = tab
        # The keys of what is shown work at once: ←/→ page the generations right after t.
        self.query_one(GenerationsPager if tab == "generations" else "#eval-table").focus()

    def action_pick_run(self) -> None:
        runs = rundir.list_runs(self.runs_dir) if self.runs_dir is not None else []
        if not runs:
            self.app.notify(f"no runs in {self.runs_dir}", severity="warning")
            return
        self.app.push_screen(PickScreen("Evaluate which run?", [
            (str(r.path), f"{r.name}  ({r.state}, step {fmt.step_fraction(r.step, r.max_steps)})") for r in runs]),
            lambda c: setattr(self, "run_dir", Path(c)) if c else None)

    def action_pick_checkpoint(self) -> None:
        select = self.query_one("#eval-checkpoint", Select)
        select.focus()
        select.action_show_overlay()

    def _load_run(self, run_dir: Path) -> None:
        self.query_one("#eval-run", Static).update(Text(run_dir.name, style="bold"))
        choices = eval_report.checkpoint_choices(run_dir)
        select = self.query_one("#eval-checkpoint", Select)
        select.set_options([(c, c) for c in choices])
        if choices:
            select.value = choices[0]
        if not self.running:
            self.query_one("#eval-progress", Static).update(Text(
                "g evaluates the chosen checkpoint against its base on the chosen split · o opens an earlier report",
                style="dim"))
        reports = eval_report.list_reports(run_dir)
        if reports:
            self.show_report(reports[-1])
        else:
            self.report = None
            self._table_shown = None
            self.query_one("#eval-table", DataTable).clear()
            self.query_one("#eval-headline", Static).update(
                Text(f"no reports yet in {run_dir / 'eval'}; g evaluates" if choices else
                     "no final adapter or complete checkpoint to evaluate yet", style="dim"))

    def show_report(self, path: Path) -> None:
        try:
            report = eval_report.load_report(path)
        except (OSError, ValueError) as e:
            self.app.notify(str(e), title="cannot read report", severity="error")
            return
        self.report = report
        self.query_one("#eval-headline", Static).update(Text(eval_report.headline(report), style="bold"))
        self._draw_table()
        self.query_one(GenerationsPager).show(report.get("generations") or [])

    def on_resize(self) -> None:
        self._draw_table()

    def _draw_table(self) -> None:
        """The report's columns that fit the width (slice first and fixed), chosen anew on each resize."""
        if self.report is None:
            return
        table = self.query_one("#eval-table", DataTable)
        ab = eval_report.is_ab(self.report)
        columns = eval_report.AB_COLUMNS if ab else eval_report.COLUMNS
        rows = eval_report.table_rows(self.report)
        width = (table.size.width or self.size.width or 80) - 2  # the vertical scrollbar
        keep = eval_report.fit_columns(columns, [r for r, _ in rows], width)
        if (ab, keep, rows) == self._table_shown:
            return
        self._table_shown = (ab, keep, rows)
        table.clear(columns=True)
        table.add_columns(*(columns[i] for i in keep))
        delta = 3 if ab else 4  # the tuned − base column
        for row, sig in rows:
            style = "bold green" if sig and not row[delta].startswith("-") else "bold red" if sig else ""
            table.add_row(*(Text(row[i], style=style if i == delta else "") for i in keep))
        hidden = len(columns) - len(keep)
        self.query_one("#eval-tabs", TabbedContent).get_tab("accuracy").label = (
            f"Accuracy ({hidden} narrow-hidden column{'s' * (hidden != 1)})" if hidden else "Accuracy")

    def action_open_report(self) -> None:
        if self.run_dir is None:
            self.app.notify("no run selected", severity="warning")
            return
        reports = eval_report.list_reports(self.run_dir)
        if not reports:
            self.app.notify(f"no reports in {self.run_dir / 'eval'}", severity="warning")
            return
        self.app.push_screen(PickScreen("Open an evaluation report", [(str(p), p.name) for p in reversed(reports)]),
                             lambda c: self.show_report(Path(c)) if c else None)

    # ---- running an evaluation -------------------------------------------------------------
    def action_evaluate(self, ab: bool = False) -> None:
        if self.run_dir is None:
            self.app.notify("no run selected: pick one on the Runs pane (4) and press e", severity="warning")
            return
        if self.running:
            self.app.notify("an evaluation is already running (x cancels it)", severity="warning")
            return
        ckpt = self.query_one("#eval-checkpoint", Select).value
        if ckpt is Select.NULL:
            self.app.notify("nothing to evaluate: the run has no final adapter or complete checkpoint",
                            severity="error")
            return
        if not subprocess_lines.module_available("trainer.evaluation"):
            self.app.notify("trainer.evaluation is not installed", severity="error")
            return
        split = str(self.query_one("#eval-split", Select).value)
        self.running = True
        self.refresh_bindings()
        what = "A/B (golden judge) of" if ab else "evaluating"
        self.query_one("#eval-progress", Static).update(Text(f"{what} {ckpt} on {split} …", style="yellow"))
        self._evaluate(self.run_dir, str(ckpt), split, ab)

    def action_cancel(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "evaluate")

    @work(thread=True, exclusive=True, group="evaluate", exit_on_error=False)
    def _evaluate(self, run_dir: Path, ckpt: str, split: str, ab: bool = False) -> None:
        worker = get_current_worker()
        last: dict[str, Any] = {}
        output: list[str] = []
        cmd = subprocess_lines.eval_command(run_dir, eval_report.checkpoint_arg(ckpt), split)
        if ab:
            cmd.append("--ab")
        for obj in subprocess_lines.run_json_lines(cmd, lambda: worker.is_cancelled):
            event = obj.get("event")
            if event == "progress":
                self.post_message(self.Progress(int(obj.get("done", 0) or 0), obj.get("total"), str(obj.get("phase", ""))))
            elif event in ("done", "error"):
                last = obj
            elif event == "output":
                output.append(obj["line"])
            elif event == "exit":
                if last.get("event") == "done" and last.get("report"):
                    self.post_message(self.Finished(True, f"report {last['report']}", Path(last["report"])))
                elif obj.get("cancelled"):
                    self.post_message(self.Finished(False, "evaluation cancelled"))
                else:
                    why = last.get("message") or subprocess_lines.last_lines(obj["stderr_tail"] or "\n".join(output))
                    self.post_message(self.Finished(False, f"evaluation failed (exit {obj['code']}): {why}"))

    def on_eval_pane_progress(self, message: Progress) -> None:
        frac = message.done / message.total if message.total else 0.0
        self.query_one("#eval-progress", Static).update(Text.assemble(
            (f" {message.phase or 'eval':<10} ", "bold"), (fmt.bar(frac, 30), "yellow"),
            f" {message.done}/{message.total or '?'}"))

    def on_eval_pane_finished(self, message: Finished) -> None:
        self.running = False
        self.refresh_bindings()
        progress = self.query_one("#eval-progress", Static)
        if message.ok and message.report is not None:
            progress.update(Text(message.detail, style="green"))
            path = message.report if message.report.suffix == ".json" else message.report.with_suffix(".json")
            self.show_report(path)
        else:
            progress.update(Text(message.detail.splitlines()[0] if message.detail else "failed", style="red"))
            self.app.notify(message.detail, title="evaluation", severity="error", timeout=10)
