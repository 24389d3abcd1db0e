"""`python -m datasets_build build|stats|convert` (also `alice-tui data ...`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="alice-tui data", description="Build and inspect preference datasets.")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="run a dataset recipe")
    b.add_argument("--config", required=True, help="recipe YAML, e.g. configs/data_demo.yaml")
    b.add_argument("--out", default=None, help="output root (default outputs/data); dataset goes to OUT/<name>/")
    b.add_argument("--progress-json", action="store_true",
                   help="print one JSON object per line on stdout (stage progress, then done or error)")
    b.add_argument("--workers", type=int, default=None,
                   help="processes that annotate, this one included (overrides the recipe; 1 = no extra process)")
    s = sub.add_parser("stats", help="print a dataset's manifest as tables")
    s.add_argument("dir", help="dataset directory, split directory or manifest.json")
    s.add_argument("--json", action="store_true", help="print the raw manifest JSON")
    c = sub.add_parser("convert", help="run one source file through the per-record steps")
    c.add_argument("source_type", help="hh_rlhf, pku_saferlhf, local_jsonl, ...")
    c.add_argument("input", help="input JSONL(.gz) file")
    c.add_argument("output", help="output JSONL file (processed records)")
    c.add_argument("--on-error", choices=("fail", "skip"), default="fail")
    c.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="source option (e.g. preference=better, lang=sv); VALUE is parsed as YAML")
    return p


class Progress:
    """Stage progress: JSON lines for a parent process, a bar on a terminal, nothing otherwise."""

    def __init__(self, as_json: bool, stream: TextIO) -> None:
        self.as_json = as_json
        self.stream = stream
        self.tty = stream.isatty()
        self._last = 0.0
        self._line = False

    def __call__(self, event: dict[str, Any]) -> None:
        if self.as_json:
            print(json.dumps(event, ensure_ascii=False), file=self.stream, flush=True)
            return
        if not self.tty:
            return
        done, total = event.get("done", 0), event.get("total")
        finished = total is not None and done >= total
        now = time.monotonic()
        if not finished and now - self._last < 0.1:
            return
        self._last = now
        label = f"{event['stage']:<7} {event.get('source', ''):<16}"
        if total:
            width = 30
            fill = int(width * done / total)
            bar = f"[{'#' * fill}{'.' * (width - fill)}] {done}/{total}"
        else:
            bar = f"{done} read"
        self.stream.write(f"\r{label} {bar}\x1b[K")
        if finished:
            self.stream.write("\n")
        self.stream.flush()


def _parse_options(pairs: list[str]) -> dict[str, Any]:
    import yaml

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--option {pair!r}: expected KEY=VALUE")
        out[key] = yaml.safe_load(value)
    return out


def cmd_build(args: argparse.Namespace) -> int:
    from datasets_build.manifest import load_manifest
    from datasets_build.pipeline import build
    from datasets_build.recipe import load
    from datasets_build.report import summary

    progress = Progress(args.progress_json, sys.stdout if args.progress_json else sys.stderr)
    recipe = load(args.config)
    if args.workers is not None:
        recipe.workers = max(1, args.workers)
    # Absolute paths: the console that reads them may run in another directory.
    dataset_dir = build(recipe, Path(args.out) if args.out else None, progress).resolve()
    manifest_path = dataset_dir / "manifest.json"
    text = summary(load_manifest(manifest_path))
    if args.progress_json:
        print(json.dumps({"event": "done", "dataset_dir": str(dataset_dir), "manifest": str(manifest_path),
                          "splits_dir": str(dataset_dir / "splits" / recipe.version)}), flush=True)
        print(text, file=sys.stderr)
    else:
        print(text)
        print(f"\ndataset: {dataset_dir}\nmanifest: {manifest_path}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from datasets_build.manifest import load_manifest
    from datasets_build.report import summary

    manifest = load_manifest(args.dir)
    print(json.dumps(manifest, indent=2, ensure_ascii=False) if args.json else summary(manifest))
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from datasets_build.convert import convert

    entry = convert(args.source_type, args.input, args.output, _parse_options(args.option), args.on_error)
    print(json.dumps(entry, indent=2, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    from datasets_build.records import DataError

    args = make_parser().parse_args(argv)
    handler = {"build": cmd_build, "stats": cmd_stats, "convert": cmd_convert}[args.command]
    try:
        return handler(args)
    except (DataError, ValueError, FileNotFoundError) as e:
        if getattr(args, "progress_json", False):
            print(json.dumps({"event": "error", "message": str(e)}, ensure_ascii=False), flush=True)
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`); point stdout at devnull so the exit flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
