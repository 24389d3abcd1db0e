"""The Config pane runs a real preflight on F5 and shows its projection."""

from __future__ import annotations

from pathlib import Path

import pytest
import trainer_fixtures as fx
import yaml
from textual.widgets import Static
from tui_fixtures import T0, wait_until

from alice_tui.app import make_app

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


async def test_f5_runs_preflight_and_shows_the_projection(tmp_path: Path) -> None:
    data = fx.write_split_dir(tmp_path / "data", n_train=12, n_val=2)
    cfg = yaml.safe_load((ROOT / "configs/train_mac.yaml").read_text())
    cfg["model"]["name_or_path"] = "builtin:qwen2.5-tiny-random"
    cfg["data"].update(path=str(data), recipe=None)
    path = tmp_path / "mac-tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    app = make_app(tmp_path / "runs", config_path=path, clock=lambda: T0, poll_s=0.05, base=ROOT,
                   initial_pane="config")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f5")
        help_box = app.query_one("#config-help", Static)
        await wait_until(pilot, lambda: "projected s/step" in str(help_box.render())
                         or "failed" in str(help_box.render()), timeout=300)
        shown = str(help_box.render())
        assert "projected 2000 steps" in shown and "peak RSS" in shown, shown
