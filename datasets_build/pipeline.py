"""Run a recipe: sources → annotate (PII, language, tokens) → filters → splits + golden → files + manifest.

Everything is written into a temporary directory first and moved into place at the end, so a failed or
interrupted build never leaves a half-written dataset where the trainer would find it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datasets_build import lint, near_dup, sources
from datasets_build.annotate import CHUNK, AnnotateSettings, Annotator
from datasets_build.builtin_tokenizer import BUILTIN_CACHE
from datasets_build.jsonl_writer import JsonlWriter, write_jsonl
from datasets_build.recipe import Recipe
from datasets_build.records import DataError, Drop, Record, dumps
from datasets_build.report import build_manifest
from datasets_build.sources.base import SourceContext, limited
from datasets_build.splits import SPLITS, assign
from datasets_build.steps import Dedup, language, quality, validate

DEFAULT_OUT_ROOT = Path("outputs/data")
Progress = Callable[[dict[str, Any]], None]


class SourceRun:
    """What one source read, kept and dropped (by reason), and how long each stage took."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.read = 0
        self.dropped: Counter[str] = Counter()
        self.kept: list[Record] = []
        self.pii: dict[str, int] = {}
        self.lang_mismatch = 0
        self.timings: dict[str, float] = {}
        self.stats: dict[str, Any] = {}
        self.repaired: dict[str, int] = {}
        self.warnings: list[str] = []


def _processed_line(r: Record) -> str:
    """The split line plus where the record came from and what the steps found (origin, meta)."""
    extra = {"origin": r.origin, **({"meta": r.meta} if r.meta else {})}
    return r.split_line[:-1] + ", " + dumps(extra)[1:]


def run_source(recipe: Recipe, spec: dict[str, Any], run: SourceRun, tmp: Path, previous: dict[str, list[Record]],
               filters: list[tuple[str, Callable[[Record], str | None]]], annotator: Annotator,
               mismatches: dict[str, int], progress: Progress, seen_ids: Counter[str],
               files: dict[str, dict[str, Any]]) -> None:
    """Read one source, annotate it chunk by chunk (workers annotate while the reading goes on), filter the
    annotated chunks in order and write its raw and processed files."""
    name = spec["name"]
    module = sources.load(spec["type"])
    ctx = SourceContext(name=name, options=dict(spec), on_error=spec.get("on_error", recipe.on_error),
                        seed=recipe.seed, previous=previous, stats=run.stats, repaired=run.repaired,
                        warnings=run.warnings)
    raw_out = JsonlWriter(tmp / "raw" / f"{name}.jsonl")
    processed_out = JsonlWriter(tmp / "processed" / f"{name}.jsonl")
    raw_rows: list[Any] = []
    chunk: list[Record] = []
    annotated = submitted = 0
    filter_seconds = 0.0
    inline_before = annotator.inline_seconds

    def take(wait: bool) -> None:
        # Chunks come back in the order they were read, so the filters (dedup: first occurrence wins) see
        # the records in input order whatever the worker count.
        nonlocal annotated, filter_seconds
        for recs, pii in annotator.ready(wait):
            t = time.perf_counter()
            for kind, n in pii.items():
                run.pii[kind] = run.pii.get(kind, 0) + n
            # Filter by filter over the chunk: each filter's state depends only on the records that reach it,
            # in order, so this decides as record by record would, and a filter with a `batch` method (the
            # near-dup filter) sees the whole chunk at once.
            kept = recs
            for _, check in filters:
                batch = getattr(check, "batch", None)
                reasons = batch(kept) if batch is not None else [check(rec) for rec in kept]
                for reason in reasons:
                    if reason is not None:
                        run.dropped[reason] += 1
                kept = [rec for rec, reason in zip(kept, reasons, strict=True) if reason is None]
            run.kept += kept
            processed_out.write([_processed_line(r) for r in kept])
            annotated += len(recs)
            filter_seconds += time.perf_counter() - t
            progress({"stage": "annotate", "source": name, "done": annotated, "total": submitted})

    try:
        t0 = time.perf_counter()
        for item in limited(module.read(ctx), spec.get("limit")):
            run.read += 1
            raw_rows.append(item.raw if item.raw is not None else {"origin": item.origin})
            if isinstance(item, Drop):
                run.dropped[item.reason] += 1
            else:
                item.declared_lang = item.lang
                item.raw = None  # kept in raw_rows; not needed by the steps
                # Ids are content hashes; identical pairs (kept when dedup is off) get -2, -3, ... so that
                # every record still has its own id and lands in exactly one split.
                seen_ids[item.id] += 1
                if seen_ids[item.id] > 1:
                    item.id = f"{item.id}-{seen_ids[item.id]}"
                chunk.append(item)
                submitted += 1
                if len(chunk) >= CHUNK:
                    raw_out.write(raw_rows)
                    raw_rows = []
                    annotator.submit(chunk)
                    chunk = []
                    take(wait=False)
            if run.read % 1000 == 0:
                progress({"stage": "read", "source": name, "done": run.read, "total": None})
        raw_out.write(raw_rows)
        annotator.submit(chunk)
        progress({"stage": "read", "source": name, "done": run.read, "total": run.read})
        read_end, filter_in_loop = time.perf_counter(), filter_seconds
        take(wait=True)
        wait_end = time.perf_counter()

        t = time.perf_counter()
        run.lang_mismatch = mismatches.get(name, 0)
        for out in (raw_out, processed_out):
            files[out.path.relative_to(tmp).as_posix()] = out.close()
    finally:
        for out in (raw_out, processed_out):
            out.discard()
    # The stages overlap: with workers, "read" is this process reading (the workers annotate meanwhile) and
    # "annotate" the wait for the last chunks; in-process annotation and all filtering are moved to their
    # own stage, so the three add up to the source's wall time.
    inline = annotator.inline_seconds - inline_before
    run.timings = {"read": read_end - t0 - inline - filter_in_loop,
                   "annotate": inline + wait_end - read_end - (filter_seconds - filter_in_loop),
                   "filter": filter_seconds + time.perf_counter() - t}


