"""Which data a report was computed on: the dataset manifest's hash, or the split file's own hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def split_provenance(split_path: Path) -> dict[str, Any]:
    """{"manifest_sha256", "manifest_path", "split_sha256", "provenance_note"} for the report.

    The manifest hash is what makes two reports comparable: same manifest, same frozen splits.
    """
    out: dict[str, Any] = {"manifest_sha256": None, "manifest_path": None,
                           "split_sha256": file_sha256(split_path)}
    try:
        from datasets_build.manifest import find_manifest, manifest_sha256
    except ImportError:
        out["provenance_note"] = "datasets_build.manifest is not available; identified by the split file's sha256"
        return out
    manifest = find_manifest(split_path.parent)
    if manifest is None:
        out["provenance_note"] = (f"no dataset manifest found above {split_path.parent}; "
                                  "identified by the split file's sha256 only")
        return out
    out["manifest_path"] = str(manifest)
    out["manifest_sha256"] = manifest_sha256(manifest)
    out["provenance_note"] = "dataset manifest found; manifest_sha256 identifies the dataset build"
    return out
