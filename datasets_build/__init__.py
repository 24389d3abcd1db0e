"""The preference-data builder: sources → PII masking → language → dedup → quality → buckets → splits.

Nothing heavy is imported here; `build_from_recipe` imports the pipeline when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["build_from_recipe"]


def build_from_recipe(recipe_path: str | Path, out_root: str | Path | None = None, progress: Any = None) -> Path:
    """Build the dataset a recipe file describes; returns `<out_root>/<name>/` (splits in `splits/<version>/`)."""
    from datasets_build.pipeline import build_from_recipe as _build

    return _build(recipe_path, out_root, progress)