def _pinned_golden(path: str | None) -> set[str]:
    """Ids of an earlier golden split, so that a new build keeps evaluating on the same pairs."""
    if not path:
        return set()
    from datasets_build.sources.base import iter_jsonl

    p = Path(path)
    if not p.is_file():
        raise DataError(f"splits.golden_from: file not found: {p}")
    ids = set()
    for lineno, obj, err, _ in iter_jsonl(p):
        if err is not None or not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            raise DataError(f"{p}:{lineno}: not a split record with a string 'id' ({err or 'bad record'})")
        ids.add(obj["id"])
    return ids


def annotate_settings(recipe: Recipe) -> AnnotateSettings:
    pii = recipe.pii
    return AnnotateSettings(
        pii_enabled=pii.enabled, pii_kinds=tuple(pii.kinds),
        case_id_patterns=tuple(pii.case_id_patterns) if pii.case_id_patterns is not None else None,
        phone_regions=tuple(pii.phone_regions), languages=tuple(recipe.languages), tokenizer=recipe.tokenizer,
        tokenizer_cache=str(BUILTIN_CACHE), buckets=tuple(sorted(recipe.buckets.items())),
        dedup_prefix_chars=recipe.dedup_prefix_chars, max_tokens=recipe.max_tokens,
        case_id_context=pii.case_id_context, near_dup=_near_dup_params(recipe))


def _near_dup_params(recipe: Recipe) -> tuple[int, int, int] | None:
    nd = recipe.near_dup
    return (nd.ngram, nd.num_perm, nd.bands) if nd.enabled else None


