"""The Run pane: attach to one run, show its header, plots, gauges and log, and steer it (p/c/s/r/n)."""

from __future__ import annotations

import time
import typing
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Log
from textual.worker import Worker, WorkerState, get_current_worker

from alice_tui import event_stream, run_model
from alice_tui.messages import EventsReady, ResumeRun, RunsChanged, ShowEval, StartRun, StreamStatus
from alice_tui.panes.run.gauges import ResourceGauges
from alice_tui.panes.run.header import RunHeader
from alice_tui.panes.run.plots import MetricPlot
from alice_tui.screens import ConfirmScreen, LogScreen, TextViewScreen
from trainer import protocol, rundir

# At 50 events/s, redrawing per event would spend the CPU budget on frames nobody can read:
# header, gauges and log repaint at most 10 times a second (a state change at once), plots every 2 s (as btop does).
UI_INTERVAL_S = 0.1
PLOT_INTERVAL_S = 2.0
COMPARE_RELOAD_S = 10.0  # a compared run still training is re-read this often (the whole events.jsonl)
RESUMABLE = (protocol.INTERRUPTED, protocol.STOPPED, protocol.FAILED)
EXTENDABLE = (*RESUMABLE, protocol.FINISHED)  # R: resume with a larger max_steps


class RunPane(Vertical, can_focus=True):
    # Keys follow the state (check_action): p reads Pause or Continue, r shows only when there is something
    # to resume, and c / s are dimmed once the trainer is gone.
    BINDINGS = [
        Binding("p", "pause", "Pause", tooltip="Pause the trainer at the next step boundary"),
        Binding("p", "continue", "Continue", tooltip="Let the paused trainer go on"),
        Binding("c", "checkpoint", "Ckpt", tooltip="Save a checkpoint at the next step boundary"),
        Binding("s", "stop", "Stop"),
        Binding("r", "resume_run", "Resume", tooltip="Continue this run in a new trainer process"),
        Binding("R", "extend", "Extend", tooltip="Resume with a larger max_steps (asks for it)"),
        Binding("n", "new_run", "New run"),
        Binding("e", "eval", "Eval"),
        Binding("m", "cycle_chart", "Chart", tooltip="Second chart: rewards, learning rate, grad norm"),
        Binding("l", "log", "Log", tooltip="The whole log full-screen: wrapped, warnings folded, / searches"),
        Binding("enter", "details", "Error", tooltip="The whole error and traceback of a failed run"),
        # Reached only when the keys above are hidden: a key press is never silently ignored.
        Binding("p,c,s", "explain_not_live", show=False),
    ]

    def __init__(self, *, clock: Callable[[], float] = time.time, poll_s: float = 0.25, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.poll_s = poll_s
        self.view: run_model.RunView | None = None
        self.connected = False
        self._buffer: deque[tuple[Path, list[dict[str, Any]]]] = deque()
        self._plots_dirty = False
        self._ui_dirty = False
        self._log_shown = 0
        self.chart = run_model.CHARTS[0]
        self.compared: run_model.RunView | None = None  # another run, its loss drawn dimmed (space on Runs)
        self._compare_target: Path | None = None

    def compose(self) -> ComposeResult:
        yield RunHeader(id="run-header")
        with Horizontal(id="run-plots"):
            yield MetricPlot("loss", id="plot-loss")
            yield MetricPlot("reward acc · margin", id="plot-reward")
        with Horizontal(id="run-bottom"):
            yield ResourceGauges(id="run-gauges")
            yield Log(id="run-log", max_lines=run_model.LOG_LINES, auto_scroll=True)

    def on_mount(self) -> None:
        self._redraw_header()
        self.query_one(ResourceGauges).show(None)
        self.set_interval(PLOT_INTERVAL_S, self._redraw_plots)
        self.set_interval(UI_INTERVAL_S, self._flush_ui)
        self.set_interval(1.0, self._tick_header)
        self.set_interval(COMPARE_RELOAD_S, self._reload_compared)

    # ---- attaching -------------------------------------------------------------------------
    def attach(self, run_dir: Path, pid_hint: int | None = None) -> None:
        """Show `run_dir`, replaying its whole history, then follow it live."""
        self.view = run_model.RunView(run_dir)
        self.connected = False
        self._buffer.clear()
        self._log_shown = 0
        self.query_one(Log).clear()
        self._plots_dirty = True
        self._follow(run_dir, pid_hint)
        self._redraw_header()

    @work(thread=True, exclusive=True, group="follow", exit_on_error=False)
    def _follow(self, run_dir: Path, pid_hint: int | None) -> None:
        worker = get_current_worker()
        for item in event_stream.follow(run_dir, lambda: worker.is_cancelled, pid_hint, poll=self.poll_s):
            if worker.is_cancelled:
                return
            if isinstance(item, event_stream.Batch):
                self._buffer.append((run_dir, item.events))
                self.post_message(EventsReady(run_dir))
            elif isinstance(item, event_stream.Connected):
                self.post_message(StreamStatus(run_dir, connected=True))
            elif isinstance(item, event_stream.Damaged):
                self.app.call_from_thread(self.app.notify, item.message, title="events.jsonl is damaged",
                                          severity="warning", timeout=10)
            else:
                self.post_message(StreamStatus(run_dir, connected=False, reason=item.reason, final=item.final))

    def on_events_ready(self, message: EventsReady) -> None:
        view = self.view
        state = view.state if view else None
        while self._buffer:
            run_dir, events = self._buffer.popleft()
            if view is not None and run_dir == view.run_dir:
                run_model.fold_all(view, events)
        self._plots_dirty = self._ui_dirty = True
        if view is not None and view.state != state:
            self.refresh_bindings()
            self._flush_ui()  # a state change is what a person waits for after pressing p or s

    def _flush_ui(self) -> None:
        if not self._ui_dirty:
            return
        self._ui_dirty = False
        self._redraw_header()
        self.query_one(ResourceGauges).show(self.view)
        self._append_log()

    def on_stream_status(self, message: StreamStatus) -> None:
        if self.view is None or message.run_dir != self.view.run_dir:
            return
        self.connected = message.connected
        if message.connected:
            self._control(message.run_dir, "status")  # requests made before we attached (pausing…, stopping…)
        else:
            self.on_events_ready(EventsReady(message.run_dir))
            self._flush_ui()
            if not message.final and self.view.state not in protocol.FINAL_STATES:
                complete = rundir.checkpoints(self.view.run_dir)
                run_model.mark_ended(self.view, message.reason, complete[-1][0] if complete else None)
                # A killed or crashed trainer leaves its last words in trainer.log, not in the events.
                tail = _log_tail(rundir.RunPaths(self.view.run_dir).log)
                for line in tail:
                    self.view.add_log(f"{'':8} trainer.log: {line}")
                cause = f" Last log line: {tail[-1]}" if tail else ""
                self.app.notify(f"{self.view.run_dir.name}: {message.reason}; r resumes from the newest "
                                f"complete checkpoint.{cause}", title="Trainer gone", severity="warning", timeout=10)
            self._append_log()
            self.post_message(RunsChanged())
        self.refresh_bindings()
        self._redraw_header()

    # ---- comparing ---------------------------------------------------------------------------
    def compare(self, run_dir: Path | None) -> None:
        """Draw `run_dir`'s loss (as it is now on disk) under the attached run's; None removes it."""
        self.compared = None
        self._compare_target = run_dir
        self._plots_dirty = True
        if run_dir is None:
            self._redraw_plots()
        else:
            self._load_compared(run_dir)

    def _reload_compared(self) -> None:
        other = self.compared
        if other is not None and other.live and self.is_on_screen:
            self._load_compared(other.run_dir)

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def _load_compared(self, run_dir: Path) -> run_model.RunView:
        return run_model.fold_all(run_model.RunView(run_dir), list(rundir.iter_events(run_dir)))

    # ---- drawing ---------------------------------------------------------------------------
    def _redraw_header(self) -> None:
        self.query_one(RunHeader).show(self.view, self.clock(), self.connected)

    def _tick_header(self) -> None:
        # Elapsed keeps ticking between steps, on screen and while the run lives; nothing else changes.
        if self.is_on_screen and self.view is not None and self.view.live:
            self._redraw_header()

    def _redraw_plots(self) -> None:
        if not self._plots_dirty or not self.is_on_screen:
            return
        self._plots_dirty = False
        v = self.view or run_model.RunView(Path("."))
        other = self.compared
        dimmed = ([(other.run_dir.name, other.loss_series)]
                  if other is not None and other.run_dir != v.run_dir else None)
        self.query_one("#plot-loss", MetricPlot).draw([("train", v.loss_series), ("eval", v.eval_loss)], dimmed=dimmed)
        title, lines = v.chart(self.chart)
        self.query_one("#plot-reward", MetricPlot).draw(lines, title)

    def action_cycle_chart(self) -> None:
        charts = run_model.CHARTS
        self.chart = charts[(charts.index(self.chart) + 1) % len(charts)]
        self._plots_dirty = True
        self._redraw_plots()

    def _append_log(self) -> None:
        if self.view is None:
            return
        new = self.view.log_total - self._log_shown
        if new > 0:
            lines = list(self.view.log)[-min(new, len(self.view.log)):]
            self.query_one(Log).write_lines(lines)
            self._log_shown = self.view.log_total

    def on_show(self) -> None:
        self._plots_dirty = True
        self._redraw_header()

    # ---- control ---------------------------------------------------------------------------
    def _require_live(self) -> Path | None:
        if self.view is None:
            self.app.notify("No run attached: press n to start one, or pick one on the Runs pane (4).",
                            severity="warning")
            return None
        if not self.view.live:
            self.app.notify(f"{self.view.run_dir.name} is {self.view.state}; nothing to control.",
                            severity="warning")
            return None
        return self.view.run_dir

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view
        live = view is not None and view.live
        paused = live and view is not None and (view.state == protocol.PAUSED or view.pending == run_model.PENDING["pause"])
        if action == "pause":
            return live and not paused
        if action == "continue":
            return bool(paused)
        if action in ("checkpoint", "stop"):
            return live
        if action == "resume_run":
            return view is not None and not live and view.state in RESUMABLE
        if action == "extend":
            return view is not None and not live and view.state in EXTENDABLE
        if action == "details":
            return view is not None and bool(view.error_detail)
        return True

    def action_explain_not_live(self) -> None:
        self._require_live()

    def action_pause(self) -> None:
        if run_dir := self._require_live():
            self._send(run_dir, "pause")

    def action_continue(self) -> None:
        if run_dir := self._require_live():
            self._send(run_dir, "resume")

    def _send(self, run_dir: Path, cmd: str) -> None:
        assert self.view is not None
        run_model.request_sent(self.view, cmd)
        self.refresh_bindings()
        self._redraw_header()
        self._control(run_dir, cmd)

    def action_details(self) -> None:
        if self.view is not None and self.view.error_detail:
            self.app.push_screen(TextViewScreen(f"{self.view.run_dir.name}: {self.view.state}", self.view.error_detail))

    def action_checkpoint(self) -> None:
        if run_dir := self._require_live():
            self._send(run_dir, "checkpoint")

    def action_stop(self) -> None:
        run_dir = self._require_live()
        if run_dir is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._send(run_dir, "stop")

        self.app.push_screen(ConfirmScreen(
            f"Stop {run_dir.name}?",
            "The trainer saves a checkpoint, then exits. `r` resumes it later.", yes="Stop",
            declined="still training"), answered)

    @work(thread=True, group="control", exit_on_error=False)
    def _control(self, run_dir: Path, cmd: str) -> tuple[str, dict[str, Any]]:
        from trainer import client

        return cmd, client.request(run_dir, cmd)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "compare" and event.state == WorkerState.SUCCESS:
            loaded = typing.cast(run_model.RunView, event.worker.result)
            if loaded.run_dir != self._compare_target:
                return  # a reload that finished after another run (or none) was picked
            self.compared = loaded
            self._plots_dirty = True
            self._redraw_plots()
            return
        if event.worker.group == "control" and event.state == WorkerState.SUCCESS:
            cmd, reply = typing.cast(tuple[str, dict[str, Any]], event.worker.result)
            view = self.view
            if cmd == "status":
                if reply.get("ok") and view is not None and view.live:
                    run_model.fold_status(view, reply)
            elif reply.get("ok"):
                self.app.notify(f"{cmd}: {reply.get('message') or 'sent'}", timeout=2)
            else:
                if view is not None:
                    view.pending = None
                self.app.notify(f"{cmd} refused: {reply.get('error')}", severity="error")
            self.refresh_bindings()
            self._redraw_header()

    def action_resume_run(self) -> None:
        if self.view is None:
            self.app.notify("No run attached; pick one on the Runs pane (4).", severity="warning")
            return
        self.post_message(ResumeRun(self.view.run_dir))

    def action_extend(self) -> None:
        from alice_tui import run_actions

        if self.view is not None:
            run_actions.ask_extend(self.app, self.view.run_dir, self.view.step, self.view.max_steps)

    def action_new_run(self) -> None:
        self.post_message(StartRun())

    def action_log(self) -> None:
        if self.view is None:
            self.app.notify("No run attached: pick one on the Runs pane (4).", severity="warning")
            return
        view = self.view
        self.app.push_screen(LogScreen(view.run_dir.name, lambda: list(view.log), rundir.RunPaths(view.run_dir).log))

    def action_eval(self) -> None:
        if self.view is not None:
            self.post_message(ShowEval(self.view.run_dir))


def _log_tail(path: Path, n: int = 5) -> list[str]:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, 2) - 8192))
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if line.strip()][-n:]
