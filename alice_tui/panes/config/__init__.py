"""The Config pane package."""

from alice_tui.panes.config.pane import ConfigPane

__all__ = ["ConfigPane"]
