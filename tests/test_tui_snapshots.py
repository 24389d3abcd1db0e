"""Snapshots of the main screens at 80×24 and 120×40, on fixed data with a fixed clock and time zone."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from test_tui_logic import make_report
from tui_fixtures import T0, write_run

from alice_tui.app import make_app
from alice_tui.panes.run import RunPane
from alice_tui.panes.run.gauges import ResourceGauges
from alice_tui.panes.runs import RunsPane

ROOT = Path(__file__).resolve().parents[1]
SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project dir with relative paths only, so no machine-specific path reaches a screen."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(ResourceGauges, "total_ram", 16 * 2**30)
    monkeypatch.setattr(ResourceGauges, "cores", 8)
    (tmp_path / "configs").mkdir()
    shutil.copy(ROOT / "configs/demo.yaml", tmp_path / "configs/demo.yaml")
    shutil.copy(ROOT / "configs/data_demo.yaml", tmp_path / "configs/data_demo.yaml")  # demo.yaml's recipe
    runs = tmp_path / "runs"
    write_run(runs, "demo-20260101-000000", steps=45, max_steps=60, final_state="stopped", t0=T0)
    write_run(runs, "demo-20251231-120000", steps=60, max_steps=60, final_state="finished", t0=T0 - 43200)
    old = write_run(runs, "ipo-20251230-090000", steps=12, max_steps=60, final_state=None, t0=T0 - 86400 * 2)
    (old / "final").mkdir()
    (old / "eval").mkdir()
    (old / "eval" / "test-final.json").write_text(json.dumps(make_report()))
    failed = write_run(runs, "ipo-20251229-080000", steps=0, max_steps=60, final_state=None, t0=T0 - 86400 * 3)
    with open(failed / "events.jsonl", "a") as f:
        for ev in ({"seq": 10, "t": T0 - 86400 * 3 + 9, "type": "error",
                    "message": "OSError: /tmp/no_such_model does not exist (a local model path): " + "details " * 12,
                    "traceback": "Traceback (most recent call last):\n  File \"trainer/run.py\", line 1\nOSError"},
                   {"seq": 11, "t": T0 - 86400 * 3 + 9, "type": "state", "state": "failed"}):
            f.write(json.dumps(ev) + "\n")
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    time.tzset()


def _app(project: Path, **kw: Any):  # type: ignore[no-untyped-def]
    return make_app(Path("runs"), Path("configs/demo.yaml"), clock=lambda: T0 + 3600, base=project, poll_s=0.05, **kw)


def _running_in(app: Any, group: str) -> bool:
    return any(w.group == group and not w.is_finished for w in app.workers)


async def _settle_run(pilot: Any) -> None:
    app = pilot.app
    run = app.query_one(RunPane)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (run.view is None or run.view.state == "created" or _running_in(app, "follow")):
        await pilot.pause(0.05)
    run._plots_dirty = True
    run._redraw_plots()
    await pilot.pause(0.3)


async def _settle_runs(pilot: Any) -> None:
    runs = pilot.app.query_one(RunsPane)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(runs.runs) < 4:
        await pilot.pause(0.05)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_run_pane(project: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    app = _app(project, attach=Path("runs/demo-20260101-000000"), initial_pane="run")
    assert snap_compare(app, terminal_size=size, run_before=_settle_run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_runs_pane(project: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(_app(project, initial_pane="runs"), terminal_size=size, run_before=_settle_runs)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_config_pane_with_an_inline_error(project: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    async def edit(pilot: Any) -> None:
        from alice_tui.panes.config import ConfigPane

        await pilot.pause(0.3)
        editor = pilot.app.query_one(ConfigPane).focus_field("dpo.beta")
        editor.cursor_blink = False
        editor.value = "0"
        await pilot.pause(0.5)

    assert snap_compare(_app(project, initial_pane="config"), terminal_size=size, run_before=edit)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("run", ["ipo-20251229-080000", "ipo-20251230-090000"], ids=["failed", "interrupted"])
def test_snapshot_run_pane_of_a_dead_run(project: Path, snap_compare: Any, size: tuple[int, int], run: str) -> None:
    app = _app(project, attach=Path("runs") / run, initial_pane="run")
    assert snap_compare(app, terminal_size=size, run_before=_settle_run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_eval_pane(project: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    async def open_eval(pilot: Any) -> None:
        await _settle_runs(pilot)
        pilot.app.show_eval(Path("runs/ipo-20251230-090000"))
        # The pane is built lazily and loads the report after a refresh: wait for it, not for a fixed time.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            panes = pilot.app.query("#eval-pane")
            if panes and getattr(panes.first(), "report", None) is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.3)

    assert snap_compare(_app(project, initial_pane="runs"), terminal_size=size, run_before=open_eval)


def test_snapshot_run_pane_light_theme(project: Path, snap_compare: Any) -> None:
    app = _app(project, attach=Path("runs/demo-20260101-000000"), initial_pane="run")
    app.theme = "textual-light"
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle_run)
