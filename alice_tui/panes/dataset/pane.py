"""The Dataset pane: pick a recipe, build it with live per-stage progress, read its manifest, browse samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Select, Static, TabbedContent, TabPane, Tabs
from textual.worker import get_current_worker

from alice_tui import build_progress, fmt, samples, subprocess_lines
from alice_tui.locations import Locations
from alice_tui.manifest_view import manifest_tables
from alice_tui.panes.dataset.manifest_tables import ManifestTables
from alice_tui.panes.dataset.sample_browser import SampleBrowser
from alice_tui.screens import PickScreen
from datasets_build.manifest import load_manifest


class DatasetPane(Vertical, can_focus=True):
    BINDINGS = [
        Binding("b", "build", "Build"),
        Binding("x", "cancel_build", "Cancel build"),
        Binding("o", "open_dataset", "Open dataset"),
        Binding("m", "show('manifest')", "Manifest"),
        Binding("v", "show('samples')", "Samples"),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
    ]

    @dataclass
    class BuildProgress(Message):
        stage: str
        done: int
        total: int | None

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, DatasetPane.BuildProgress) and message.stage == self.stage

    @dataclass
    class BuildFinished(Message):
        ok: bool
        detail: str
        dataset_dir: Path | None = None
        manifest: Path | None = None

    def __init__(self, locations: Locations, split_dir: Path | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.locations = locations
        self.split_dir = split_dir
        self.stages: dict[str, tuple[int, int | None]] = {}
        self.building = False
        self._opened = False

    def compose(self) -> ComposeResult:
        recipes = self.locations.data_recipes()
        with Horizontal(id="dataset-bar"):
            yield Select([(p.name, str(p)) for p in recipes], prompt="recipe", compact=True, id="recipe",
                         value=str(recipes[0]) if recipes else Select.NULL, allow_blank=not recipes)
            yield Static("", id="dataset-status")
        yield Static("", id="build-stages")
        with TabbedContent(id="dataset-tabs"):
            with TabPane("Manifest", id="manifest"):
                yield ManifestTables(id="manifest-tables")
            with TabPane("Samples", id="samples"):
                yield SampleBrowser(id="sample-browser")

    def on_mount(self) -> None:
        self.query_one("#dataset-tabs").query_one(Tabs).can_focus = False  # m and v switch; arrows stay inside
        self._status(f"{len(self.locations.data_recipes())} recipes in {self.locations.configs_dir}"
                     if self.locations.data_recipes() else f"no data_*.yaml recipes in {self.locations.configs_dir}")
        self.query_one("#build-stages", Static).display = False

    def on_show(self) -> None:
        # A manifest is a dozen tables: read and draw it when the pane is first shown, not at startup.
        if not self._opened:
            self._opened = True
            self.open_split_dir(self.split_dir)

    def _status(self, text: str | Text) -> None:
        self.query_one("#dataset-status", Static).update(text)

    def action_page(self, delta: int) -> None:
        """PageUp/PageDown scroll the manifest (the pane, not the tables, has the focus)."""
        if self.query_one("#dataset-tabs", TabbedContent).active == "manifest":
            tables = self.query_one(ManifestTables)
            tables.scroll_page_down() if delta > 0 else tables.scroll_page_up()

    def action_show(self, tab: str) -> None:
        self.query_one("#dataset-tabs", TabbedContent).active = tab
        if tab == "samples":
            self.query_one(SampleBrowser).focus()

    # ---- dataset on disk -------------------------------------------------------------------
    def open_split_dir(self, split_dir: Path | None, manifest: Path | None = None) -> None:
        self._opened = True
        self.split_dir = split_dir
        self.query_one(SampleBrowser).set_split_dir(split_dir)
        tables = self.query_one(ManifestTables)
        if split_dir is None:
            tables.show([], "No dataset yet: pick a recipe and press b to build one.")
            return
        manifest = manifest or samples.find_manifest(split_dir)
        if manifest is None:
            where = split_dir if split_dir.exists() else f"{split_dir} (does not exist yet: b builds it)"
            tables.show([], f"No manifest found for {where}.")
            return
        try:
            data = load_manifest(manifest)
        except (OSError, ValueError) as e:
            tables.show([], f"Cannot read manifest {manifest}: {e}")
            self.app.notify(f"cannot read manifest {manifest}: {e}", severity="error")
            return
        tables.show(manifest_tables(data), f"manifest {manifest}")

    def action_open_dataset(self) -> None:
        root = self.locations.runs_dir / "data"
        found = sorted({p.parent for p in root.rglob("train.jsonl")}) if root.is_dir() else []
        if not found:
            self.app.notify(f"no built datasets under {root}", severity="warning")
            return
        self.app.push_screen(PickScreen("Open a dataset split dir", [(str(p), str(p)) for p in found]),
                             lambda c: self.open_split_dir(Path(c)) if c else None)

    # ---- building --------------------------------------------------------------------------
    def action_build(self) -> None:
        recipe = self.query_one("#recipe", Select).value
        if recipe is Select.NULL:
            self.app.notify(f"no dataset recipe to build (configs/{'data_*.yaml'})", severity="error")
            return
        if self.building:
            self.app.notify("a build is already running (x cancels it)", severity="warning")
            return
        self.building = True
        self.stages = {}
        stages = self.query_one("#build-stages", Static)
        stages.display = True
        # At once, not when the first stage reports (the builder first imports its libraries).
        stages.update(Text(" starting the builder … (its first stage reports in a few seconds)", style="yellow"))
        self._status(Text(f"building {Path(str(recipe)).name} …", style="yellow"))
        self._build(Path(str(recipe)))

    def action_cancel_build(self) -> None:
        if self.building:
            self.workers.cancel_group(self, "dataset-build")

    @work(thread=True, exclusive=True, group="dataset-build", exit_on_error=False)
    def _build(self, recipe: Path) -> None:
        worker = get_current_worker()
        last: dict[str, Any] = {}
        output: list[str] = []
        # Built datasets live beside the runs (outputs/data by default), where `o` looks for them.
        cmd = subprocess_lines.dataset_build_command(recipe, self.locations.runs_dir / "data")
        for obj in subprocess_lines.run_json_lines(cmd, lambda: worker.is_cancelled):
            event = obj.get("event")
            if "stage" in obj and event is None:
                key = f"{obj['stage']} {obj.get('source') or ''}".strip()
                self.post_message(self.BuildProgress(key, int(obj.get("done", 0) or 0), obj.get("total")))
            elif event in ("done", "error"):
                last = obj
            elif event == "output":
                output.append(obj["line"])
            elif event == "exit":
                if last.get("event") == "done":
                    ds = last.get("splits_dir") or last.get("dataset_dir")
                    mf = last.get("manifest")
                    self.post_message(self.BuildFinished(True, f"built {ds}", Path(ds) if ds else None,
                                                         Path(mf) if mf else None))
                elif obj.get("cancelled"):
                    self.post_message(self.BuildFinished(False, "build cancelled"))
                else:
                    why = last.get("message") or subprocess_lines.last_lines(obj["stderr_tail"] or "\n".join(output))
                    self.post_message(self.BuildFinished(False, f"build failed (exit {obj['code']}): {why}"))

    def on_dataset_pane_build_progress(self, message: BuildProgress) -> None:
        self.stages[message.stage] = (message.done, message.total)
        lines = Text()
        for i, (stage, (done, total)) in enumerate(build_progress.ordered(self.stages)):
            frac = done / total if total else 0.0
            if i:
                lines.append("\n")
            lines.append(f" {stage:<24.24} ", style="bold")
            lines.append(fmt.bar(frac, 30), style="green" if frac >= 1 else "yellow")
            lines.append(f" {done:,}/{total:,}" if total else f" {done:,}")
        self.query_one("#build-stages", Static).update(lines)

    def on_dataset_pane_build_finished(self, message: BuildFinished) -> None:
        self.building = False
        # The bars give their rows back to the manifest; one line says what they showed.
        self.query_one("#build-stages", Static).display = False
        if message.ok:
            self._status(Text(f"{message.detail} · {build_progress.summary(self.stages)}", style="green"))
            self.app.notify(message.detail, title="dataset built", timeout=3)
            split_dir = message.dataset_dir
            if split_dir is not None and not samples.split_files(split_dir):
                nested = sorted({p.parent for p in split_dir.rglob("train.jsonl")})
                split_dir = nested[-1] if nested else split_dir
            self.open_split_dir(split_dir, message.manifest)
        else:
            self._status(Text(message.detail.splitlines()[0] if message.detail else "build failed", style="red"))
            self.app.notify(message.detail, title="dataset build", severity="error", timeout=10)
