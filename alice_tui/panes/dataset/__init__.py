"""The Dataset pane package."""

from alice_tui.panes.dataset.pane import DatasetPane

__all__ = ["DatasetPane"]
