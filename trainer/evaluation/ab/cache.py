"""Append-only JSONL caches under RUN/eval/ab-cache/: generations keyed by (model, adapter hash, prompt,
decoding settings), verdicts keyed by (judge, pair), so another judge re-judges without regenerating.

A damaged line (a crash mid-append) is skipped and counted; the entry is simply computed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trainer.evaluation.provenance import file_sha256

CACHE_DIR = "ab-cache"


def key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def files_digest(root: Path, files: Iterable[Path]) -> str:
    """sha256 over files' paths under `root` and their contents: the same files copied elsewhere give the
    same digest."""
    h = hashlib.sha256()
    for p in sorted(files):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(file_sha256(p).encode())
    return h.hexdigest()


def adapter_digest(adapter_dir: Path) -> str:
    """sha256 over the adapter's weight and config files: the same checkpoint copied elsewhere hits the cache."""
    return files_digest(adapter_dir, adapter_dir.glob("adapter_*"))


class JsonlCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Any] = {}
        self.damaged = 0
        self.hits = 0
        self.misses = 0
        if path.is_file():
            with open(path, "rb") as f:
                for raw in f:
                    try:
                        obj = json.loads(raw.decode("utf-8"))
                        self.entries[obj["k"]] = obj["v"]
                    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
                        self.damaged += 1

    def get(self, k: str) -> Any:
        if k in self.entries:
            self.hits += 1
            return self.entries[k]
        self.misses += 1
        return None

    def put_many(self, items: dict[str, Any]) -> None:
        if not items:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            for k, v in items.items():
                f.write(json.dumps({"k": k, "v": v}, ensure_ascii=False) + "\n")
            f.flush()
        self.entries.update(items)

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "damaged_lines": self.damaged}
