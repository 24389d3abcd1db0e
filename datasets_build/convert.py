"""`convert`: one source file through the per-record steps, without splits (the `convert` subcommand)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datasets_build.annotate import Annotator
from datasets_build.manifest import sha256_file
from datasets_build.pipeline import Progress, SourceRun, annotate_settings, run_source
from datasets_build.recipe import from_dict
from datasets_build.records import Record
from datasets_build.report import build_manifest
from datasets_build.splits import SPLITS, SplitResult
from datasets_build.steps import Dedup, language, validate


def convert(source_type: str, input_path: str | Path, output: str | Path, options: dict[str, Any] | None = None,
            on_error: str = "fail", tokenizer: str = "builtin:tiny-qwen2",
            progress: Progress | None = None) -> dict[str, Any]:
    """Run one source file through the per-record steps into `output`; return that source's manifest entry."""
    spec = {"type": source_type, "path": str(input_path), **(options or {})}
    recipe = from_dict({"name": "convert", "version": "v0", "on_error": on_error, "tokenizer": tokenizer,
                        "sources": [spec]}, path="<convert>")
    spec = recipe.sources[0]
    progress = progress or (lambda event: None)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=output.parent))
    try:
        (tmp / "raw").mkdir()
        (tmp / "processed").mkdir()
        settings = annotate_settings(recipe)
        mismatches: dict[str, int] = {}
        filters: list[tuple[str, Callable[[Record], str | None]]] = [
            ("validate", validate(recipe.max_tokens)),
            ("language", language(recipe.drop_language_mismatch, mismatches)),
            ("dedup", Dedup(recipe.dedup_prefix_chars))]
        run = SourceRun(spec)
        with Annotator(settings, recipe.workers) as annotator:
            run_source(recipe, spec, run, tmp, {}, filters, annotator, mismatches, progress, Counter(), {})
        os.replace(tmp / "processed" / f"{spec['name']}.jsonl", output)
        result = SplitResult({s: list(run.kept) if s == "train" else [] for s in SPLITS}, {}, {})
        manifest = build_manifest(recipe, {spec["name"]: run}, result, {}, 0.0, 0.0)
        entry: dict[str, Any] = manifest["sources"][spec["name"]]
        entry["output"] = {"path": str(output), "sha256": sha256_file(output)}
        return entry
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
