"""alice-tui: the terminal console (Textual) and the `alice-tui` command. Never imports torch & co."""

__version__ = "0.1.0"
