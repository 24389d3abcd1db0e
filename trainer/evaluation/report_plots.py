"""The pictures an evaluation report embeds: the run's training curves, drawn beside the report when matplotlib is there."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def training_curves(run_dir: Path, eval_dir: Path, name: str) -> tuple[list[str], str | None]:
    """(file names relative to eval_dir, why there is no picture) — a report without matplotlib says so."""
    if importlib.util.find_spec("matplotlib") is None:
        return [], "training curves not drawn: matplotlib is not installed (pip install 'alice-tui[plot]')"
    from trainer import curves, plot

    try:
        run = curves.load(run_dir)
    except ValueError as e:
        return [], f"training curves not drawn: {e}"
    eval_dir.mkdir(parents=True, exist_ok=True)
    out = plot.draw([run], eval_dir / f"{name}.curves.png", title=f"{run_dir.name}: training curves")
    return [out.name], None
