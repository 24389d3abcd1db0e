"""What every source shares: its context (options, on_error, earlier records) and a file:line JSONL reader."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets_build.records import DataError, Drop, Record


@dataclass
class SourceContext:
    name: str
    options: dict[str, Any]
    on_error: str = "fail"
    seed: int = 0
    # Kept records of the sources listed before this one (the translation source reads them).
    previous: dict[str, list[Record]] = field(default_factory=dict)
    # Run facts that may differ between reruns (cache hits); reported apart from the reproducible counts.
    stats: dict[str, Any] = field(default_factory=dict)

    def opt(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def bad(self, reason: str, origin: str, message: str, raw: Any = None) -> Drop:
        """A row that is wrong: a DataError under on_error=fail, else a Drop counted under `reason`."""
        if self.on_error == "fail":
            raise DataError(f"{origin}: {message} (source {self.name!r}; set on_error: skip to drop such rows)")
        return Drop(reason, origin, message, raw)


def resolve_path(ctx: SourceContext) -> Path:
    raw = ctx.opt("path")
    if not raw:
        raise DataError(f"source {ctx.name!r}: `path` is required")
    path = Path(raw).expanduser()
    if not path.is_file():
        raise DataError(f"source {ctx.name!r}: file not found: {path}")
    return path


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any, str | None, str]]:
    """(line number, parsed object or None, error message or None, raw line) for every non-blank line."""
    opener: Any = gzip.open if path.suffix == ".gz" else open
    # Bytes in, decoded per line: a bad byte then costs one line (with its number), not the whole file.
    with opener(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                yield lineno, None, f"not valid UTF-8 ({e.reason} at byte {e.start})", raw.decode("utf-8", "replace")
                continue
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line), None, line
            except json.JSONDecodeError as e:
                yield lineno, None, f"malformed JSON ({e.msg} at column {e.colno})", line


def bad_line_reason(err: str) -> str:
    """The drop reason for a line iter_jsonl could not parse."""
    return "invalid_utf8" if err.startswith("not valid UTF-8") else "malformed_json"


def iter_hub(spec: str, ctx: SourceContext) -> Iterator[tuple[int, Any, str | None, str]]:
    """Rows of `hf:<dataset id>` through the datasets library (needs the network or a warm HF cache)."""
    from datasets import load_dataset

    dataset_id = spec.removeprefix("hf:")
    kwargs: dict[str, Any] = {"split": ctx.opt("split", "train")}
    if ctx.opt("subset"):
        kwargs["data_dir"] = ctx.opt("subset")
    if ctx.opt("revision"):
        kwargs["revision"] = ctx.opt("revision")
    ds = load_dataset(dataset_id, **kwargs)
    for i, row in enumerate(ds, start=1):
        yield i, dict(row), None, ""


def iter_rows(ctx: SourceContext) -> tuple[str, Iterator[tuple[int, Any, str | None, str]]]:
    """(label for origins, rows) of a local JSONL(.gz) file or an `hf:` dataset."""
    spec = str(ctx.opt("path") or "")
    if spec.startswith("hf:"):
        return spec, iter_hub(spec, ctx)
    path = resolve_path(ctx)
    return str(path), iter_jsonl(path)


def convert_rows(ctx: SourceContext, label: str, rows: Iterator[tuple[int, Any, str | None, str]],
                 convert: Callable[[Any, str], Record | Drop]) -> Iterator[Record | Drop]:
    """Run `convert(obj, origin)` over parsed rows; unparseable lines become counted drops with file:line."""
    for lineno, obj, err, line in rows:
        origin = f"{label}:{lineno}"
        if err is not None:
            yield ctx.bad(bad_line_reason(err), origin, err, line)
            continue
        item = convert(obj, origin)
        if line:
            item.raw = line  # the input line itself: raw/ then holds exactly what was read
        yield item


def limited(items: Iterator[Record | Drop], limit: int | None) -> Iterator[Record | Drop]:
    """Stop once `limit` records came out (drops before that still count as read)."""
    kept = 0
    for item in items:
        if limit is not None and kept >= limit:
            return
        yield item
        if isinstance(item, Record):
            kept += 1
