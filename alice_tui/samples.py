"""Read pages of a split file and find PII placeholders to highlight. Plain module (no Textual)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from pathlib import Path
from typing import Any

# The builder writes <EMAIL>, <PHONE>, <PERSONNUMMER>, <CASE_ID>; any <UPPER_CASE> tag is one of its kind.
PLACEHOLDER_RE = re.compile(r"<[A-Z][A-Z_]{2,30}>")


def count_records(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


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
    """The manifest describing `split_dir`: the builder's own finder when present, else a walk upwards."""
    try:
        from datasets_build import manifest as dm

        found = dm.find_manifest(split_dir)
        return Path(found) if found else None
    except (ImportError, AttributeError):
        pass
    except (OSError, ValueError):
        return None
    for d in (split_dir, *list(split_dir.parents)[:3]):
        for name in ("manifest.json", "MANIFEST.json"):
            if (d / name).is_file():
                return d / name
    return None


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        from datasets_build import manifest as dm

        loaded: Any = dm.load_manifest(path)
    except (ImportError, AttributeError):
        loaded = None
    if loaded is not None:
        if hasattr(loaded, "to_dict"):
            loaded = loaded.to_dict()
        elif dataclasses.is_dataclass(loaded) and not isinstance(loaded, type):
            loaded = dataclasses.asdict(loaded)
        if isinstance(loaded, dict):
            return loaded
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a manifest must be a JSON object")
    return data
