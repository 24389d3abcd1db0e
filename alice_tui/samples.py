"""Read pages of a split file and find PII placeholders to highlight. Plain module (no Textual)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

from datasets_build.manifest import find_manifest as find_builder_manifest

# The builder writes <EMAIL>, <PHONE>, <PERSONNUMMER>, <CASE_ID>; any <UPPER_CASE> tag is one of its kind.
PLACEHOLDER_RE = re.compile(r"<[A-Z][A-Z_]{2,30}>")


def read_record(path: Path, index: int) -> dict[str, Any]:
    """Record `index` (0-based) of a JSONL split; a bad line raises ValueError naming file and line."""
    with open(path, encoding="utf-8") as f:
        lines = (line for line in f if line.strip())
        line = next(itertools.islice(lines, index, None), None)
    if line is None:
        raise IndexError(f"{path} has no record {index + 1}")
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: record {index + 1} is not valid JSON: {e}") from None
    if not isinstance(rec, dict):
        raise ValueError(f"{path}: record {index + 1} is not a JSON object")
    return rec


def as_text(value: Any) -> str:
    """A prompt or response as text: plain strings as they are, chat messages as `role: content`."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for m in value:
            if isinstance(m, dict):
                parts.append(f"{m.get('role', '?')}: {m.get('content', '')}")
            else:
                parts.append(str(m))
        return "\n\n".join(parts)
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]


def split_files(split_dir: Path) -> list[Path]:
    return sorted(split_dir.glob("*.jsonl")) if split_dir.is_dir() else []


def find_manifest(split_dir: Path) -> Path | None:
    """The manifest describing `split_dir` (its own copy, else up to three levels above), or None."""
    try:
        return find_builder_manifest(split_dir)
    except (OSError, ValueError):
        return None


def record_text(rec: dict[str, Any]) -> str:
    """Everything a search in the sample browser looks at: prompt, both answers and the scalar metadata."""
    meta = [f"{k}={v}" for k, v in rec.items() if k not in ("prompt", "chosen", "rejected") and not isinstance(v, list | dict)]
    return "\n".join([*meta, as_text(rec.get("prompt")), as_text(rec.get("chosen")), as_text(rec.get("rejected"))])


def find_record(path: Path, query: str, start: int, step: int = 1) -> int | None:
    """The first record after `start` (before it when `step` is -1), wrapping around, whose text holds `query`.

    Any case; a line that is not a JSON object is skipped (the browser names it when it is shown).
    """
    q = query.lower()
    hits: list[int] = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(ln for ln in f if ln.strip()):
            if q not in line.lower() and "\\" not in line:
                continue  # cheap: only a line holding the text, or an escape (\u00e5) that may hide it, is parsed
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and q in record_text(rec).lower():
                hits.append(i)
    if not hits:
        return None
    after = [i for i in hits if (i > start if step > 0 else i < start)]
    if after:
        return after[0] if step > 0 else after[-1]
    return hits[0] if step > 0 else hits[-1]
