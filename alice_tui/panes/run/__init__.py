"""The Run pane package."""

from alice_tui.panes.run.pane import RunPane

__all__ = ["RunPane"]
