"""The Runs pane package."""

from alice_tui.panes.runs.pane import RunsPane

__all__ = ["RunsPane"]
