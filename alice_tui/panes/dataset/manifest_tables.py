"""The manifest as a stack of titled tables; rows that missed a target are highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from alice_tui.manifest_view import TableSpec


class ManifestTables(VerticalScroll):
    DEFAULT_CSS = """
    ManifestTables { height: 1fr; }
    ManifestTables .table-title { text-style: bold; color: $accent; margin-top: 1; padding-left: 1; }
    ManifestTables DataTable { height: auto; max-height: 14; }
    """

    def show(self, tables: list[TableSpec], note: str = "") -> None:
        self.remove_children()
        if note:
            self.mount(Static(note, classes="table-note"))
        for spec in tables:
            table: DataTable[str | Text] = DataTable(cursor_type="row", zebra_stripes=True, show_cursor=False)
            table.add_columns(*spec.columns)
            for i, row in enumerate(spec.rows):
                style = "bold red" if i in spec.highlight else ""
                table.add_row(*(Text(c, style=style) for c in row))
            title = spec.title + ("  (missed target highlighted)" if spec.highlight else "")
            self.mount(Static(title, classes="table-title"), table)
