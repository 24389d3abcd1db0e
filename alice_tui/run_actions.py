"""Starting and resuming trainers from the console: confirmation, config checks, detached spawn."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from alice_tui.messages import AttachRun, ResumeRun, RunsChanged
from alice_tui.screens import ConfirmScreen, ExtendScreen

if TYPE_CHECKING:
    from alice_tui.app import AliceApp


def start_run(app: AliceApp) -> None:
    """Start a detached trainer on the Config pane's current config, after a confirmation."""
    from alice_tui.panes.config import ConfigPane
    from trainer import config as cfgmod
    from trainer import launch, loss_table, paths, run_lock

    app.mount_deferred()
    pane = app.query_one(ConfigPane)
    try:
        cfg = paths.resolve_config_paths(pane.current_config())  # current_config checks the preconditions
    except cfgmod.ConfigError as e:
        app.notify(str(e), title="Config is invalid: fix it on the Config pane (2)", severity="error")
        return
    # The console lists runs_dir, so runs it starts go there whatever the file says.
    cfg.checkpointing.output_root = str(app.locations.runs_dir)

    def answered(yes: bool | None) -> None:
        if not yes:
            return
        try:
            run_dir = launch.new_run_dir(cfg)
            proc = launch.spawn(run_dir)
        except (OSError, ValueError, run_lock.Locked) as e:
            app.notify(f"cannot start the trainer: {e}", severity="error")
            return
        app.notify(f"started {run_dir.name} (pid {proc.pid})")
        app.post_message(AttachRun(run_dir, proc.pid))
        app.post_message(RunsChanged())

    unsaved = " (unsaved edits included)" if pane.dirty else ""
    app.push_screen(ConfirmScreen(
        f"Start a run of {cfg.name}?",
        f"Config {pane.path}{unsaved}: {cfg.model.name_or_path}, {cfg.training.max_steps} steps, "
        f"{'+'.join(loss_table.names_of(cfg.dpo.loss_type))} β={cfg.dpo.beta}. The trainer runs detached; "
        "quitting the console leaves it running.",
        yes="Start", declined="not started"), answered)


def resume_run(app: AliceApp, run_dir: Path, overrides: list[str] | None = None) -> None:
    """Resume a run by the same rules as `alice-tui resume` (trainer.launch.resume), or attach to a live one.

    `overrides` (e.g. ["training.max_steps=400"]) extend a run as `resume --set` does.
    """
    from trainer import launch, rundir

    summary = rundir.summarize(run_dir)
    if summary.alive or rundir.pid_alive(summary.pid):
        app.notify(f"{run_dir.name} is {summary.state}: attaching instead.", severity="warning")
        app.post_message(AttachRun(run_dir))
        return
    try:
        resumed = launch.resume(run_dir, overrides)
    except (launch.ResumeRefused, OSError) as e:
        app.notify(str(e), title=f"cannot resume {run_dir.name}", severity="error")
        return
    app.notify(f"{resumed.message} (pid {resumed.proc.pid})")
    app.post_message(AttachRun(run_dir, resumed.proc.pid))
    app.post_message(RunsChanged())


def ask_extend(app: App[Any], run_dir: Path, step: int, max_steps: int | None) -> None:
    """Ask for a new max_steps, then resume with it (`R` on the Run and Runs panes, `resume --set` in the CLI)."""

    def answered(n: int | None) -> None:
        if n is not None:
            app.post_message(ResumeRun(run_dir, [f"training.max_steps={n}"]))

    app.push_screen(ExtendScreen(run_dir.name, step, max_steps), answered)