def build(recipe: Recipe, out_root: Path | None = None, progress: Progress | None = None) -> Path:
    """Build the dataset a recipe describes and return its directory `<out_root>/<name>/`."""
    progress = progress or (lambda event: None)
    out_root = Path(out_root) if out_root is not None else DEFAULT_OUT_ROOT
    out_root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f".{recipe.name}.build-", dir=out_root))
    try:
        for sub in ("raw", "processed", f"splits/{recipe.version}"):
            (tmp / sub).mkdir(parents=True)
        settings = annotate_settings(recipe)
        mismatches: dict[str, int] = {}
        dedup = Dedup(recipe.dedup_prefix_chars)
        filters: list[tuple[str, Callable[[Record], str | None]]] = [
            ("validate", validate(recipe.max_tokens)),
            ("language", language(recipe.drop_language_mismatch, mismatches)),
            ("quality", quality(recipe.min_quality)),
        ]
        if recipe.dedup:
            filters.append(("dedup", dedup))
        nd_params = _near_dup_params(recipe)
        params = near_dup.Params(*nd_params) if nd_params is not None else None
        near = near_dup.NearDedup(params, recipe.near_dup.threshold) if params is not None else None
        if near is not None and recipe.near_dup.drop:
            filters.append(("near_dup", near))
        runs: dict[str, SourceRun] = {}
        previous: dict[str, list[Record]] = {}
        seen_ids: Counter[str] = Counter()
        files: dict[str, dict[str, Any]] = {}
        with Annotator(settings, recipe.workers) as annotator:
            for spec in recipe.sources:
                run = runs[spec["name"]] = SourceRun(spec)
                run_source(recipe, spec, run, tmp, previous, filters, annotator, mismatches, progress, seen_ids,
                           files)
                previous[spec["name"]] = run.kept

        t = time.perf_counter()
        pool = [r for run in runs.values() for r in run.kept]
        pinned = _pinned_golden(recipe.splits.golden_from)
        result = assign(pool, recipe.splits.val, recipe.splits.test, recipe.splits.golden, recipe.splits.seed,
                        lambda r: r.fp, pinned)
        if recipe.splits.golden_from:
            found = {r.id for r in result.splits["golden"]} & pinned
            result.frozen = {"from": recipe.splits.golden_from, "pinned": len(pinned),
                                              "found": len(found), "missing": len(pinned) - len(found)}
        near_report: dict[str, Any] = {"enabled": False}
        twins: set[str] = set()
        if near is not None and params is not None:
            if recipe.near_dup.drop:
                cross = near_dup.cross_split_after_filter(result.splits)
            else:
                cross, twins = near_dup.cross_split(result.splits, params, recipe.near_dup.threshold)
            near_report = {"enabled": True, "drop": recipe.near_dup.drop, "threshold": recipe.near_dup.threshold,
                           "ngram": params.ngram, "num_perm": params.num_perm, "bands": params.bands,
                           **near.report(), "cross_split": cross}
        in_splits = {r.id for recs in result.splits.values() for r in recs}
        for run in runs.values():
            gone = [r for r in run.kept if r.id not in in_splits]
            if gone:
                twin = sum(1 for r in gone if r.id in twins)
                if twin:
                    run.dropped["near_dup_of_eval"] += twin
                if len(gone) > twin:
                    run.dropped["golden_contamination"] += len(gone) - twin
                run.kept = [r for r in run.kept if r.id in in_splits]
        split_dir = tmp / "splits" / recipe.version
        for name in SPLITS:
            path = split_dir / f"{name}.jsonl"
            files[path.relative_to(tmp).as_posix()] = write_jsonl(path, [r.split_line for r in result.splits[name]])
        progress({"stage": "splits", "done": len(pool), "total": len(pool)})
        split_time = time.perf_counter() - t

        files = dict(sorted(files.items()))
        manifest = build_manifest(recipe, runs, result, files, split_time, time.perf_counter() - started)
        manifest["near_dup"] = near_report
        manifest["lint"] = lint.report(result.splits, recipe.lint, recipe.max_tokens)
        text = dumps_manifest(manifest)
        (tmp / "manifest.json").write_text(text, encoding="utf-8")
        (split_dir / "manifest.json").write_text(text, encoding="utf-8")
        dataset_dir = out_root / recipe.name
        _install(tmp, dataset_dir, ["raw", "processed", f"splits/{recipe.version}", "manifest.json"])
        progress({"stage": "write", "done": 1, "total": 1})
        return dataset_dir
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def dumps_manifest(manifest: dict[str, Any]) -> str:
    import json

    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def _install(tmp: Path, dataset_dir: Path, parts: list[str]) -> None:
    """Move each finished part into the dataset directory, replacing the old one (last builder wins)."""
    dataset_dir.mkdir(parents=True, exist_ok=True)
    for part in parts:
        src, dst = tmp / part, dataset_dir / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_file():
            os.replace(src, dst)
            continue
        trash = None
        if dst.exists():
            trash = Path(tempfile.mkdtemp(prefix=".old-", dir=dst.parent))
            os.replace(dst, trash / "x")
        os.replace(src, dst)
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)


def build_from_recipe(recipe_path: str | Path, out_root: str | Path | None = None,
                      progress: Progress | None = None) -> Path:
    """Load a recipe file, build it, return the dataset directory (splits in `splits/<version>/`)."""
    from datasets_build.recipe import load

    recipe = load(recipe_path)
    try:
        return build(recipe, Path(out_root) if out_root is not None else None, progress)
    except DataError:
        raise
    except OSError as e:
        raise DataError(f"building {recipe_path}: {e}") from e

