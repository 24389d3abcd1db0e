"""Light reader of dataset manifests and split files (stdlib only: the console imports it).

manifest.json (schema 1), written to `<dataset>/manifest.json` and `<dataset>/splits/<version>/manifest.json`:

    schema                 1
    name, version          the recipe's name and split version
    recipe                 {path, sha256, seed, on_error, tokenizer, max_tokens, min_quality, dedup,
                            buckets, languages, pii: {...}, splits: {...}}
    sources                {<name>: {type, lang, domain, quality, options, read, kept,
                            dropped: {reason: n}, language_mismatch, pii: {kind: n}, run_stats?}}
                           invariant: read == kept + sum(dropped) for every source
    totals                 {records, by_lang, by_domain, by_bucket, by_quality, by_source, by_split}
    pii                    {kind: n} over all sources
    language               {target: {lang: share}, actual: {lang: share}, delta: {lang: actual - target},
                            tolerance, within_tolerance: bool|null}
    golden                 {n, by_stratum: {"lang/domain": n}, contamination: {checked, removed: {split: n},
                            overlaps_after}, frozen?: {from, pinned, found, missing}}
    files                  {<path relative to the dataset dir>: {sha256, bytes, records}}
    timings_s              {total, splits, sources: {<name>: {read, annotate, filter}}}

Everything except `timings_s` and a source's `run_stats` (e.g. translation cache hits) is identical between
reruns of a recipe; the data files it lists are byte-identical.
Split records: {"id", "prompt": [messages], "chosen": [{"role": "assistant", "content"}], "rejected": [...],
"source", "lang", "domain", "quality", "bucket", "n_tokens"}.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest_sha256(path: str | Path) -> str:
    """The sha256 of a manifest file (or of `<dir>/manifest.json`): one value that pins a whole dataset."""
    p = Path(path)
    return sha256_file(p / MANIFEST if p.is_dir() else p)


def find_manifest(split_dir: str | Path) -> Path | None:
    """The manifest that describes a split directory: its own copy, else walk up to `<dataset>/manifest.json`."""
    p = Path(split_dir).resolve()
    for candidate in (p, *p.parents[:3]):
        if (candidate / MANIFEST).is_file():
            return candidate / MANIFEST
    return None


def load_manifest(path_or_dataset_dir: str | Path) -> dict[str, Any]:
    """Read a manifest from its file, a dataset directory or a split directory."""
    p = Path(path_or_dataset_dir)
    if p.is_dir():
        found = find_manifest(p)
        if found is None:
            raise FileNotFoundError(f"no {MANIFEST} in or above {p}")
        p = found
    with open(p, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise ValueError(f"{p}: not a dataset manifest (schema 1)")
    return data


def read_split(path: str | Path, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Records `offset` .. `offset + limit` of a split JSONL file (reads only as far as it needs)."""
    out: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i < offset:
                continue
            if len(out) >= limit:
                break
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{i + 1}: malformed JSON ({e.msg})") from e
    return out


def count_records(path: str | Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())
