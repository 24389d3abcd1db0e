"""The alice-tui console app: five panes in tabs, built by `make_app` for the CLI and the tests alike."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.widgets import Footer, TabbedContent, TabPane, Tabs
from textual.worker import Worker, WorkerState

from alice_tui import run_actions
from alice_tui.locations import Locations
from alice_tui.messages import AttachRun, CompareRun, ResumeRun, RunsChanged, ShowEval, StartRun
from alice_tui.panes.run import RunPane
from alice_tui.panes.runs import RunsPane
from alice_tui.screens import ConfirmScreen

if TYPE_CHECKING:
    from alice_tui.panes.eval import EvalPane  # imported lazily: built after the first frame

PANES = (("dataset", "1 Dataset"), ("config", "2 Config"), ("run", "3 Run"), ("runs", "4 Runs"),
         ("eval", "5 Eval"))
THEMES = ("textual-dark", "textual-light")
# Mounted (and imported) just after the first frame: the console opens on Run or Runs.
DEFERRED = ("dataset", "config", "eval")


class AliceApp(App[int]):
    TITLE = "alice-tui"
    CSS_PATH = "app.tcss"
    AUTO_FOCUS = None  # each pane picks its own focus when shown
    BINDINGS = [
        *(Binding(str(i), f"show_pane('{pane}')", label.split(" ", 1)[1], show=False)
          for i, (pane, label) in enumerate(PANES, start=1)),
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "toggle_keys", "Keys"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
    ]

    def __init__(self, locations: Locations, config_path: Path | None = None,
                 clock: Callable[[], float] = time.time, poll_s: float = 0.25,
                 attach: Path | None = None, initial_pane: str | None = None) -> None:
        super().__init__()
        self.locations = locations
        self.config_path = config_path or locations.default_config
        self.clock = clock
        self.poll_s = poll_s
        self._attach_to = attach
        self._initial_pane = initial_pane
        self._target: Path | None = None
        self._deferred_mounted = False
        self._mounting: list[AwaitMount] = []
        self.theme = THEMES[0]

    def compose(self) -> ComposeResult:
        from trainer import rundir

        self._target = self._attach_to
        if self._target is None:
            # Re-open where the work is: the newest live run, if any.
            live = [r for r in rundir.list_runs(self.locations.runs_dir) if r.alive]
            self._target = live[0].path if live else None
        first = self._initial_pane or ("run" if self._target else "runs")
        with TabbedContent(id="panes", initial=first):
            for pane, label in PANES:
                with TabPane(label, id=pane):
                    if pane == "run":
                        yield RunPane(clock=self.clock, poll_s=self.poll_s, id="run-pane")
                    elif pane == "runs":
                        yield RunsPane(self.locations.runs_dir, clock=self.clock, id="runs-pane")
        # ctrl+p still opens the palette (and `?` lists it): its footer hint took the last 12 columns, which
        # at 80 hid the Runs pane's last keys and `? Keys` itself.
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        # The number keys switch panes; a focused tab bar would take the arrows meant for a pane's content.
        self.query_one("#panes").query_one(Tabs).can_focus = False
        if self._target is not None:
            self.query_one(RunPane).attach(self._target)
        first = self.query_one("#panes", TabbedContent).active
        if first in DEFERRED:
            self.mount_deferred()
        else:
            self.call_after_refresh(self.mount_deferred)
        self.call_after_refresh(self._focus_pane, first)

    def mount_deferred(self) -> None:
        """Build the Dataset, Config and Eval panes (imports included) once, after the first frame."""
        if self._deferred_mounted:
            return
        self._deferred_mounted = True
        from alice_tui.panes.config import ConfigPane
        from alice_tui.panes.dataset import DatasetPane
        from alice_tui.panes.eval import EvalPane

        config = ConfigPane(self.locations, self.config_path, id="config-pane")
        data_path = config.form.texts.get("data.path")
        self._mounting = [
            self.query_one("#config", TabPane).mount(config),
            self.query_one("#dataset", TabPane).mount(
                DatasetPane(self.locations, Path(data_path) if data_path else None, id="dataset-pane")),
            self.query_one("#eval", TabPane).mount(EvalPane(self._target, self.locations.runs_dir, id="eval-pane")),
        ]

    async def _shutdown(self) -> None:
        # Quitting in the first instant must not tear down panes still being built (Textual's Select
        # fails if its children vanish mid-mount): let the deferred mounts, children included, finish.
        # (_shutdown is where both a quit and the test harness end up.)
        pending, self._mounting = self._mounting, []
        for mounting in pending:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.ensure_future(mounting), timeout=2.0)
        deadline = time.monotonic() + 2.0
        while pending and time.monotonic() < deadline and not all(w.is_mounted for w in self.query("*")):
            await asyncio.sleep(0.01)
        await super()._shutdown()

    # ---- panes -----------------------------------------------------------------------------
    def action_show_pane(self, pane: str) -> None:
        if pane in DEFERRED:
            self.mount_deferred()
        tabs = self.query_one("#panes", TabbedContent)
        if tabs.active == pane:
            self._focus_pane(pane)
        tabs.active = pane  # focus follows in on_tabbed_content_tab_activated, once the pane is visible

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # Only the outer tabs, and only if still current: focusing a widget in a hidden pane would
        # make TabbedContent switch back to it.
        if event.tabbed_content.id == "panes" and event.pane.id == event.tabbed_content.active:
            self._focus_pane(event.pane.id)

    def _focus_pane(self, pane: str) -> None:
        if self.query_one("#panes", TabbedContent).active != pane:
            return  # a later key already moved on; focusing here would switch the tabs back
        try:
            widget = self.query_one(f"#{pane}-pane")
        except NoMatches:  # a deferred pane still mounting
            self.call_after_refresh(self._focus_pane, pane)
            return
        target = widget if widget.can_focus else next((w for w in widget.query("*") if w.can_focus and w.display), widget)
        target.focus()

    async def action_quit(self) -> None:
        """Quit; trainers keep running (own session), but a build or evaluation started here stops."""
        busy = [w.group for w in self.workers if w.group in ("dataset-build", "evaluate") and not w.is_finished]
        if not busy:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        what = " and ".join(sorted({"a dataset build" if g == "dataset-build" else "an evaluation" for g in busy}))
        self.push_screen(ConfirmScreen(f"Quit while {what} is running?",
                                       "It stops with the console. Training runs are not affected.", yes="Quit", declined="still running"),
                         answered)

    def action_toggle_keys(self) -> None:
        """Every key of the focused pane, with its description (Textual's help panel)."""
        from textual.widgets import HelpPanel

        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_toggle_theme(self) -> None:
        self.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]

    # ---- runs ------------------------------------------------------------------------------
    def on_attach_run(self, message: AttachRun) -> None:
        self._target = message.run_dir
        self.query_one(RunPane).attach(message.run_dir, message.pid_hint)
        self._eval_follows(message.run_dir)
        self.action_show_pane("run")

    def on_compare_run(self, message: CompareRun) -> None:
        self.query_one(RunPane).compare(message.run_dir)
        if message.run_dir is None:
            self.notify("no run compared", timeout=3)
        else:
            self.notify(f"{message.run_dir.name}'s loss is drawn dimmed on the Run pane's loss chart (3)", timeout=4)

    def on_runs_changed(self, message: RunsChanged) -> None:
        with contextlib.suppress(NoMatches):  # posted by a worker as the app shuts down
            self.query_one(RunsPane).action_refresh()

    def on_start_run(self, message: StartRun) -> None:
        run_actions.start_run(self)

    def on_resume_run(self, message: ResumeRun) -> None:
        run_actions.resume_run(self, message.run_dir, message.overrides)

    def on_show_eval(self, message: ShowEval) -> None:
        self.show_eval(message.run_dir)

    def show_eval(self, run_dir: Path) -> None:
        """Show the Eval pane on `run_dir`: the pane loads it when mounted, or at once if it already is."""
        self.mount_deferred()
        self._eval_pane().run_dir = run_dir
        self.action_show_pane("eval")

    def _eval_follows(self, run_dir: Path) -> None:
        # The Eval pane follows the attached run, unless it is busy evaluating another one.
        if self._deferred_mounted and not (pane := self._eval_pane()).running:
            pane.run_dir = run_dir

    def _eval_pane(self) -> EvalPane:
        from alice_tui.panes.eval import EvalPane

        return self.query_one(EvalPane)

    # ---- errors and palette ----------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every background failure reaches the user, with its cause."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            err = event.worker.error
            self.notify(f"{type(err).__name__}: {err}", title=f"{event.worker.group or event.worker.name} failed",
                        severity="error", timeout=8)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for pane, label in PANES:
            yield SystemCommand(f"Go to {label.split(' ', 1)[1]}", f"Show the {pane} pane ({label[0]})",
                                lambda p=pane: self.action_show_pane(p))
        yield SystemCommand("Start a run", "Start a detached trainer on the current config (n)",
                            lambda: run_actions.start_run(self))
        yield SystemCommand("Toggle light/dark theme", "Switch between textual-dark and textual-light",
                            self.action_toggle_theme)


def make_app(runs_dir: Path, config_path: Path | None = None, *, clock: Callable[[], float] = time.time,
             poll_s: float = 0.25, attach: Path | None = None, initial_pane: str | None = None,
             base: Path | None = None) -> AliceApp:
    """The one way to build the console (CLI and tests): `base` is where configs/ is looked up."""
    return AliceApp(Locations.from_base(runs_dir, base), config_path, clock=clock, poll_s=poll_s,
                    attach=attach, initial_pane=initial_pane)


def run_app(runs_dir: Path, config_path: Path | None = None) -> int:
    app = make_app(runs_dir, config_path)
    app.run()
    return app.return_code or 0
