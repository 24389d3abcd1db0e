"""The Dataset pane: stages in pipeline order, PageDown scrolls the manifest, the PII count is not the column
cut off (the build block's showing and folding: test_tui_panes.test_dataset_build_failure_is_shown_with_its_cause)."""

from __future__ import annotations

from pathlib import Path

from test_tui_panes import _dataset
from tui_fixtures import T0, wait_until

from alice_tui import build_progress, manifest_view
from alice_tui.app import make_app
from alice_tui.panes.dataset.manifest_tables import ManifestTables

ROOT = Path(__file__).resolve().parents[1]


def test_stages_are_listed_in_pipeline_order_whatever_order_they_came_in() -> None:
    came = {"splits": (5, 5), "annotate a": (1, 4), "read b": (3, None), "read a": (4, 4), "zz new": (1, 1)}
    assert [k for k, _ in build_progress.ordered(came)] == ["read b", "read a", "annotate a", "splits", "zz new"]
    assert build_progress.summary(came) == "5 stages done · 7 records read"


def test_the_pii_count_comes_before_the_long_reasons() -> None:
    m = {"sources": {"hh": {"lang": "en", "read": 9, "kept": 5, "dropped": {"a": 2, "b": 2}, "pii": 3}}}
    sources = next(t for t in manifest_view.manifest_tables(m) if t.title == "Sources")
    assert sources.columns[-2:] == ["PII masked", "dropped by reason"]
    assert sources.rows[0][-2:] == ["3", "a: 2, b: 2"]


async def test_pagedown_scrolls_the_manifest(tmp_path: Path) -> None:
    split = _dataset(tmp_path)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data:\n  path: {split}\n  recipe: null\n")
    app = make_app(tmp_path / "runs", clock=lambda: T0, base=ROOT, config_path=cfg, initial_pane="dataset")
    async with app.run_test(size=(80, 16)) as pilot:
        tables = app.query_one(ManifestTables)
        await wait_until(pilot, lambda: len(app.query("ManifestTables DataTable")) > 0, what="manifest shown")
        await pilot.pause(0.2)
        assert tables.max_scroll_y > 0 and tables.scroll_y == 0
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: tables.scroll_y > 0, timeout=3, what="scrolled down")
        await pilot.press("pageup")
        await wait_until(pilot, lambda: tables.scroll_y == 0, timeout=3, what="scrolled back")
