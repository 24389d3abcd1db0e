"""App-wide messages: small dataclasses posted by workers and panes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message


@dataclass
class EventsReady(Message):
    """New events for `run_dir` wait in the follower's buffer.

    Coalesces: at 50 events/s a queued notice is replaced by the newer one, and the
    handler drains the whole buffer, so no event is lost and the queue never grows.
    """

    run_dir: Path

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EventsReady) and message.run_dir == self.run_dir


@dataclass
class StreamStatus(Message):
    """The follower connected to the trainer's socket, or the trainer is gone."""

    run_dir: Path
    connected: bool
    reason: str = ""
    final: bool = False


@dataclass
class AttachRun(Message):
    """Ask the app to show this run on the Run pane (from the Runs pane or after a start)."""

    run_dir: Path
    pid_hint: int | None = None


@dataclass
class StartRun(Message):
    """Ask the app to start a run from the Config pane's current config (after a confirmation)."""


@dataclass
class ResumeRun(Message):
    """Ask the app to continue `run_dir` in a new trainer process, optionally with config overrides."""

    run_dir: Path
    overrides: list[str] | None = None  # `section.key=value`, as `alice-tui resume --set` takes them


@dataclass
class CompareRun(Message):
    """Overlay this run's loss curve (dimmed) on the Run pane's loss chart; None removes the overlay."""

    run_dir: Path | None


@dataclass
class ShowEval(Message):
    """Ask the app to show the Eval pane on `run_dir`."""

    run_dir: Path


@dataclass
class RunsChanged(Message):
    """A run was started, resumed or deleted: the Runs list should refresh now."""


@dataclass
class ConfigChanged(Message):
    """The Config pane's config is valid again (or not): the Run pane starts runs from it."""

    path: Path | None
    valid: bool
