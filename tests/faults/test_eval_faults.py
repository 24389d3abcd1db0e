"""Faults in what `alice-tui eval` reads: each test names what it used to break (issue #9)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _run_dir(root: Path) -> Path:
    """A run dir as far as eval checks before loading a model: the config snapshot and a final adapter config."""
    run = root / "run"
    (run / "final").mkdir(parents=True)
    cfg = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["data"]["path"] = str(root / "data")
    (run / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    (run / "final" / "adapter_config.json").write_text("{}", encoding="utf-8")
    return run


def _eval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trainer.evaluation", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_binary_eval_split_names_file_and_line_not_a_traceback(tmp_path: Path) -> None:
    run = _run_dir(tmp_path)
    split = tmp_path / "golden.jsonl"
    good = '{"prompt": "hi", "chosen": "hello", "rejected": "no"}\n'
    # A valid first line, then a PNG header: the error must point at line 2.
    split.write_bytes(good.encode() + b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\n")
    out = _eval(str(run), "--split", str(split), "--no-event")
    assert out.returncode == 2, out.stderr
    assert f"{split}:2: not UTF-8 text" in out.stderr
    assert "Traceback" not in out.stderr

