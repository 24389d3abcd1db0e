"""Which adapter an evaluation loads, and how many CPU threads it uses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trainer.evaluation.model import CheckpointError, cpu_threads, resolve_checkpoint


def _ckpt(run: Path, name: str, complete: bool = True) -> Path:
    d = run / name
    d.mkdir(parents=True)
    (d / "adapter_config.json").write_text("{}")
    if complete:
        (d / "COMPLETE").write_text("")
    return d


def test_default_is_final_else_the_newest_complete_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"neither final/ nor a complete checkpoint"):
        resolve_checkpoint(tmp_path, None)
    _ckpt(tmp_path, "checkpoint-20")
    _ckpt(tmp_path, "checkpoint-40")
    _ckpt(tmp_path, "checkpoint-60", complete=False)  # torn by a crash: never chosen
    assert resolve_checkpoint(tmp_path, None) == ("checkpoint-40", tmp_path / "checkpoint-40")
    with pytest.raises(CheckpointError, match=r"final.*holds no adapter.*20, 40"):
        resolve_checkpoint(tmp_path, "final")
    _ckpt(tmp_path, "final", complete=False)
    assert resolve_checkpoint(tmp_path, None)[0] == "final"
    assert resolve_checkpoint(tmp_path, "checkpoint-20") == ("checkpoint-20", tmp_path / "checkpoint-20")
    assert resolve_checkpoint(tmp_path, "20") == ("checkpoint-20", tmp_path / "checkpoint-20")


def test_threads_follow_config_else_idle_cores() -> None:
    assert cpu_threads(3, default=8) == 3
    n = cpu_threads(None, default=64)
    idle = (os.cpu_count() or 1) - os.getloadavg()[0]
    assert 1 <= n <= max(1, round(idle) + 1)
    assert cpu_threads(None, default=1) == 1
