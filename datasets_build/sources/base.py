"""What every source shares: its context (options, on_error, earlier records) and a file:line JSONL reader."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets_build import speaker_markers
from datasets_build.records import DataError, Drop, Record, make_id


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
    # Rows kept after a repair, by what was repaired, and problems with the source as a whole (an empty
    # file): both go into the manifest.
    repaired: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

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


DEFAULT_MAX_LINE_BYTES = 4 << 20  # far above any real pair (HH-RLHF's longest line is ~30 KB)
_SKIP_CHUNK = 1 << 20
# Options every file-reading source takes (merged into their OPTIONS and DEFAULTS).
FILE_OPTIONS = {"max_line_bytes": int, "speaker_markers": str}
FILE_DEFAULTS = {"max_line_bytes": DEFAULT_MAX_LINE_BYTES, "speaker_markers": "drop"}
TOO_LONG = "line too long"


def _lines(fh: Any, max_line_bytes: int) -> Iterator[tuple[bytes, int]]:
    """(line, length in bytes) per line; a line over `max_line_bytes` comes back as (b"", length) after being
    skipped in bounded chunks, so no more than `max_line_bytes` + 1 bytes of it are ever held."""
    while True:
        raw = fh.readline(max_line_bytes + 1)
        if not raw:
            return
        if len(raw) <= max_line_bytes or (raw.endswith(b"\n") and len(raw) == max_line_bytes + 1):
            yield raw, len(raw)
            continue
        size = len(raw)
        del raw
        while True:
            part = fh.readline(_SKIP_CHUNK)
            size += len(part)
            if not part or part.endswith(b"\n"):
                break
        yield b"", size


def iter_jsonl(path: Path, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[tuple[int, Any, str | None, str]]:
    """(line number, parsed object or None, error message or None, raw line) for every non-blank line.

    A line longer than `max_line_bytes` is not read into memory, let alone parsed: it comes back as an error
    starting with TOO_LONG (and an empty raw line)."""
    opener: Any = gzip.open if path.suffix == ".gz" else open
    # Bytes in, decoded per line: a bad byte then costs one line (with its number), not the whole file.
    with opener(path, "rb") as fh:
        for lineno, (raw, size) in enumerate(_lines(fh, max_line_bytes), start=1):
            if not raw:
                yield lineno, None, f"{TOO_LONG} ({size:,} bytes > max_line_bytes {max_line_bytes:,})", ""
                continue
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
    if err.startswith(TOO_LONG):
        return "line_too_long"
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
    return file_rows(ctx)


def file_rows(ctx: SourceContext) -> tuple[str, Iterator[tuple[int, Any, str | None, str]]]:
    """(file path for origins, rows) of the source's local JSONL(.gz) file, lines bounded by max_line_bytes."""
    path = resolve_path(ctx)
    return str(path), iter_jsonl(path, ctx.opt("max_line_bytes", DEFAULT_MAX_LINE_BYTES))


def convert_rows(ctx: SourceContext, label: str, rows: Iterator[tuple[int, Any, str | None, str]],
                 convert: Callable[[Any, str], Record | Drop]) -> Iterator[Record | Drop]:
    """Run `convert(obj, origin)` over parsed rows; unparseable lines become counted drops with file:line,
    pairs with a speaker marker inside a turn are dropped or repaired, and a source without a single row is
    an error (on_error: fail) or a warning in the manifest."""
    mode = ctx.opt("speaker_markers", "drop")
    if mode not in speaker_markers.MODES:
        raise DataError(f"source {ctx.name!r}: speaker_markers must be one of {speaker_markers.MODES}, got {mode!r}")
    n = 0
    for lineno, obj, err, line in rows:
        n += 1
        origin = f"{label}:{lineno}"
        if err is not None:
            yield ctx.bad(bad_line_reason(err), origin, err, line or None)
            continue
        item = convert(obj, origin)
        if isinstance(item, Record):
            item = check_markers(ctx, item, mode)
        if line:
            item.raw = line  # the input line itself: raw/ then holds exactly what was read
        yield item
    if n == 0:
        message = f"{label}: source file is empty (no records)"
        if ctx.on_error == "fail":
            raise DataError(f"{message} (source {ctx.name!r}; set on_error: skip to build without it)")
        ctx.warnings.append(message)


def check_markers(ctx: SourceContext, rec: Record, mode: str) -> Record | Drop:
    """The record, repaired if asked and possible, or a Drop when a turn carries a speaker marker."""
    for m in rec.prompt:
        hit = speaker_markers.find(m["content"])
        if hit is not None:
            return Drop(speaker_markers.REASON, rec.origin, f"{m['role']} turn in the prompt holds {hit.group()!r}")
    responses = {"chosen": rec.chosen, "rejected": rec.rejected}
    for key, text in responses.items():
        hit = speaker_markers.find(text)
        if hit is None:
            continue
        fixed = speaker_markers.repair_response(text) if mode == "repair" else None
        if fixed is None:
            return Drop(speaker_markers.REASON, rec.origin, f"{key} response holds {hit.group()!r}")
        responses[key] = fixed
    if responses["chosen"] is rec.chosen and responses["rejected"] is rec.rejected:
        return rec
    rec.chosen, rec.rejected = responses["chosen"], responses["rejected"]
    rec.id = make_id(rec.source, rec.prompt, rec.chosen, rec.rejected)
    rec.meta["repaired"] = speaker_markers.REASON
    ctx.repaired[speaker_markers.REASON] = ctx.repaired.get(speaker_markers.REASON, 0) + 1
    return rec


def limited(items: Iterator[Record | Drop], limit: int | None) -> Iterator[Record | Drop]:
    """Stop once `limit` records came out (drops before that still count as read)."""
    kept = 0
    for item in items:
        if limit is not None and kept >= limit:
            return
        yield item
        if isinstance(item, Record):
            kept += 1
