"""The console process never imports torch & co: checked in a fresh interpreter after starting the app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "trl", "peft", "datasets", "accelerate", "tokenizers", "numpy")

SCRIPT = """
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from tui_fixtures import write_run
runs = Path({runs!r})
write_run(runs, "finished-run", steps=20, max_steps=20, final_state="finished")
from alice_tui.app import make_app

async def main():
    app = make_app(runs, base=Path({root!r}))
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("1", "v", "m", "2", "3", "4", "enter", "5", "4"):
            await pilot.press(key)
            await pilot.pause(0.2)
        assert app.query_one("#panes").active == "runs"

asyncio.run(main())
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""


def test_starting_the_console_imports_no_ml_stack(tmp_path: Path) -> None:
    code = SCRIPT.format(tests=str(ROOT / "tests"), runs=str(tmp_path / "runs"), root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "textual" in loaded and "alice_tui" in loaded  # the app really ran
    assert not loaded & set(HEAVY), f"the console imported {sorted(loaded & set(HEAVY))}"
