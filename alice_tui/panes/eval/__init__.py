"""The Eval pane package."""

from alice_tui.panes.eval.pane import EvalPane

__all__ = ["EvalPane"]
