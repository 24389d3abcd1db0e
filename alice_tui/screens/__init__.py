"""Modal screens shared by the panes."""

from alice_tui.screens.confirm import ConfirmScreen
from alice_tui.screens.extend import ExtendScreen
from alice_tui.screens.log_view import LogScreen
from alice_tui.screens.pick import PickScreen, PromptScreen
from alice_tui.screens.text_view import TextViewScreen

__all__ = ["ConfirmScreen", "ExtendScreen", "LogScreen", "PickScreen", "PromptScreen", "TextViewScreen"]
