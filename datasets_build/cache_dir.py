"""The one on-disk cache of built-in tokenizers and models, moved by the one variable ALICE_TUI_CACHE.

Lives in datasets_build (which may not import trainer) so the builder and the trainer both use it.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "ALICE_TUI_CACHE"


def project_root() -> Path:
    """The source checkout when running from one (editable install), else the current directory."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


def builtin_cache() -> Path:
    """`$ALICE_TUI_CACHE`, else `<project>/outputs/builtin`: never relative to the working directory,
    so the builder and a trainer started elsewhere find the same built files."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser().resolve() if env else project_root() / "outputs" / "builtin"
