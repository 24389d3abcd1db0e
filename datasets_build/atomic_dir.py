"""Build a cache directory once, atomically, so that racing processes never see half of it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def ensure_dir(final: Path, marker: str, build: Callable[[Path], None]) -> Path:
    """`final`, built by `build(tmp)` into a temp sibling and renamed into place unless `final/marker` exists.

    Builds are deterministic, so when another process wins the rename race its copy is as good as ours.
    """
    if (final / marker).is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.build-", dir=final.parent))
    try:
        build(tmp)
        try:
            os.replace(tmp, final)
        except OSError:
            if not (final / marker).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final
