"""Modal screens shared by the panes."""

from alice_tui.screens.confirm import ConfirmScreen
from alice_tui.screens.pick import PickScreen, PromptScreen

__all__ = ["ConfirmScreen", "PickScreen", "PromptScreen"]
